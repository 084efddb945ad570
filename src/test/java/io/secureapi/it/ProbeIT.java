package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * verify --probe end to end: real HTTP requests to the local gateway harness, which calls the
 * real bundled handler the way an HTTP API does (401 without the header, 403 when the handler
 * denies, pass-through when it allows), reading the secret that setup made in the emulator.
 */
class ProbeIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    final Gateways gateways = new Gateways();

    Path config() {
        return dir.resolve("secure-api.json");
    }

    @AfterEach
    void stopGateways() throws Exception {
        gateways.stopAll();
    }

    /** Starts src/test/harness/gateway.mjs against the emulator; returns its URL. */
    String gateway(String secretArn, Map<String, String> extra) throws IOException {
        return gateways.start(dir, secretArn, extra);
    }

    /** A protected API; returns the live key, read from --key-out. */
    String protectedApi() throws IOException {
        String api = aws.amplifyApi();
        Path keyOut = dir.resolve("live.key");
        Run setup = Run.cli(config(), "setup", "--api-id", api, "--key-out", keyOut.toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        return Files.readString(keyOut).strip();
    }

    String secretArn() throws IOException {
        return (String) Aws.configEntry(config()).get("secretArn");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> check(Run run, String id) {
        for (Object o : (List<Object>) JsonText.parseObject(run.out).get("checks")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (id.equals(c.get("id"))) return c;
        }
        throw new AssertionError("no check " + id + " in " + run);
    }

    @Test
    void probe_againstHarness_withTheKeyFile_passesAllThree_andTheSecretOffersNoKey() throws Exception {
        String key = protectedApi();
        String url = gateway(secretArn(), Map.of());
        // the secret holds digests only: without a key given there is none to probe with (exit 2, the three ways)
        Run none = Run.cli(config(), "verify", "--probe", "--probe-url", url + "/items", "--output", "json");
        assertThat(none.exitCode).as(none.toString()).isEqualTo(2);
        assertThat(none.err)
                .contains("holds only digests")
                .contains("--key-file")
                .contains("--key-stdin")
                .contains("SECURE_API_PROBE_KEY")
                .contains("keys add ci");

        // the environment (CI: a repository secret), and standard input
        List<String> args = List.of(
                "verify",
                "--probe",
                "--probe-url",
                url + "/items",
                "--output",
                "json",
                "--endpoint-url",
                LocalAws.endpoint(),
                "--region",
                Aws.REGION,
                "--config",
                config().toString());
        Run env = Run.raw("", Map.of("SECURE_API_PROBE_KEY", key), args.toArray(String[]::new));
        assertThat(env.exitCode).as(env.toString()).isZero();
        assertThat(check(env, "probe.right-key")).containsEntry("status", "pass");
        assertThat((String) check(env, "probe.right-key").get("message"))
                .contains("environment variable SECURE_API_PROBE_KEY");
        assertThat(env.all()).doesNotContain(key);
        Run stdin = Run.cliWithStdin(
                config(), key + "\n", "verify", "--key-stdin", "--probe-url", url + "/items", "--output", "json");
        assertThat(stdin.exitCode).as(stdin.toString()).isZero();
        assertThat(check(stdin, "probe.right-key")).containsEntry("status", "pass");
        assertThat(stdin.all()).doesNotContain(key);

        Path keyFile = dir.resolve("live.key");
        Run run = Run.cli(
                config(),
                "verify",
                "--probe",
                "--probe-url",
                url + "/items",
                "--key-file",
                keyFile.toString(),
                "--output",
                "json");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.writes()).isEmpty();
        assertThat(check(run, "probe.no-key")).containsEntry("status", "pass");
        assertThat(check(run, "probe.wrong-key")).containsEntry("status", "pass");
        assertThat(check(run, "probe.right-key")).containsEntry("status", "pass");
        assertThat((String) check(run, "probe.right-key").get("message")).contains("→ 200");
        java.util.Set<String> allowed = OperatorPolicyIT.allowedActions("operator-verify.json");
        for (String op : run.operations) {
            if (!op.endsWith(".GetCallerIdentity"))
                assertThat(allowed).as("operator-verify.json allows " + op).contains(OperatorPolicyIT.iamAction(op));
        }
        assertThat(run.all()).doesNotContain(key);

        Run text = Run.cli(config(), "verify", "--probe-url", url, "--key-file", keyFile.toString(), "-v");
        assertThat(text.exitCode).as(text.toString()).isZero();
        assertThat(text.out).contains("pass  probe.no-key").contains("→ 401").contains("→ 403");
        assertThat(text.all()).doesNotContain(key);
    }

    @Test
    void probe_withRightKeyFile_passes_andWithWrongKeyFile_fails() throws Exception {
        String key = protectedApi();
        String url = gateway(secretArn(), Map.of());
        Path right = dir.resolve("right.txt");
        Files.writeString(right, key + "\n");
        Run ok = Run.cli(config(), "verify", "--probe-url", url, "--key-file", right.toString(), "--output", "json");
        assertThat(ok.exitCode).as(ok.toString()).isZero();
        assertThat(ok.operations)
                .as("--key-file: the secret is read once, for its format (secret.plaintext), not for a key")
                .filteredOn(op -> op.equals("SecretsManager.GetSecretValue"))
                .hasSizeLessThanOrEqualTo(1);
        assertThat(ok.all()).doesNotContain(key);

        String wrongKey = "sak_live_" + "x".repeat(43);
        Path wrong = dir.resolve("wrong.txt");
        Files.writeString(wrong, wrongKey + "\n");
        Run bad = Run.cli(config(), "verify", "--probe-url", url, "--key-file", wrong.toString(), "--output", "json");
        assertThat(bad.exitCode).as(bad.toString()).isEqualTo(1);
        assertThat(check(bad, "probe.right-key")).containsEntry("status", "fail");
        assertThat((String) check(bad, "probe.right-key").get("message")).contains("→ 403");
        assertThat(check(bad, "probe.no-key")).containsEntry("status", "pass");
        assertThat(bad.all()).doesNotContain(wrongKey).doesNotContain(key);

        Path xml = dir.resolve("probe.xml");
        Run junit = Run.cli(
                config(),
                "verify",
                "--probe-url",
                url,
                "--key-file",
                wrong.toString(),
                "--output",
                "junit",
                "--report",
                xml.toString());
        assertThat(junit.exitCode).isEqualTo(1);
        assertThat(Files.readString(xml))
                .contains("name=\"probe.right-key\"")
                .doesNotContain(wrongKey)
                .doesNotContain(key);
    }

    @Test
    void probe_againstAnOpenServer_fails() throws Exception {
        String key = protectedApi();
        String url = gateway(secretArn(), Map.of("OPEN", "1"));
        Run run = Run.cli(
                config(),
                "verify",
                "--probe",
                "--probe-url",
                url,
                "--key-file",
                dir.resolve("live.key").toString(),
                "--output",
                "json");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat(check(run, "probe.no-key")).containsEntry("status", "fail");
        assertThat((String) check(run, "probe.no-key").get("message"))
                .contains("→ 200")
                .contains("open");
        assertThat(check(run, "probe.wrong-key")).containsEntry("status", "fail");
        assertThat(check(run, "probe.right-key")).containsEntry("status", "pass");
        assertThat(run.all()).doesNotContain(key);
    }

    @Test
    void probe_unreachableUrl_failsWithoutExit3() throws Exception {
        protectedApi();
        String keyFile = dir.resolve("live.key").toString();
        Run run = Run.cli(
                config(), "verify", "--probe-url", "http://127.0.0.1:9/", "--key-file", keyFile, "--output", "json");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat((String) check(run, "probe.no-key").get("message"))
                .contains("cannot connect to 127.0.0.1:9: connection refused");
        Run text = Run.cli(config(), "verify", "--probe-url", "http://127.0.0.1:9/", "--key-file", keyFile);
        assertThat(text.out.split("cannot connect", -1))
                .as("said once: " + text)
                .hasSize(2);
        assertThat(text.out).doesNotContain("probe.wrong-key").doesNotContain("ConnectException");
    }

    @Test
    void probe_secretScheduledForDeletion_hasNoKeyToProbeWith() throws Exception {
        protectedApi();
        String url = gateway(secretArn(), Map.of());
        String arn = secretArn();
        aws.secrets.deleteSecret(r -> r.secretId(arn).recoveryWindowInDays(7L));
        Run run = Run.cli(config(), "verify", "--probe-url", url, "--output", "json");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat((String) check(run, "probe.right-key").get("message")).contains("no key to probe with");
        assertThat(check(run, "probe.right-key").get("fix")).asString().contains("--key-file");
    }
}
