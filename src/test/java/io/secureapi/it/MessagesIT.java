package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Messages that send the user the right way: each names what is wrong and a next step that works. */
class MessagesIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    static void refused(Run run, String... words) {
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err.lines().filter(l -> l.startsWith("error: ")))
                .as(run.toString())
                .hasSize(1);
        assertThat(run.err).contains("next:").contains(words);
        assertThat(run.writes()).as(run.toString()).isEmpty();
    }

    @Test
    void restApiId_saysItIsARestApi() {
        String id = aws.restApis.createRestApi(r -> r.name("v1")).id();
        Run run = Run.cli(config(), "setup", "--api-id", id);
        refused(run, "is a REST API (API Gateway v1)", "HTTP APIs");
        Run verify = Run.cli(config(), "verify", "--api-id", id);
        assertThat(verify.err).contains("is a REST API");
    }

    @Test
    void unknownApiId_namesTheRegionSearchedAndHowToList() {
        Run run = Run.cli(config(), "setup", "--api-id", "nosuch123");
        refused(run, "nosuch123", "region " + Aws.REGION, "aws apigatewayv2 get-apis --region " + Aws.REGION);
    }

    @Test
    void functionInAnotherRegion_saysItMustBeInTheApisRegion_withoutSuggestingRegion() {
        String api = aws.amplifyApi();
        Run run = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--function",
                "arn:aws:lambda:eu-west-1:123456789012:function:auth");
        refused(run, "eu-west-1", "must be in the API's region");
        assertThat(run.err).doesNotContain("--region");
    }

    @Test
    void unknownProfile_saysWhereItWasLookedFor() throws Exception {
        Path cfg = dir.resolve("aws-config");
        Files.writeString(cfg, "[profile other]\nregion = us-east-1\n");
        Path creds = dir.resolve("aws-credentials");
        Files.writeString(creds, "[other]\naws_access_key_id = x\naws_secret_access_key = y\n");
        Map<String, String> env =
                Map.of("AWS_CONFIG_FILE", cfg.toString(), "AWS_SHARED_CREDENTIALS_FILE", creds.toString());
        Run run = Run.raw("", env, "verify", "--api-id", "abc123", "--profile", "nosuch", "--region", Aws.REGION);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err)
                .contains("profile nosuch not found in " + cfg + " or " + creds)
                .doesNotContain("credentials found");
        assertThat(run.operations).isEmpty();
        Run fromEnv = Run.raw(
                "",
                Map.of(
                        "AWS_PROFILE",
                        "nosuch",
                        "AWS_CONFIG_FILE",
                        cfg.toString(),
                        "AWS_SHARED_CREDENTIALS_FILE",
                        creds.toString()),
                "verify",
                "--api-id",
                "abc123",
                "--region",
                Aws.REGION);
        assertThat(fromEnv.err).contains("profile nosuch not found");
    }

    /** Whether {@code key} is the live key AWS holds (by its digest: the secret keeps no key). */
    boolean isLiveKey(String api, String key) {
        String v = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        return Digests.isCurrent(v, "live", key);
    }

    String liveKey(String api, String... texts) {
        String v = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        return Digests.liveKeyAmong(v, texts);
    }

    @Test
    void keyFileDash_readsStandardInput() {
        String api = aws.amplifyApi();
        String key = "sak_live_from_stdin_0123456789abcdefghijklmnop";
        Run run = Run.cliWithStdin(config(), key + "\n", "setup", "--api-id", api, "--key-file", "-");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(isLiveKey(api, key)).isTrue();
        assertThat(run.all()).doesNotContain(key);
    }

    @Test
    void keyStdinOnATerminal_promptsOnStderr_andNeverEchoesTheKey() {
        String api = aws.amplifyApi();
        String key = "sak_live_typed_at_a_terminal_0123456789abcdefgh";
        Run run = Run.via(LocalAws.endpoint(), config(), key + "\n", true, "setup", "--api-id", api, "--key-stdin");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.err).contains("Paste the key (it is not shown)");
        assertThat(isLiveKey(api, key)).isTrue();
        assertThat(run.all()).doesNotContain(key);
    }

    @Test
    void verifyJunitReport_isWrittenWhenVerifyCannotRun_exit2And3() throws Exception {
        Path report = dir.resolve("reports/verify.xml");
        Run bad = Run.cli(
                config(), "verify", "--api-id", "nosuch123", "--output", "junit", "--report", report.toString());
        assertThat(bad.exitCode).as(bad.toString()).isEqualTo(2);
        String xml = Files.readString(report);
        assertThat(xml)
                .contains("tests=\"1\" failures=\"1\"")
                .contains("name=\"verify.run\"")
                .contains("nosuch123")
                .contains("exit 2");

        String api = aws.amplifyApi();
        Run denied;
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            proxy.fail(FaultProxy.any(), FaultProxy.Fault.ACCESS_DENIED, -1);
            denied = Run.via(
                    proxy.endpoint(),
                    config(),
                    "",
                    false,
                    "verify",
                    "--api-id",
                    api,
                    "--output",
                    "junit",
                    "--report",
                    report.toString());
        }
        assertThat(denied.exitCode).as(denied.toString()).isEqualTo(3);
        assertThat(Files.readString(report)).contains("name=\"verify.run\"").contains("exit 3");
        javax.xml.parsers.DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(report.toFile());
    }

    @Test
    void keyOutInAFolderThatCannotBeWritten_isExit2BeforeAnythingIsStored() {
        String api = aws.amplifyApi();
        Run run = Run.cli(config(), "setup", "--api-id", api, "--key-out", "/proc/secure-api-key.txt");
        refused(run, "--key-out", "not writable");
    }

    @Test
    void keyOutThatFailsAfterTheKeyWasStored_showsTheKey_andSaysEachFactOnce() throws Exception {
        String api = aws.amplifyApi();
        Path keyOut = dir.resolve("key.txt");
        Run run;
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch held = proxy.hold(WriteAheadIT.AFTER_THE_SECRET, false, release);
            java.util.concurrent.CompletableFuture<Run> running =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> Run.via(
                            proxy.endpoint(),
                            config(),
                            "",
                            false,
                            "setup",
                            "--api-id",
                            api,
                            "--key-out",
                            keyOut.toString()));
            assertThat(held.await(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            Files.writeString(keyOut, "someone else's file\n");
            release.countDown();
            run = running.get(180, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        String shown = liveKey(api, run.out);
        assertThat(run.out).as("handed over on stdout instead").contains(shown);
        assertThat(Files.readString(keyOut))
                .as("the user's file is never overwritten or deleted")
                .isEqualTo("someone else's file\n");
        String error =
                run.err.lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        assertThat(error).contains("--key-out " + keyOut).contains("stored in Secrets Manager");
        assertThat(error.split("Secrets Manager", -1)).as(error).hasSize(2);
        assertThat(error.split(keyOut.toString(), -1)).as(error).hasSize(2);
        assertThat(error.split("stored", -1)).as(error).hasSize(2);
        assertThat(run.err).doesNotContain(shown);
        assertThat(dir.resolve("secure-api.json.pending"))
                .as("shown: no record left")
                .doesNotExist();
    }
}
