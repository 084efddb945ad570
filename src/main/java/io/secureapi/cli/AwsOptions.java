package io.secureapi.cli;

import io.secureapi.aws.AwsSettings;
import io.secureapi.error.ExitException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/** Where to talk to AWS. Inherited by every subcommand; the AWS environment works as with the AWS CLI. */
public class AwsOptions {
    /** The shape of an AWS region name (us-east-1, ap-southeast-2, us-gov-west-1). */
    static final String REGION_PATTERN = "[a-z]{2}(-[a-z]+)+-\\d+";

    @Option(
            names = "--region",
            scope = ScopeType.INHERIT,
            paramLabel = "REGION",
            description =
                    "AWS region of the API (default: the config entry's region, then AWS_REGION, AWS_DEFAULT_REGION, the profile's).")
    String region;

    @Option(
            names = "--profile",
            scope = ScopeType.INHERIT,
            paramLabel = "NAME",
            description = "Named profile from ~/.aws/config or ~/.aws/credentials (default: AWS_PROFILE).")
    String profile;

    @Option(
            names = "--endpoint-url",
            scope = ScopeType.INHERIT,
            paramLabel = "URL",
            description = "Send every AWS call to this endpoint (LocalStack, moto; default: AWS_ENDPOINT_URL).")
    String endpointUrl;

    /**
     * A profile that is in neither file would surface later as "no credentials": say what is wrong.
     * The files are where the AWS CLI looks (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws).
     */
    static void checkProfile(String name, Map<String, String> env) {
        java.nio.file.Path home = java.nio.file.Path.of(System.getProperty("user.home"), ".aws");
        String configEnv = env.get("AWS_CONFIG_FILE");
        String credentialsEnv = env.get("AWS_SHARED_CREDENTIALS_FILE");
        java.nio.file.Path config = configEnv != null ? java.nio.file.Path.of(configEnv) : home.resolve("config");
        java.nio.file.Path credentials =
                credentialsEnv != null ? java.nio.file.Path.of(credentialsEnv) : home.resolve("credentials");
        if (has(config, ProfileFile.Type.CONFIGURATION, name) || has(credentials, ProfileFile.Type.CREDENTIALS, name))
            return;
        String where = (configEnv == null ? "~/.aws/config" : configEnv) + " or "
                + (credentialsEnv == null ? "~/.aws/credentials" : credentialsEnv);
        throw ExitException.badInput(
                "profile " + name + " not found in " + where,
                "list your profiles with: aws configure list-profiles; then pass --profile NAME (or set AWS_PROFILE)");
    }

    private static boolean has(java.nio.file.Path file, ProfileFile.Type type, String name) {
        if (!java.nio.file.Files.isRegularFile(file)) return false;
        try {
            return ProfileFile.builder()
                    .content(file)
                    .type(type)
                    .build()
                    .profile(name)
                    .isPresent();
        } catch (RuntimeException unreadable) {
            // a file the SDK cannot parse: let the SDK say so when it reads it
            return true;
        }
    }

    /** Flags first, then the environment, then the profile, as the AWS CLI resolves them. {@code configRegion}: null for none. */
    AwsSettings resolve(Map<String, String> env, String configRegion) {
        Optional<String> prof = Optional.ofNullable(profile).or(() -> Optional.ofNullable(env.get("AWS_PROFILE")));
        prof.ifPresent(p -> checkProfile(p, env));
        String r = region;
        // the API lives where secure-api.json says; a shell's AWS_REGION for other work must not move it
        if (r == null) r = configRegion;
        if (r == null) r = env.get("AWS_REGION");
        if (r == null) r = env.get("AWS_DEFAULT_REGION");
        if (r == null) {
            try {
                DefaultAwsRegionProviderChain.Builder chain = DefaultAwsRegionProviderChain.builder();
                prof.ifPresent(chain::profileName);
                r = chain.build().getRegion().id();
            } catch (SdkClientException e) {
                throw ExitException.badInput(
                        "no AWS region given", "pass --region (e.g. --region us-east-1) or set AWS_REGION");
            }
        }
        if (!r.matches(REGION_PATTERN)) {
            throw ExitException.badInput(
                    "\"" + r + "\" is not an AWS region name", "pass a region such as --region us-east-1");
        }
        // well-formed but unknown (us-east-99): bad input before any call, as scan --regions judges it
        if (!io.secureapi.scan.Scan.known(r)) {
            throw ExitException.badInput(
                    "\"" + r + "\" is not an AWS region",
                    "pass a region such as --region us-east-1 (aws account list-regions lists those of your account)");
        }
        String endpoint = endpointUrl != null ? endpointUrl : env.get("AWS_ENDPOINT_URL");
        URI uri = null;
        if (endpoint != null && !endpoint.isBlank()) {
            try {
                URI u = new URI(endpoint);
                if (u.getScheme() == null
                        || u.getHost() == null
                        || !u.getScheme().startsWith("http")) throw new IllegalArgumentException();
                uri = u;
            } catch (Exception e) {
                throw ExitException.badInput(
                        "--endpoint-url \"" + endpoint + "\" is not an http(s) URL",
                        "pass e.g. --endpoint-url http://127.0.0.1:4566");
            }
        }
        return new AwsSettings(r, prof.orElse(null), uri);
    }
}
