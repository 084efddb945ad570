package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.config.Target;
import io.secureapi.keys.ApiKey;
import io.secureapi.support.Names;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets are sacred: every command with --verbose, a failing run's stack trace, the SDK's own
 * debug log, and every file written are scanned for the key; key files are 0600 and never
 * overwritten without --force.
 */
class SecretLeakIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    /** Every value the secret holds, in any version (AWSCURRENT, AWSPREVIOUS, unlabelled). */
    List<String> values(String secretName) {
        List<String> out = new ArrayList<>();
        for (var v : aws.secrets
                .listSecretVersionIds(r -> r.secretId(secretName).includeDeprecated(true))
                .versions()) {
            out.add(aws.secrets
                    .getSecretValue(r -> r.secretId(secretName).versionId(v.versionId()))
                    .secretString());
        }
        return out;
    }

    /** Every plaintext key the secret holds, in any version; the digest format holds none. */
    Set<String> keysIn(String secretName) {
        Set<String> keys = new LinkedHashSet<>();
        for (String value : values(secretName)) {
            if (value.contains("secure-api-digests")) continue;
            if (value.strip().startsWith("{"))
                JsonText.parseObject(value).values().forEach(k -> keys.add(String.valueOf(k)));
            else keys.add(value.strip());
        }
        return keys;
    }

    static Set<PosixFilePermission> ownerOnly() {
        return Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }

    /** Every file under dir but the given key files, as text. */
    List<String> otherFiles(Set<Path> keyFiles) throws IOException {
        List<String> texts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                if (keyFiles.contains(p)) continue;
                texts.add(p + ":\n" + Files.readString(p, StandardCharsets.ISO_8859_1));
            }
        }
        return texts;
    }

    @Test
    void everyCommandWithVerbose_neverPrintsOrStoresTheKeyOutsideKeyFiles() throws Exception {
        String api = aws.amplifyApi();
        String secretName = Names.defaultSecretName(api);
        Path keyOut = dir.resolve("setup-key.txt");
        Path rotated = dir.resolve("rotated-key.txt");
        List<Run> runs = new ArrayList<>();
        Run setup =
                Run.cli(config(), "setup", "--api-id", api, "--dev-key", "--key-out", keyOut.toString(), "--verbose");
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        runs.add(setup);
        runs.add(Run.cli(config(), "setup", "--verbose"));
        runs.add(Run.cli(config(), "setup", "--verbose", "--output", "json"));
        runs.add(Run.cli(config(), "verify", "--verbose"));
        runs.add(Run.cli(config(), "verify", "--verbose", "--output", "json"));
        runs.add(Run.cli(config(), "rotate-key", "--verbose", "--key-out", rotated.toString()));
        runs.add(Run.cli(
                config(),
                "verify",
                "--verbose",
                "--key-file",
                keyOut.toString(),
                "--probe-url",
                "http://127.0.0.1:9/")); // loopback: a test never sends a key off this machine
        Path added = dir.resolve("added-key.txt");
        runs.add(Run.cli(
                config(), "keys", "add", "partner-a", "--expires", "30d", "--key-out", added.toString(), "--verbose"));
        runs.add(Run.cli(config(), "keys", "list", "--verbose"));
        runs.add(Run.cli(config(), "keys", "list", "--verbose", "--output", "json"));
        Set<String> keys = new LinkedHashSet<>(keysIn(secretName));
        keys.addAll(Files.readAllLines(keyOut));
        if (Files.exists(rotated)) keys.addAll(Files.readAllLines(rotated));
        if (Files.exists(added)) keys.addAll(Files.readAllLines(added));
        for (String value : values(secretName)) {
            for (String k : keys) assertThat(value).as("a secret version").doesNotContain(k);
        }
        runs.add(Run.cli(config(), "rotate-key", "--verbose", "--finish"));
        runs.add(Run.cli(config(), "keys", "revoke", "partner-a", "--yes", "--verbose"));
        runs.add(Run.cli(config(), "teardown", "--verbose", "--dry-run"));
        runs.add(Run.cli(config(), "teardown", "--verbose", "--yes"));
        runs.add(Run.cli(config(), "teardown", "--verbose", "--yes", "--output", "json"));

        keys.removeIf(k -> k.isBlank());
        assertThat(keys).as("keys to look for").isNotEmpty().allMatch(k -> k.length() >= ApiKey.MIN_LENGTH);
        Set<Path> keyFiles = Set.of(keyOut, rotated, added);
        for (Path f : keyFiles) {
            if (Files.exists(f))
                assertThat(Files.getPosixFilePermissions(f)).as(f.toString()).isEqualTo(ownerOnly());
        }
        List<String> texts = otherFiles(keyFiles);
        assertThat(texts).as("secure-api.json at least").isNotEmpty();
        for (String key : keys) {
            for (Run r : runs) assertThat(r.all()).as("output of " + r).doesNotContain(key);
            for (String t : texts) assertThat(t).doesNotContain(key);
        }
    }

    @Test
    void aSuppliedKey_isNeverEchoed_andAFailingVerboseRunsStackTraceHoldsNoKey() throws Exception {
        String api = aws.amplifyApi();
        String supplied = "my-own-supplied-key-0123456789-abcdefghij";
        Path keyFile = dir.resolve("supplied.txt");
        Files.writeString(keyFile, supplied + "\n");
        Run failed;
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            proxy.failEverythingAfter(FaultProxy.op("secretsmanager.CreateSecret"), FaultProxy.Fault.SERVER_ERROR);
            failed = Run.via(
                    proxy.endpoint(),
                    config(),
                    "",
                    false,
                    "setup",
                    "--api-id",
                    api,
                    "--key-file",
                    keyFile.toString(),
                    "--verbose");
        }
        assertThat(failed.exitCode).as(failed.toString()).isEqualTo(3);
        assertThat(failed.err).as("--verbose shows the stack trace").contains("\tat ");
        assertThat(failed.all()).doesNotContain(supplied);

        Run stdin = Run.cliWithStdin(config(), supplied + "\n", "setup", "--api-id", api, "--key-stdin", "--verbose");
        assertThat(stdin.exitCode).as(stdin.toString()).isZero();
        assertThat(stdin.all()).doesNotContain(supplied);
        Run tooShort = Run.cliWithStdin(
                config(), "short-secret-value\n", "setup", "--api-id", api, "--key-stdin", "--verbose");
        assertThat(tooShort.exitCode).isEqualTo(2);
        assertThat(tooShort.all()).doesNotContain("short-secret-value");
        for (String t : otherFiles(Set.of(keyFile))) assertThat(t).doesNotContain(supplied);
    }

    @Test
    void keyOut_refusesToOverwriteWithoutForce_andWithForceReplacesItAt0600() throws Exception {
        String api = aws.amplifyApi();
        Path keyOut = dir.resolve("key.txt");
        Files.writeString(keyOut, "precious\n");
        Run refused = Run.cli(config(), "setup", "--api-id", api, "--key-out", keyOut.toString());
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err).contains("--force");
        assertThat(refused.writes()).isEmpty();
        assertThat(Files.readString(keyOut)).isEqualTo("precious\n");

        Run forced = Run.cli(config(), "setup", "--api-id", api, "--key-out", keyOut.toString(), "--force");
        assertThat(forced.exitCode).as(forced.toString()).isZero();
        String key = Files.readAllLines(keyOut).get(0);
        assertThat(key).startsWith("sak_live_");
        assertThat(Files.getPosixFilePermissions(keyOut)).isEqualTo(ownerOnly());
        assertThat(forced.all()).doesNotContain(key);
    }

    @Test
    void keyMaterial_neverReachesToString() {
        ApiKey key = ApiKey.generate("live");
        Target t = Target.builder("abc123", "us-east-1")
                .secretName("s")
                .authorizerName("a")
                .header("Authorization")
                .cacheTtl(300)
                .suppliedKey(key)
                .build();
        assertThat(key.toString()).doesNotContain(key.reveal());
        assertThat(t.toString()).doesNotContain(key.reveal()).contains("redacted");
    }

    /** The real main in its own JVM, with --verbose and the AWS SDK's debug log switched on: still no key. */
    @Test
    void realMain_withSdkDebugLogging_logsNoKey() throws Exception {
        String api = aws.amplifyApi();
        Path keyOut = dir.resolve("key.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(
                java,
                // the launcher's flags (scripts/secure-api): a run lasts seconds, C2 and G1 do not pay off
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.log.software.amazon.awssdk=debug",
                "io.secureapi.cli.Main",
                "setup",
                "--api-id",
                api,
                "--dev-key",
                "--key-out",
                keyOut.toString(),
                "--verbose",
                "--endpoint-url",
                LocalAws.endpoint(),
                "--region",
                Aws.REGION,
                "--config",
                config().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        pb.environment().put("AWS_ACCESS_KEY_ID", "test");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "test");
        Path log = dir.resolve("process.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(log);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).as("the SDK debug log is on").contains("software.amazon.awssdk");
        List<String> keys = Files.readAllLines(keyOut);
        assertThat(keys).hasSize(2);
        for (String k : keys) assertThat(output).doesNotContain(k);
        assertThat(new File(keyOut.toString()).length()).isPositive();
    }
}
