package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.secureapi.error.ExitException;
import io.secureapi.it.Run;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain http:// from any source the SDK reads is refused unless it goes to this machine or is asked for. */
class InsecureEndpointTest {
    @TempDir
    Path dir;

    Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of(
                "AWS_REGION",
                "us-east-1",
                "AWS_CONFIG_FILE",
                dir.resolve("none").toString()));
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    record Outcome(ExitException error, String err) {}

    Outcome resolve(String flag, boolean allow, Map<String, String> env) {
        AwsOptions o = new AwsOptions();
        o.endpointUrl = flag;
        o.allowInsecureEndpoint = allow;
        StringWriter err = new StringWriter();
        ExitException e =
                catchThrowableOfType(() -> o.resolve(env, null, new PrintWriter(err, true)), ExitException.class);
        return new Outcome(e, err.toString());
    }

    @Test
    void plainHttpToAnotherHost_isExit2NamingTheSource_fromTheFlagTheEnvironmentOrTheProfile() throws Exception {
        Outcome flag = resolve("http://10.1.2.3:4566", false, env());
        assertThat(flag.error()).isNotNull();
        assertThat(flag.error().exitCode()).isEqualTo(2);
        assertThat(flag.error().getMessage()).contains("--endpoint-url").contains("10.1.2.3");
        assertThat(flag.error().hint()).contains("--allow-insecure-endpoint");

        Outcome fromEnv = resolve(null, false, env("AWS_ENDPOINT_URL", "http://aws.example.com"));
        assertThat(fromEnv.error()).isNotNull();
        assertThat(fromEnv.error().getMessage()).contains("AWS_ENDPOINT_URL").contains("aws.example.com");

        Outcome service = resolve(null, false, env("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm.example.com"));
        assertThat(service.error()).isNotNull();
        assertThat(service.error().getMessage()).contains("AWS_ENDPOINT_URL_SECRETS_MANAGER");

        Path config = dir.resolve("config");
        Files.writeString(config, "[profile ci]\nregion = us-east-1\nendpoint_url = http://proxy.example.com:8080\n");
        Outcome profile = resolve(
                null,
                false,
                env(
                        "AWS_CONFIG_FILE",
                        config.toString(),
                        "AWS_PROFILE",
                        "ci",
                        "AWS_SHARED_CREDENTIALS_FILE",
                        dir.resolve("none").toString()));
        assertThat(profile.error()).isNotNull();
        assertThat(profile.error().getMessage())
                .contains("profile ci endpoint_url")
                .contains("proxy.example.com");
        Files.writeString(config, "[default]\nendpoint_url = http://proxy.example.com:8080\n");
        Outcome defaultProfile = resolve(null, false, env("AWS_CONFIG_FILE", config.toString()));
        assertThat(defaultProfile.error()).isNotNull();
        // the SDK ignores configured endpoints under this setting; so does the check
        assertThat(resolve(
                                null,
                                false,
                                env(
                                        "AWS_CONFIG_FILE",
                                        config.toString(),
                                        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                        "true"))
                        .error())
                .isNull();
    }

    @Test
    void loopbackIsAlwaysAccepted_otherHostsWhenAsked_andANonAwsHostIsNamedOnce() {
        for (String url : new String[] {"http://127.0.0.1:4566", "http://localhost:4566", "http://[::1]:4566"}) {
            Outcome o = resolve(url, false, env());
            assertThat(o.error()).as(url).isNull();
            assertThat(o.err()).as(url).isEmpty();
        }
        Outcome allowed = resolve("http://10.1.2.3:4566", true, env());
        assertThat(allowed.error()).isNull();
        assertThat(allowed.err()).contains("10.1.2.3");
        Outcome byEnv = resolve(
                null,
                false,
                env("AWS_ENDPOINT_URL", "http://10.1.2.3:4566", "SECURE_API_ALLOW_INSECURE_ENDPOINT", "1"));
        assertThat(byEnv.error()).isNull();

        Outcome proxy = resolve(
                "https://proxy.example.com", false, env("AWS_ENDPOINT_URL_LAMBDA", "https://lambda.example.com"));
        assertThat(proxy.error()).isNull();
        assertThat(proxy.err().lines().toList())
                .singleElement()
                .satisfies(l -> assertThat(l).startsWith("note: ").contains("proxy.example.com"));
        Outcome aws = resolve("https://secretsmanager.us-east-1.amazonaws.com", false, env());
        assertThat(aws.error()).isNull();
        assertThat(aws.err()).isEmpty();
    }

    @Test
    void aCommand_withAPlainHttpEndpoint_stopsBeforeAnyAwsCall() {
        Run r = Run.raw(
                "",
                Map.of("AWS_CONFIG_FILE", dir.resolve("none").toString()),
                "verify",
                "--api-id",
                "abc123",
                "--region",
                "us-east-1",
                "--endpoint-url",
                "http://10.1.2.3:4566",
                "--config",
                dir.resolve("secure-api.json").toString());
        assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
        assertThat(r.err).contains("error: ").contains("plain http://").contains("next: ");
        assertThat(r.operations).isEmpty();
    }
}
