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

    @Option(
            names = "--allow-insecure-endpoint",
            scope = ScopeType.INHERIT,
            description = "Accept a plain-http:// endpoint on a host other than this machine (also"
                    + " SECURE_API_ALLOW_INSECURE_ENDPOINT=1): credentials, and keys, then travel unencrypted.")
    boolean allowInsecureEndpoint;

    /** Whether the note naming a non-AWS endpoint host was printed (once per run, also over many entries). */
    private boolean endpointNoted;

    /**
     * A profile that is in neither file would surface later as "no credentials": say what is wrong.
     * The files are where the AWS CLI looks (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws).
     */
    static void checkProfile(String name, Map<String, String> env) {
        io.secureapi.aws.Warmup.finish(); // the SDK's profile reader below: see Warmup
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
        return resolve(env, configRegion, null);
    }

    /** As {@link #resolve(Map, String)}; {@code err} gets the one note naming a non-AWS endpoint host (null: none). */
    AwsSettings resolve(Map<String, String> env, String configRegion, java.io.PrintWriter err) {
        // Regions, profiles and the region chain are the SDK's: from here on only this thread and
        // the command's own initialise its classes (see Warmup)
        io.secureapi.aws.Warmup.finish();
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
        checkEndpoints(endpointSources(env, prof.orElse(null)), env, err);
        return new AwsSettings(r, prof.orElse(null), uri);
    }

    /**
     * Every endpoint the SDK could send calls to, by where it comes from: the flag, AWS_ENDPOINT_URL and
     * AWS_ENDPOINT_URL_SERVICE, the profile's endpoint_url (also in its services section). Service-specific
     * endpoints: docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html; ignored by the SDK under
     * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (the flag never is).
     */
    Map<String, String> endpointSources(Map<String, String> env, String profileName) {
        Map<String, String> sources = new java.util.LinkedHashMap<>();
        if (endpointUrl != null) sources.put("--endpoint-url", endpointUrl);
        if ("true"
                .equalsIgnoreCase(env.getOrDefault("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "")
                        .strip())) return sources;
        env.entrySet().stream()
                .filter(e -> e.getKey().equals("AWS_ENDPOINT_URL") || e.getKey().startsWith("AWS_ENDPOINT_URL_"))
                .filter(e -> !e.getValue().isBlank())
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> sources.put(e.getKey(), e.getValue()));
        java.nio.file.Path config = env.get("AWS_CONFIG_FILE") != null
                ? java.nio.file.Path.of(env.get("AWS_CONFIG_FILE"))
                : java.nio.file.Path.of(System.getProperty("user.home"), ".aws", "config");
        if (!java.nio.file.Files.isRegularFile(config)) return sources;
        try {
            ProfileFile file = ProfileFile.builder()
                    .content(config)
                    .type(ProfileFile.Type.CONFIGURATION)
                    .build();
            String name = profileName == null ? "default" : profileName;
            file.profile(name).ifPresent(p -> {
                if ("true"
                        .equalsIgnoreCase(
                                p.property("ignore_configured_endpoint_urls").orElse(""))) return;
                p.property("endpoint_url").ifPresent(u -> sources.put("profile " + name + " endpoint_url", u));
                // a services section's URLs: its sub-properties read as "service.endpoint_url"
                p.property("services")
                        .flatMap(section -> file.getSection("services", section))
                        .ifPresent(sec -> sec.properties().forEach((k, v) -> {
                            if (k.endsWith("endpoint_url")) sources.put("profile " + name + " services " + k, v);
                        }));
            });
        } catch (RuntimeException unreadable) {
            // a file the SDK cannot parse: the SDK says so when it reads it
        }
        return sources;
    }

    /**
     * Plain http:// only to this machine unless asked (--allow-insecure-endpoint or
     * SECURE_API_ALLOW_INSECURE_ENDPOINT=1): the access key id, the session token and, with --function, a
     * key would travel unencrypted. A host that is neither this machine nor AWS is named once.
     */
    private void checkEndpoints(Map<String, String> sources, Map<String, String> env, java.io.PrintWriter err) {
        boolean allowed = allowInsecureEndpoint
                || "1"
                        .equals(env.getOrDefault("SECURE_API_ALLOW_INSECURE_ENDPOINT", "")
                                .strip());
        for (Map.Entry<String, String> e : sources.entrySet()) {
            URI u;
            try {
                u = new URI(e.getValue().strip());
            } catch (java.net.URISyntaxException bad) {
                continue; // not one the SDK can use either
            }
            String host = u.getHost() == null ? "" : u.getHost().toLowerCase(java.util.Locale.ROOT);
            boolean loopback = loopback(host);
            if ("http".equalsIgnoreCase(u.getScheme()) && !loopback && !allowed) {
                throw ExitException.badInput(
                        e.getKey() + " is plain http:// to " + host
                                + ": your AWS credentials (and any key setup stores) would travel unencrypted",
                        "use https://, or pass --allow-insecure-endpoint (SECURE_API_ALLOW_INSECURE_ENDPOINT=1) if"
                                + " that network is yours; http:// to this machine (127.0.0.1, localhost) is always"
                                + " accepted");
            }
            if (!loopback && !awsHost(host) && err != null && !endpointNoted) {
                endpointNoted = true;
                err.println("note: AWS calls go to " + host + " (" + e.getKey() + "), not to AWS");
                err.flush();
            }
        }
    }

    /** This machine, by name or address literal (no DNS lookup). */
    static boolean loopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost")
                || h.endsWith(".localhost")
                || h.matches("127(\\.\\d{1,3}){3}")
                || h.equals("::1")
                || h.equals("0:0:0:0:0:0:0:1");
    }

    /** AWS's own endpoint domains (docs.aws.amazon.com/general/latest/gr/rande.html; China: amazonaws.com.cn). */
    static boolean awsHost(String host) {
        return host.endsWith(".amazonaws.com") || host.endsWith(".amazonaws.com.cn") || host.endsWith(".api.aws");
    }
}
