package io.secureapi.cli;

import io.secureapi.aws.AwsSettings;
import io.secureapi.engine.ExitException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/** Where to talk to AWS. Inherited by every subcommand; the AWS environment works as with the AWS CLI. */
public class AwsOptions {
    @Option(names = "--region", scope = ScopeType.INHERIT, paramLabel = "REGION",
            description = "AWS region of the API (default: AWS_REGION, then the profile's region).")
    String region;

    @Option(names = "--profile", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "Named profile from ~/.aws/config (default: AWS_PROFILE).")
    String profile;

    @Option(names = "--endpoint-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "Send every AWS call to this endpoint (LocalStack, moto; default: AWS_ENDPOINT_URL).")
    String endpointUrl;

    /** Flags first, then the environment, then the profile, as the AWS CLI resolves them. */
    AwsSettings resolve(Map<String, String> env, Optional<String> configRegion) {
        Optional<String> prof = Optional.ofNullable(profile).or(() -> Optional.ofNullable(env.get("AWS_PROFILE")));
        String r = region;
        // the API lives where secure-api.json says; a shell's AWS_REGION for other work must not move it
        if (r == null && configRegion.isPresent()) r = configRegion.get();
        if (r == null) r = env.get("AWS_REGION");
        if (r == null) r = env.get("AWS_DEFAULT_REGION");
        if (r == null) {
            try {
                DefaultAwsRegionProviderChain.Builder chain = DefaultAwsRegionProviderChain.builder();
                prof.ifPresent(chain::profileName);
                r = chain.build().getRegion().id();
            } catch (SdkClientException e) {
                throw ExitException.badInput("no AWS region given",
                        "pass --region (e.g. --region us-east-1) or set AWS_REGION");
            }
        }
        if (!r.matches("[a-z]{2}(-[a-z]+)+-\\d+")) {
            throw ExitException.badInput("\"" + r + "\" is not an AWS region name", "pass a region such as --region us-east-1");
        }
        String endpoint = endpointUrl != null ? endpointUrl : env.get("AWS_ENDPOINT_URL");
        Optional<URI> uri = Optional.empty();
        if (endpoint != null && !endpoint.isBlank()) {
            try {
                URI u = new URI(endpoint);
                if (u.getScheme() == null || u.getHost() == null || !u.getScheme().startsWith("http")) throw new IllegalArgumentException();
                uri = Optional.of(u);
            } catch (Exception e) {
                throw ExitException.badInput("--endpoint-url \"" + endpoint + "\" is not an http(s) URL",
                        "pass e.g. --endpoint-url http://127.0.0.1:4566");
            }
        }
        return new AwsSettings(r, prof, uri);
    }
}
