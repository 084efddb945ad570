package io.secureapi.it;

import static io.secureapi.it.FaultProxy.op;
import static io.secureapi.it.FaultProxy.rest;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A key AWS holds is handed over at least once: the real main in its own JVM is killed (SIGKILL,
 * or SIGTERM) while a key-storing call is held by a proxy, then a rerun must show the key AWS
 * holds; a key AWS never got is dropped, not shown.
 *
 * <p>Its tests run at the same time: each has its own API, proxy, process and folder.
 */
@Execution(ExecutionMode.CONCURRENT)
class WriteAheadIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    Path pendingFile() {
        return dir.resolve("secure-api.json.pending");
    }

    /** The real main, in its own JVM, through {@code endpoint}. */
    Process start(String endpoint, Path stdout, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // env --default-signal=INT: a build started in the background (`mvn … &`) ignores SIGINT, and a JVM
        // that inherits the ignore never handles Ctrl-C; the child must see SIGINT as a terminal would send it
        List<String> cmd = new ArrayList<>(List.of(
                "env",
                "--default-signal=INT",
                java,
                // the launcher's flags (scripts/secure-api): a run lasts seconds, C2 and G1 do not pay off
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "io.secureapi.cli.Main"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--endpoint-url", endpoint, "--region", Aws.REGION, "--config", config().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        pb.environment().put("AWS_ACCESS_KEY_ID", "test");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "test");
        pb.redirectOutput(stdout.toFile())
                .redirectError(dir.resolve(stdout.getFileName() + ".err").toFile());
        return pb.start();
    }

    /** Runs the command until the proxy holds {@code at}, then kills it; returns what it printed on stdout. */
    String killedAt(Predicate<FaultProxy.Request> at, boolean forwarded, boolean sigkill, String... args)
            throws Exception {
        Path out = dir.resolve("killed-" + System.nanoTime() + ".out");
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            CountDownLatch held = proxy.hold(at, forwarded);
            Process p = start(proxy.endpoint(), out, args);
            boolean reached = false;
            for (int i = 0; i < 240 && !reached && p.isAlive(); i++) reached = held.await(500, TimeUnit.MILLISECONDS);
            if (!reached) p.destroyForcibly();
            assertThat(reached)
                    .as("the run reached the held call: " + proxy.operations() + "\n"
                            + Files.readString(Path.of(out + ".err")))
                    .isTrue();
            if (sigkill) p.destroyForcibly();
            else if (sigint)
                new ProcessBuilder("kill", "-INT", String.valueOf(p.pid()))
                        .start()
                        .waitFor();
            else p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            lastExit = p.exitValue();
        }
        lastErr = Files.readString(Path.of(out + ".err"));
        return Files.readString(out);
    }

    int lastExit;
    String lastErr;
    boolean sigint;

    /** The live key AWS holds, found among {@code texts} by its digest (the secret keeps no key). */
    String liveKeyInAws(String api, String... texts) {
        String v = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        return Digests.liveKeyAmong(v, texts);
    }

    /**
     * CreateFunction of the bundled function: the first write that waits for the secret (setup creates
     * the secret, the role and the log group at once; the function needs all three).
     */
    static final Predicate<FaultProxy.Request> AFTER_THE_SECRET = op("POST /2015-03-31/functions");

    static Stream<Arguments> setupKillPoints() {
        return Stream.of(
                Arguments.of("CreateSecret sent, answer never read", op("secretsmanager.CreateSecret"), true),
                Arguments.of("CreateSecret never sent", op("secretsmanager.CreateSecret"), false),
                Arguments.of("the first step after the secret (the function)", AFTER_THE_SECRET, false),
                Arguments.of("the secret policy", op("secretsmanager.PutResourcePolicy"), false));
    }

    @ParameterizedTest(name = "setup killed (SIGKILL) at {0}")
    @MethodSource("setupKillPoints")
    void setupKilled_theKeyAwsHoldsIsShownAtLeastOnceAcrossRuns(
            String point, Predicate<FaultProxy.Request> at, boolean forwarded) throws Exception {
        String api = aws.amplifyApi();
        String killedOut = killedAt(at, forwarded, true, "setup", "--api-id", api);
        assertThat(lastExit).isEqualTo(137);
        if (Files.exists(pendingFile())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pendingFile())))
                    .isEqualTo("rw-------");
        }

        Run rerun = Run.cli(config(), "setup", "--api-id", api);
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        String inAws = liveKeyInAws(api, killedOut, rerun.out);
        assertThat(killedOut + rerun.out)
                .as("the key AWS holds was handed over: " + rerun)
                .contains(inAws);
        assertThat(rerun.err).doesNotContain(inAws);
        assertThat(pendingFile()).as("no record left once shown").doesNotExist();
        Run third = Run.cli(config(), "setup");
        assertThat(third.out).as("shown once, not again").doesNotContain(inAws);
    }

    @Test
    void setupKilled_withKeyOut_theRerunWritesTheKeyAwsHoldsToKeyOut() throws Exception {
        String api = aws.amplifyApi();
        Path keyOut = dir.resolve("key.txt");
        killedAt(AFTER_THE_SECRET, false, true, "setup", "--api-id", api, "--key-out", keyOut.toString());
        assertThat(keyOut).doesNotExist();
        Run rerun = Run.cli(config(), "setup", "--api-id", api, "--key-out", keyOut.toString());
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(Files.readString(keyOut).strip()).isEqualTo(liveKeyInAws(api, Files.readString(keyOut)));
        assertThat(rerun.out).doesNotContain(Files.readString(keyOut).strip());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyOut)))
                .isEqualTo("rw-------");
        assertThat(pendingFile()).doesNotExist();
    }

    @Test
    void rotateKeyKilledAfterStoring_anyLaterCommandOfThatEntryShowsTheNewKey() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(config(), "setup", "--api-id", api);
        assertThat(setup.exitCode).isZero();
        String before = liveKeyInAws(api, setup.out);
        String killedOut = killedAt(op("secretsmanager.UpdateSecretVersionStage"), true, true, "rotate-key");
        String inAws = liveKeyInAws(api, Files.readString(pendingFile()));
        assertThat(inAws).as("the rotation reached AWS").isNotEqualTo(before);
        assertThat(killedOut).doesNotContain(inAws);

        Run verify = Run.cli(config(), "verify", "--output", "json");
        Map<String, Object> doc = JsonText.parseObject(verify.out);
        assertThat(verify.out)
                .as("one document with the recovered key: " + verify)
                .contains(inAws);
        assertThat(doc).containsKey("checks").containsKey("recoveredKeys");
        assertThat(pendingFile()).doesNotExist();
        Run again = Run.cli(config(), "rotate-key");
        assertThat(again.all()).doesNotContain(inAws);
    }

    @Test
    void keysAddKilledAfterStoring_theNextCommandShowsTheKeyOnce() throws Exception {
        String api = Run.setUpFresh(aws, config(), dir.resolve("live.key"));
        String killedOut =
                killedAt(op("secretsmanager.UpdateSecretVersionStage"), true, true, "keys", "add", "partner-a");
        assertThat(pendingFile()).as("written ahead").exists();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("sak_partner-a_[0-9A-Za-z]{49}")
                .matcher(Files.readString(pendingFile()));
        assertThat(m.find()).isTrue();
        String key = m.group();
        assertThat(killedOut).doesNotContain(key);
        String stored = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        assertThat(Digests.isCurrent(stored, "partner-a", key))
                .as("the add reached AWS")
                .isTrue();

        Run list = Run.cli(config(), "keys", "list");
        assertThat(list.exitCode).as(list.toString()).isZero();
        assertThat(list.out).as("handed over once").contains(key);
        assertThat(pendingFile()).doesNotExist();
        assertThat(Run.cli(config(), "keys", "list").out).doesNotContain(key);
    }

    /**
     * SIGKILL of keys revoke after the secret write, during the flush (no error path runs): the flush
     * was recorded before the write, so verify fails keys.flush-pending and the same command, run
     * again, completes the flush and clears the record.
     */
    @Test
    void keysRevokeKilledDuringTheFlush_verifyFailsUntilTheRerunCompletesIt() throws Exception {
        String api = Run.setUpFresh(aws, config(), dir.resolve("live.key"));
        Run add = Run.cli(
                config(),
                "keys",
                "add",
                "partner-r",
                "--key-out",
                dir.resolve("r.key").toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        killedAt(
                rest("PUT", "/2015-03-31/functions/[^/]+/configuration"),
                false,
                true,
                "keys",
                "revoke",
                "partner-r",
                "--yes");
        String secret = "secure-api/" + api + "/api-key";
        String stored = aws.secrets.getSecretValue(r -> r.secretId(secret)).secretString();
        assertThat(stored).as("the revoke reached AWS").doesNotContain("partner-r");
        assertThat(aws.secrets.describeSecret(r -> r.secretId(secret)).tags())
                .as("recorded before the write")
                .anyMatch(t -> t.key().equals("secure-api:flush-pending"));
        Run verify = Run.cli(config(), "verify");
        assertThat(verify.exitCode).as(verify.toString()).isEqualTo(1);
        assertThat(verify.out).contains("keys.flush-pending");

        Run again = Run.cli(config(), "keys", "revoke", "partner-r", "--yes");
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(aws.secrets.describeSecret(r -> r.secretId(secret)).tags())
                .noneMatch(t -> t.key().equals("secure-api:flush-pending"));
        Run after = Run.cli(config(), "verify");
        assertThat(after.exitCode).as(after.toString()).isZero();
    }

    /**
     * Ctrl-C while keys add makes the key current, then the rerun the interrupt message suggests: the
     * key is recovered into --key-out and the rerun ends there (exit 0), not "already exists".
     */
    @Test
    void keysAddInterrupted_theSuggestedRerunRecoversTheKeyAndSucceeds() throws Exception {
        String api = Run.setUpFresh(aws, config(), dir.resolve("live.key"));
        Path px = dir.resolve("px.key");
        sigint = true;
        killedAt(
                op("secretsmanager.UpdateSecretVersionStage"),
                true,
                false,
                "keys",
                "add",
                "partner-x",
                "--key-out",
                px.toString());
        assertThat(lastExit).isEqualTo(130);
        assertThat(lastErr).contains("the new partner-x key of API " + api).doesNotContain("Key partner-x");

        Run rerun = Run.cli(config(), "keys", "add", "partner-x", "--key-out", px.toString());
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(rerun.all()).doesNotContain("already exists");
        String key = Files.readString(px).strip();
        String stored = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        assertThat(Digests.isCurrent(stored, "partner-x", key)).isTrue();
        assertThat(pendingFile()).doesNotExist();
    }

    @Test
    void rotateKeyKilledBeforeStoring_theRecordIsDroppedAndNothingIsShown() throws Exception {
        String api = aws.amplifyApi();
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();
        killedAt(op("secretsmanager.PutSecretValue"), false, true, "rotate-key");
        assertThat(pendingFile()).as("written ahead").exists();
        String written = (String) ((Map<?, ?>) ((List<?>) JsonText.parseObject(Files.readString(pendingFile()))
                                .get("records"))
                        .get(0))
                .get("value");
        Run verify = Run.cli(config(), "verify");
        assertThat(verify.all()).doesNotContain(written).contains("does not hold it");
        assertThat(pendingFile()).doesNotExist();
    }

    @Test
    void setupSigterm_afterStoringTheKey_showsItAndExits143() throws Exception {
        String api = aws.amplifyApi();
        String out = killedAt(AFTER_THE_SECRET, false, false, "setup", "--api-id", api);
        assertThat(lastExit).isEqualTo(143);
        String shown = liveKeyInAws(api, out);
        assertThat(out).contains(shown);
        assertThat(pendingFile()).as("shown: its record is gone").doesNotExist();
        Run rerun = Run.cli(config(), "setup", "--api-id", api);
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(rerun.out).doesNotContain(shown);
    }

    @Test
    void configThatCannotBeWritten_isExit2BeforeAnyAwsWrite() throws Exception {
        String api = aws.amplifyApi();
        Path readOnly = dir.resolve("read-only");
        Files.createDirectories(readOnly);
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        // root writes anywhere: then a folder no one can create files in
        Path folder = Files.isWritable(readOnly) ? Path.of("/proc") : readOnly;
        Run run = Run.cli(folder.resolve("secure-api.json"), "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err)
                .contains("cannot write config")
                .contains(folder + " is not writable")
                .contains("nothing was changed");
        assertThat(run.writes()).as(run.toString()).isEmpty();
        assertThat(aws.secrets
                        .listSecrets(r -> r.filters(f -> f.key("name").values("secure-api/" + api)))
                        .secretList())
                .isEmpty();
    }

    @Test
    void setup_addsThePendingFileToAGitignoreNextToTheConfig_once() throws Exception {
        Files.writeString(dir.resolve(".gitignore"), "node_modules/");
        String api = aws.amplifyApi();
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();
        List<String> lines = Files.readAllLines(dir.resolve(".gitignore"));
        assertThat(lines).contains("node_modules/", "/secure-api.json.pending", "/secure-api.json.pending.tmp-*");
        assertThat(lines.stream().filter(l -> l.equals("/secure-api.json.pending")))
                .hasSize(1);
    }

    @Test
    void setupJson_failingAfterStoringTheKey_printsOneDocumentWithTheKeyAndTheError() throws Exception {
        String api = aws.amplifyApi();
        Run run;
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            proxy.failEverythingAfter(op("secretsmanager.CreateSecret"), FaultProxy.Fault.SERVER_ERROR);
            run = Run.via(proxy.endpoint(), config(), "", false, "setup", "--api-id", api, "--output", "json");
        }
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        Map<String, Object> doc = JsonText.parseObject(run.out);
        assertThat(doc).containsKey("error").containsEntry("exitCode", 3L);
        List<?> keys = (List<?>) doc.get("newKeys");
        assertThat(keys).as(run.out).hasSize(1);
        assertThat(((Map<?, ?>) keys.get(0)).get("value")).isEqualTo(liveKeyInAws(api, run.out));
        assertThat(pendingFile()).as("handed over: no record left").doesNotExist();
    }

    @Test
    void setupWithEnvKilledBeforeItsEntryWasWritten_aRerunForThatApiShowsTheKey() throws Exception {
        String api = aws.amplifyApi();
        killedAt(AFTER_THE_SECRET, false, true, "setup", "--api-id", api, "--env", "prod");
        assertThat(config()).as("killed before the config was written").doesNotExist();
        Run rerun = Run.cli(config(), "verify", "--api-id", api);
        assertThat(rerun.out).as(rerun.toString()).contains(liveKeyInAws(api, rerun.out));
        assertThat(pendingFile()).doesNotExist();
    }

    @Test
    void configWriteFailingAfterTheKeyWasStored_handsTheKeyOverBeforeTheError() throws Exception {
        String api = aws.amplifyApi();
        Run run;
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch held = proxy.hold(AFTER_THE_SECRET, false, release);
            java.util.concurrent.CompletableFuture<Run> running = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> Run.via(proxy.endpoint(), config(), "", false, "setup", "--api-id", api));
            assertThat(held.await(120, TimeUnit.SECONDS)).isTrue();
            // the config's place is taken by a non-empty folder: the final rename cannot replace it
            Files.createDirectories(config().resolve("occupied"));
            release.countDown();
            run = running.get(180, TimeUnit.SECONDS);
        }
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat(run.err).contains("cannot write config");
        assertThat(run.out).as("handed over before the error").contains(liveKeyInAws(api, run.out));
        assertThat(pendingFile()).doesNotExist();
    }

    @Test
    void setupSigint_inJson_printsOneDocumentWithTheKeyAndExits130() throws Exception {
        String api = aws.amplifyApi();
        sigint = true;
        String out = killedAt(AFTER_THE_SECRET, false, false, "setup", "--api-id", api, "--output", "json");
        assertThat(lastExit).isEqualTo(130);
        Map<String, Object> doc = JsonText.parseObject(out);
        assertThat(doc).containsEntry("interrupted", true);
        assertThat(((Map<?, ?>) ((List<?>) doc.get("newKeys")).get(0)).get("value"))
                .isEqualTo(liveKeyInAws(api, out));
        assertThat(pendingFile()).doesNotExist();
    }

    @Test
    void setupSigint_whileTheSecretIsBeingStored_saysWhereTheKeyIsKept_andTheRerunShowsIt() throws Exception {
        String api = aws.amplifyApi();
        sigint = true;
        String out = killedAt(op("secretsmanager.CreateSecret"), true, false, "setup", "--api-id", api);
        assertThat(lastExit).isEqualTo(130);
        assertThat(out).as("not known to be stored: not shown yet").doesNotContain("sak_");
        assertThat(lastErr)
                .contains("interrupted while storing")
                .contains(pendingFile().toString());
        assertThat(pendingFile()).exists();
        Run rerun = Run.cli(config(), "setup", "--api-id", api);
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(rerun.out).containsPattern("sak_live_[0-9A-Za-z_-]{20,}");
        assertThat(pendingFile()).doesNotExist();
    }
}
