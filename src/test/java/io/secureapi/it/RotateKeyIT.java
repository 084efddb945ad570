package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.support.Names;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.secretsmanager.model.SecretVersionsListEntry;

/** rotate-key against the emulator, reading every version of the secret back through the SDK. */
class RotateKeyIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    static String line(String out, String label) {
        return out.lines()
                .filter(l -> l.strip().startsWith(label + ":"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no \"" + label + ":\" line in\n" + out));
    }

    String arn(String api) {
        return aws.secrets
                .describeSecret(r -> r.secretId(Names.defaultSecretName(api)))
                .arn();
    }

    String value(String secretId, String stage) {
        return aws.secrets
                .getSecretValue(r -> r.secretId(secretId).versionStage(stage))
                .secretString();
    }

    Map<String, Object> keys(String secretId, String stage) {
        return JsonText.parseObject(value(secretId, stage));
    }

    List<SecretVersionsListEntry> versions(String secretId) {
        return aws.secrets.listSecretVersionIds(r -> r.secretId(secretId)).versions();
    }

    boolean hasPrevious(String secretId) {
        return versions(secretId).stream().anyMatch(v -> v.versionStages().contains("AWSPREVIOUS"));
    }

    /** setup with the bundled authorizer and a dev key; returns the API id. Keys go to a 0600 file, not stdout. */
    String setupBundled(String... extra) {
        String api = aws.amplifyApi();
        List<String> args = new ArrayList<>(List.of(
                "setup",
                "--api-id",
                api,
                "--dev-key",
                "--key-out",
                dir.resolve("setup-keys.txt").toString()));
        args.addAll(List.of(extra));
        Run setup = Run.cli(config(), args.toArray(String[]::new));
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        return api;
    }

    /** The keys setup wrote to its --key-out file: live, then dev. */
    List<String> setupKeys() {
        try {
            return Files.readAllLines(dir.resolve("setup-keys.txt"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void assertNoKeyIn(Run run, Set<String> keys) {
        for (String k : keys) assertThat(run.all()).as("output of " + run).doesNotContain(k);
    }

    @Test
    void rotateKey_live_fromConfigWithNoFlags_newKeyIsCurrentOldIsPreviousDevUntouched() {
        String api = setupBundled();
        String arn = arn(api);
        String before = value(arn, "AWSCURRENT");
        List<String> old = setupKeys();

        Run run = Run.cli(config(), "rotate-key");
        assertThat(run.exitCode).as(run.toString()).isZero();
        String key = line(run.out, "Key value");
        assertThat(key).startsWith("sak_live_").hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(old.get(0));
        assertThat(run.out).contains("shown once").contains("rotate-key --finish");
        assertThat(run.err).doesNotContain(key).doesNotContain("warning");
        // then the flush, so a deny cached for the new key before the write does not outlive it
        assertThat(run.writes())
                .containsExactly(
                        // the flush it needs recorded first (a tag), so even a killed run leaves it for verify and a
                        // rerun
                        "SecretsManager.TagResource",
                        "SecretsManager.PutSecretValue",
                        "SecretsManager.UpdateSecretVersionStage",
                        "Lambda.UpdateFunctionConfiguration",
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "SecretsManager.UntagResource");

        // the overlap lives in the current version: the old live key retires there, dev is untouched
        String current = value(arn, "AWSCURRENT");
        assertThat(Digests.isCurrent(current, "live", key)).isTrue();
        assertThat(Digests.isRetiring(current, "live", old.get(0))).isTrue();
        assertThat(Digests.isCurrent(current, "dev", old.get(1))).isTrue();
        assertThat(Digests.keys(current)).hasSize(2);
        assertThat(current).doesNotContain(key).doesNotContain(old.get(0));
        assertThat(value(arn, "AWSPREVIOUS")).isEqualTo(before);
        assertThat(Files.exists(config()) ? read(config()) : "").doesNotContain(key);
    }

    @Test
    void rotateKey_dev_changesOnlyTheDevKey() {
        String api = setupBundled();
        String arn = arn(api);
        List<String> old = setupKeys();

        Run run = Run.cli(config(), "rotate-key", "--key", "dev");
        assertThat(run.exitCode).as(run.toString()).isZero();
        String dev = line(run.out, "Development key value");
        assertThat(dev).startsWith("sak_dev_");
        assertThat(run.out).doesNotContain("  Key value:");

        String current = value(arn, "AWSCURRENT");
        assertThat(Digests.isCurrent(current, "live", old.get(0))).isTrue();
        assertThat(Digests.entry(current, "live")).containsEntry("retiring", null);
        assertThat(Digests.isCurrent(current, "dev", dev)).isTrue();
        assertThat(Digests.isRetiring(current, "dev", old.get(1))).isTrue();
    }

    @Test
    void rotateKey_finish_removesAwsPreviousAndStatesKeyCachePlusAuthorizerTtl() {
        String api = setupBundled("--cache-ttl", "120");
        String arn = arn(api);
        Run rotated = Run.cli(config(), "rotate-key");
        assertThat(rotated.exitCode).as(rotated.toString()).isZero();
        String newKey = line(rotated.out, "Key value");
        String oldKey = setupKeys().get(0);
        assertThat(Digests.isRetiring(value(arn, "AWSCURRENT"), "live", oldKey)).isTrue();

        Run finish = Run.cli(config(), "rotate-key", "--finish");
        assertThat(finish.exitCode).as(finish.toString()).isZero();
        // write the secret, then the function (its key cache), then every stage's authorizer cache, and
        // again once the function's timeout has passed
        assertThat(finish.writes())
                .containsExactly(
                        // the flush it needs recorded first (a tag), so even a killed run leaves it for verify and a
                        // rerun
                        "SecretsManager.TagResource",
                        "SecretsManager.PutSecretValue",
                        "SecretsManager.UpdateSecretVersionStage",
                        "Lambda.UpdateFunctionConfiguration",
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "SecretsManager.UntagResource");
        String current = value(arn, "AWSCURRENT");
        assertThat(Digests.entry(current, "live")).containsEntry("retiring", null);
        assertThat(Digests.isCurrent(current, "live", newKey)).isTrue();
        assertThat(finish.out)
                .contains("old live key is revoked")
                .contains("at most")
                .contains("instead of up to 180 s");

        Run json = Run.cli(config(), "rotate-key", "--finish", "--output", "json");
        assertThat(json.exitCode).as(json.toString()).isZero();
        assertThat(json.writes()).as("nothing left to finish").isEmpty();
        assertThat(JsonText.parseObject(json.out)).containsEntry("changed", false);

        Run again = Run.cli(config(), "rotate-key", "--finish");
        assertThat(again.exitCode).isZero();
        assertThat(again.out).contains("Nothing to finish");
        assertThat(again.writes()).isEmpty();
    }

    @Test
    void rotateKey_finishWithJson_reportsTheWindowInSeconds() {
        String api = setupBundled();
        assertThat(Run.cli(config(), "rotate-key", "--key-out", dir.resolve("k").toString()).exitCode)
                .isZero();
        Run json = Run.cli(config(), "rotate-key", "--finish", "--output", "json");
        assertThat(json.exitCode).as(json.toString()).isZero();
        Map<String, Object> doc = JsonText.parseObject(json.out);
        assertThat(doc).containsEntry("changed", true).containsEntry("revokedKeys", List.of("live"));
        @SuppressWarnings("unchecked")
        Map<String, Object> window = (Map<String, Object>) doc.get("oldKeyMayBeAcceptedFor");
        assertThat(window)
                .containsEntry("seconds", 360L)
                .containsEntry("functionKeyCacheSeconds", 60L)
                .containsEntry("authorizerResultTtlSeconds", 300L);
        assertThat(doc)
                .containsKeys("cachesFlushedAt", "acceptedForAtMostSeconds")
                .containsEntry("stagesFlushed", List.of("$default"));
        assertThat(Digests.entry(value(arn(api), "AWSCURRENT"), "live")).containsEntry("retiring", null);
    }

    @Test
    void rotateKey_repeatedBeforeFinish_isRefusedWithoutForce_andForceMovesPreviousOn() {
        String api = setupBundled();
        String arn = arn(api);
        String original = setupKeys().get(0);
        Run first = Run.cli(config(), "rotate-key");
        assertThat(first.exitCode).as(first.toString()).isZero();
        String firstKey = line(first.out, "Key value");

        Run second = Run.cli(config(), "rotate-key");
        assertThat(second.exitCode).as(second.toString()).isEqualTo(2);
        assertThat(second.err)
                .contains("not finished")
                .contains("--finish")
                .contains("--discard-current")
                .doesNotContain("--abandon-previous");
        assertThat(second.writes()).isEmpty();
        assertThat(Digests.isRetiring(value(arn, "AWSCURRENT"), "live", original))
                .isTrue();
        assertThat(Digests.isCurrent(value(arn, "AWSCURRENT"), "live", firstKey))
                .isTrue();

        Run forced = Run.cli(config(), "rotate-key", "--abandon-previous");
        assertThat(forced.exitCode).as(forced.toString()).isZero();
        assertThat(forced.err).contains("warning").contains("stops being accepted");
        String thirdKey = line(forced.out, "Key value");
        assertThat(Digests.isCurrent(value(arn, "AWSCURRENT"), "live", thirdKey))
                .isTrue();
        assertThat(Digests.isRetiring(value(arn, "AWSCURRENT"), "live", firstKey))
                .isTrue();
        assertThat(Digests.isRetiring(value(arn, "AWSCURRENT"), "live", original))
                .isFalse();

        // the runbook's way: finish, then rotate again, no --force needed
        assertThat(Run.cli(config(), "rotate-key", "--finish").exitCode).isZero();
        Run fourth = Run.cli(config(), "rotate-key");
        assertThat(fourth.exitCode).as(fourth.toString()).isZero();
        assertThat(Digests.isRetiring(value(arn, "AWSCURRENT"), "live", thirdKey))
                .isTrue();
        assertNoKeyIn(second, Set.of(firstKey, String.valueOf(original)));
    }

    @Test
    void discardCurrent_undoesAnUnfinishedRotationWhoseKeyNobodyHas() {
        String api = setupBundled();
        String arn = arn(api);
        String original = setupKeys().get(0);
        Run first = Run.cli(config(), "rotate-key");
        assertThat(first.exitCode).as(first.toString()).isZero();
        String lostKey = line(first.out, "Key value");

        Run dry = Run.cli(config(), "rotate-key", "--discard-current", "--dry-run");
        assertThat(dry.exitCode).as(dry.toString()).isZero();
        assertThat(dry.writes()).isEmpty();

        Run discard = Run.cli(config(), "rotate-key", "--discard-current");
        assertThat(discard.exitCode).as(discard.toString()).isZero();
        assertThat(discard.out).contains("only live key again");
        String current = value(arn, "AWSCURRENT");
        assertThat(Digests.isCurrent(current, "live", original))
                .as("the old key is the current one again")
                .isTrue();
        assertThat(Digests.isCurrent(current, "live", lostKey) || Digests.isRetiring(current, "live", lostKey))
                .as("the lost key is no longer accepted (the digest format reads AWSCURRENT only)")
                .isFalse();
        assertThat(discard.all()).doesNotContain(lostKey).doesNotContain(String.valueOf(original));

        Run again = Run.cli(config(), "rotate-key", "--discard-current");
        assertThat(again.exitCode).isZero();
        assertThat(again.writes()).isEmpty();
        assertThat(again.out).contains("Nothing to discard");
        Run rotate = Run.cli(config(), "rotate-key");
        assertThat(rotate.exitCode)
                .as("a plain rotation works again: " + rotate)
                .isZero();
    }

    @Test
    void rotateKey_userFunction_keepsAPlainStringAndWarns_andRefusesDev() {
        String api = aws.amplifyApi();
        String fn = Aws.unique("my-authorizer");
        aws.userFunction(fn, Map.of());
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--function",
                fn,
                "--key-out",
                dir.resolve("setup-key").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        String arn = arn(api);
        String before = value(arn, "AWSCURRENT");

        Run dev = Run.cli(config(), "rotate-key", "--key", "dev");
        assertThat(dev.exitCode).as(dev.toString()).isEqualTo(2);
        assertThat(dev.err).contains("error:").contains("bundled authorizer").contains(fn);
        assertThat(dev.writes()).isEmpty();

        Run run = Run.cli(config(), "rotate-key");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.err)
                .contains("warning")
                .contains(fn)
                .contains("zero downtime")
                .contains("AWSPREVIOUS");
        String key = line(run.out, "Key value");
        assertThat(value(arn, "AWSCURRENT")).isEqualTo(key);
        assertThat(value(arn, "AWSPREVIOUS")).isEqualTo(before);
        assertThat(run.err).doesNotContain(key).doesNotContain(before);
        // your function: API Gateway's cache is reset, your function's configuration is left alone
        assertThat(run.writes())
                .contains("ApiGatewayV2.ResetAuthorizersCache")
                .doesNotContain("Lambda.UpdateFunctionConfiguration");
        assertThat(run.all()).contains("how long your function caches the secret is its own");

        Run finish = Run.cli(config(), "rotate-key", "--finish");
        assertThat(finish.exitCode).as(finish.toString()).isZero();
        assertThat(finish.out).contains("up to 300 s").contains("your function's own secret cache");
        assertThat(finish.writes())
                .contains("ApiGatewayV2.ResetAuthorizersCache")
                .doesNotContain("Lambda.UpdateFunctionConfiguration");
        assertThat(finish.all()).contains("how long your function caches the secret is its own");
    }

    @Test
    void rotateKey_withApiIdAndNoConfig_findsTheSecretByItsDefaultName() {
        String api = setupBundled();
        String arn = arn(api);
        Path elsewhere = dir.resolve("elsewhere").resolve("secure-api.json");
        Run run = Run.cli(elsewhere, "rotate-key", "--api-id", api, "--output", "json");
        assertThat(run.exitCode).as(run.toString()).isZero();
        Map<String, Object> doc = JsonText.parseObject(run.out);
        @SuppressWarnings("unchecked")
        Map<String, Object> newKey = (Map<String, Object>) doc.get("newKey");
        assertThat(newKey).containsEntry("bubbleSetting", "Key value").containsEntry("name", "live");
        assertThat(Digests.isCurrent(value(arn, "AWSCURRENT"), "live", (String) newKey.get("value")))
                .isTrue();
        assertThat(run.err).doesNotContain((String) newKey.get("value"));

        Run finish = Run.cli(elsewhere, "rotate-key", "--api-id", api, "--finish");
        assertThat(finish.exitCode).as(finish.toString()).isZero();
        assertThat(finish.out).contains("up to 360 s");
        assertThat(elsewhere).doesNotExist();
    }

    @Test
    void rotateKey_noConfigAndNoApiId_isExit2WithNoAwsCall() {
        Run run = Run.cli(dir.resolve("none.json"), "rotate-key");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("error:").contains("--api-id").contains("next:");
        assertThat(run.operations).isEmpty();
    }

    @Test
    void rotateKey_secretMissing_isExit2PointingAtSetup() {
        String api = aws.amplifyApi();
        Run run = Run.cli(config(), "rotate-key", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        // the next step carries this run's --api-id and --config
        assertThat(run.err)
                .contains("not found")
                .contains("run secure-api setup --api-id " + api + " --config " + config() + " first");
        assertThat(run.writes()).isEmpty();
    }

    @Test
    void rotateKey_keyFile_storesTheSuppliedKeyAndNeverPrintsIt() throws Exception {
        String api = setupBundled();
        String arn = arn(api);
        String supplied = "my-own-rotated-key-0123456789-abcdefghijkl";
        Path keyFile = dir.resolve("new-key.txt");
        Files.writeString(keyFile, supplied + "\n");

        Run run = Run.cli(config(), "rotate-key", "--key-file", keyFile.toString());
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(Digests.isCurrent(value(arn, "AWSCURRENT"), "live", supplied))
                .isTrue();
        assertThat(run.all()).doesNotContain(supplied);
        assertThat(line(run.out, "Key value")).isEqualTo("(the key you supplied)");

        Run again = Run.cli(config(), "rotate-key", "--key-file", keyFile.toString());
        assertThat(again.exitCode)
                .as("the same key again: nothing to do " + again)
                .isZero();
        assertThat(again.writes()).isEmpty();
        assertThat(again.all()).doesNotContain(supplied);

        Run stdin = Run.cliWithStdin(config(), "short\n", "rotate-key", "--key-stdin", "--force");
        assertThat(stdin.exitCode).isEqualTo(2);
        assertThat(stdin.writes()).isEmpty();
    }

    @Test
    void rotateKey_keyOut_writes0600AndNeverPrints_refusesOverwriteWithoutForce() throws Exception {
        String api = setupBundled();
        String arn = arn(api);
        Path keyOut = dir.resolve("rotated.txt");
        Run run = Run.cli(config(), "rotate-key", "--key-out", keyOut.toString());
        assertThat(run.exitCode).as(run.toString()).isZero();
        String key = Files.readAllLines(keyOut).get(0);
        assertThat(key).startsWith("sak_live_");
        assertThat(Files.getPosixFilePermissions(keyOut))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        assertThat(run.all()).doesNotContain(key);
        assertThat(line(run.out, "Key value")).contains("written to");
        assertThat(Digests.isCurrent(value(arn, "AWSCURRENT"), "live", key)).isTrue();

        assertThat(Run.cli(config(), "rotate-key", "--finish").exitCode).isZero();
        Run refused = Run.cli(config(), "rotate-key", "--key-out", keyOut.toString());
        assertThat(refused.exitCode).isEqualTo(2);
        assertThat(refused.err).contains("--force");
        assertThat(refused.writes()).isEmpty();
        assertThat(Files.readAllLines(keyOut).get(0)).isEqualTo(key);

        Run json = Run.cli(
                config(), "rotate-key", "--key-out", dir.resolve("second.txt").toString(), "--output", "json");
        assertThat(json.exitCode).as(json.toString()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> newKey =
                (Map<String, Object>) JsonText.parseObject(json.out).get("newKey");
        assertThat(newKey)
                .containsEntry("value", null)
                .containsEntry("writtenTo", dir.resolve("second.txt").toString());
        assertThat(json.all())
                .doesNotContain(Files.readAllLines(dir.resolve("second.txt")).get(0));
    }

    @Test
    void rotateKey_dryRun_writesNothing() {
        String api = setupBundled();
        String arn = arn(api);
        String before = value(arn, "AWSCURRENT");
        Run run = Run.cli(config(), "rotate-key", "--dry-run");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.writes()).isEmpty();
        assertThat(run.out).contains("Dry run").contains("until --finish");
        assertThat(value(arn, "AWSCURRENT")).isEqualTo(before);
        assertThat(hasPrevious(arn)).isFalse();

        assertThat(Run.cli(config(), "rotate-key", "--key-out", dir.resolve("k").toString()).exitCode)
                .isZero();
        Run finishDry = Run.cli(config(), "rotate-key", "--finish", "--dry-run");
        assertThat(finishDry.exitCode).as(finishDry.toString()).isZero();
        assertThat(finishDry.writes()).isEmpty();
        assertThat(hasPrevious(arn)).isTrue();
    }

    @Test
    void rotateKey_badFlags_areExit2BeforeAnyAwsCall() {
        for (String[] args : List.of(
                new String[] {"rotate-key", "--api-id", "abc123", "--key", "Staging_1"},
                new String[] {"rotate-key", "--api-id", "abc123", "--finish", "--key", "x_y"},
                new String[] {"rotate-key", "--api-id", "abc123", "--finish", "--key-out", "x.txt"},
                new String[] {"rotate-key", "--api-id", "abc123", "--secret-name", "bad name"})) {
            Run run = Run.cli(config(), args);
            assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
            assertThat(run.err).contains("error:").contains("next:");
            assertThat(run.operations).isEmpty();
        }
    }

    @Test
    void everyKeyEverStored_neverAppearsInAnyOutputOrFileButKeyFiles_andAShownKeyOnlyOnStdout() throws Exception {
        String api = setupBundled();
        String arn = arn(api);
        List<Run> runs = new ArrayList<>();
        runs.add(Run.cli(
                config(),
                "rotate-key",
                "--verbose",
                "--key-out",
                dir.resolve("r1.txt").toString()));
        runs.add(Run.cli(
                config(),
                "rotate-key",
                "--verbose",
                "--key-out",
                dir.resolve("refused.txt").toString()));
        runs.add(Run.cli(
                config(),
                "rotate-key",
                "--verbose",
                "--abandon-previous",
                "--key",
                "dev",
                "--output",
                "json",
                "--key-out",
                dir.resolve("r2.txt").toString()));
        runs.add(Run.cli(config(), "rotate-key", "--verbose", "--finish"));
        runs.add(Run.cli(config(), "rotate-key", "--verbose", "--finish", "--output", "json"));
        runs.add(Run.cli(config(), "rotate-key", "--verbose", "--dry-run"));
        assertThat(runs.stream().map(r -> r.exitCode).toList())
                .as(runs.toString())
                .containsExactly(0, 2, 0, 0, 0, 0);
        Run shown = Run.cli(config(), "rotate-key", "--verbose");
        assertThat(shown.exitCode).as(shown.toString()).isZero();
        String shownKey = line(shown.out, "Key value");

        Set<String> keys = new LinkedHashSet<>();
        for (String f : List.of("setup-keys.txt", "r1.txt", "r2.txt")) keys.addAll(Files.readAllLines(dir.resolve(f)));
        keys.add(shownKey);
        for (SecretVersionsListEntry v : aws.secrets
                .listSecretVersionIds(r -> r.secretId(arn).includeDeprecated(true))
                .versions()) {
            String stored = aws.secrets
                    .getSecretValue(r -> r.secretId(arn).versionId(v.versionId()))
                    .secretString();
            for (String k : keys)
                assertThat(stored).as("secret version " + v.versionId()).doesNotContain(k);
        }
        keys.removeIf(String::isBlank);
        assertThat(keys).hasSizeGreaterThanOrEqualTo(5).contains(shownKey);
        for (Run r : runs) assertNoKeyIn(r, keys);
        assertThat(shown.err).as("--verbose on stderr").contains("AWS calls");
        for (String k : keys) {
            assertThat(shown.err).doesNotContain(k);
            if (!k.equals(shownKey)) assertThat(shown.out).doesNotContain(k);
        }
        assertThat(shown.out.split(java.util.regex.Pattern.quote(shownKey), -1))
                .as("shown once")
                .hasSize(2);
        assertThat(dir.resolve("refused.txt")).doesNotExist();
        Set<Path> keyFiles = Set.of(dir.resolve("setup-keys.txt"), dir.resolve("r1.txt"), dir.resolve("r2.txt"));
        try (var files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile)
                    .filter(p -> !keyFiles.contains(p))
                    .toList()) {
                String text = Files.readString(p);
                for (String k : keys) assertThat(text).as(p.toString()).doesNotContain(k);
            }
        }
    }

    @Test
    void operatorSetupPolicy_allowsEveryCallRotateKeyMakes() throws Exception {
        Set<String> allowed = OperatorPolicyIT.allowedActions("operator-setup.json");
        String api = setupBundled();
        List<Run> runs = List.of(
                Run.cli(config(), "rotate-key", "--key-out", dir.resolve("k1").toString()),
                Run.cli(config(), "rotate-key", "--finish"),
                Run.cli(
                        dir.resolve("none.json"),
                        "rotate-key",
                        "--api-id",
                        api,
                        "--key-out",
                        dir.resolve("k2").toString()),
                Run.cli(dir.resolve("none.json"), "rotate-key", "--api-id", api, "--finish"));
        for (Run r : runs) {
            assertThat(r.exitCode).as(r.toString()).isZero();
            for (String op : r.operations) {
                assertThat(allowed).as("operator-setup.json must allow " + op).contains(OperatorPolicyIT.iamAction(op));
            }
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
