package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;

/** Every message leads somewhere: each printed next step works as printed, and each plan says what the run does. */
class LeadsSomewhereIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    static Run ok(Run run) {
        assertThat(run.exitCode).as(run.toString()).isZero();
        return run;
    }

    /** The command line after "  3. Revoke the old key:  ", as printed. */
    static String[] printedNext(Run run) {
        String line = run.out
                .lines()
                .filter(l -> l.contains("Revoke the old key:"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(run.toString()));
        String cmd = line.substring(line.indexOf("secure-api ") + "secure-api ".length());
        return cmd.strip().split(" ");
    }

    @Test
    void rotateKeyWithEnvAmongThreeEntries_printsANextStepThatRunsAsPrinted() {
        String liveApi = null;
        for (String env : List.of("dev", "live", "staging")) {
            String api = aws.amplifyApi();
            if (env.equals("live")) liveApi = api;
            ok(Run.cli(config(), "setup", "--api-id", api, "--env", env));
        }
        // verify's fixes too: a route made public by hand
        String api = liveApi;
        String route = aws.route(api, "$default").routeId();
        aws.apigw.updateRoute(
                r -> r.apiId(api).routeId(route).authorizationType("NONE").authorizerId(""));
        Run verify = Run.cli(config(), "verify", "--env", "live");
        assertThat(verify.exitCode).as(verify.toString()).isEqualTo(1);
        assertThat(verify.out).contains("secure-api setup --env live");
        ok(Run.cli(config(), "setup", "--env", "live"));
        Run rotate = ok(Run.cli(config(), "rotate-key", "--env", "live"));
        String[] next = printedNext(rotate);
        assertThat(String.join(" ", next))
                .contains("--env live")
                .contains("--finish")
                .contains("--config " + config());
        // exactly as printed (it carries --config itself), against the emulator
        List<String> args = new java.util.ArrayList<>(List.of(next));
        args.addAll(List.of("--endpoint-url", LocalAws.endpoint(), "--region", Aws.REGION));
        Run finish = Run.raw("", Map.of(), args.toArray(String[]::new));
        assertThat(finish.exitCode).as(finish.toString()).isZero();
        assertThat(finish.all()).doesNotContain("which one");
    }

    @Test
    void setupDryRun_onAStageWithoutAutoDeploy_saysTheRunNeedsDeployStages() {
        String api = aws.amplifyApi();
        String deployment = aws.apigw.createDeployment(r -> r.apiId(api)).deploymentId();
        aws.apigw.createStage(
                r -> r.apiId(api).stageName("prod").autoDeploy(false).deploymentId(deployment));
        Run dry = ok(Run.cli(config(), "setup", "--api-id", api, "--dry-run"));
        String last = dry.out.strip().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(last).contains("--deploy-stages").contains("prod");
        Run json = ok(Run.cli(config(), "setup", "--api-id", api, "--dry-run", "--output", "json"));
        assertThat(JsonText.parseObject(json.out).get("needsDeployStages")).isEqualTo(List.of("prod"));
        // as the dry run said: without the flag it refuses, with it it applies
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isEqualTo(2);
        ok(Run.cli(config(), "setup", "--api-id", api, "--deploy-stages"));
    }

    @Test
    void setupOnASecretScheduledForDeletion_planSaysItKeepsTheKeys_andItDoes() {
        String api = aws.amplifyApi();
        ok(Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("k.txt").toString()));
        String arn = (String) Aws.configEntry(config()).get("secretArn");
        String before = aws.secrets.getSecretValue(r -> r.secretId(arn)).secretString();
        aws.secrets.deleteSecret(r -> r.secretId(arn).recoveryWindowInDays(7L));
        Run run = ok(Run.cli(config(), "setup"));
        assertThat(run.out)
                .contains("restore it: it is scheduled for deletion; then keep the keys it holds")
                .doesNotContain("store a new key");
        assertThat(run.out).doesNotContainPattern("sak_live_[0-9A-Za-z]");
        String after = aws.secrets.getSecretValue(r -> r.secretId(arn)).secretString();
        assertThat(after).as("the restored secret keeps its keys").isEqualTo(before);
    }

    @Test
    void rotateKeyFinish_withManyUnfinishedRotations_saysSoInAShortLine_andAllFinishesThemAll() {
        String api = aws.amplifyApi();
        ok(Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("k.txt").toString()));
        List<String> names =
                IntStream.rangeClosed(1, 8).mapToObj(i -> "partner-" + i).toList();
        for (String n : names) {
            ok(Run.cli(
                    config(),
                    "keys",
                    "add",
                    n,
                    "--key-out",
                    dir.resolve(n + ".key").toString()));
            ok(Run.cli(
                    config(),
                    "rotate-key",
                    "--key",
                    n,
                    "--key-out",
                    dir.resolve(n + ".new").toString()));
        }
        Run one = Run.cli(config(), "rotate-key", "--finish");
        assertThat(one.exitCode).as(one.toString()).isEqualTo(2);
        String error =
                one.err.lines().filter(l -> l.startsWith("error:")).findFirst().orElseThrow();
        assertThat(error).contains("8 keys").contains("… and 3 more").doesNotContain("partner-8");
        assertThat(one.err).contains("--finish --all");

        Run all = ok(Run.cli(config(), "rotate-key", "--finish", "--all"));
        assertThat(all.out).contains("8 rotations");
        Map<String, Object> doc = JsonText.parseObject(aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString());
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> keys = (Map<String, Map<String, Object>>) doc.get("keys");
        for (String n : names) assertThat(keys.get(n).get("retiring")).as(n).isNull();
        Run again = ok(Run.cli(config(), "rotate-key", "--finish", "--all"));
        assertThat(again.writes()).isEmpty();
    }

    @Test
    void setupPlanningAnUpdateOfAFunctionOnABlockedRuntime_warnsLikeVerify() {
        String api = aws.amplifyApi();
        String fn = Aws.unique("old-node");
        String role = aws.iam
                .createRole(r -> r.roleName(fn + "-role")
                        .assumeRolePolicyDocument(
                                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},"
                                        + "\"Action\":\"sts:AssumeRole\"}]}"))
                .role()
                .arn();
        aws.lambda.createFunction(r -> r.functionName(fn)
                .runtime("nodejs18.x")
                .handler("index.handler")
                .role(role)
                .code(c -> c.zipFile(SdkBytes.fromByteArray(Aws.emptyZip()))));
        Run dry = ok(Run.cli(config(), "setup", "--api-id", api, "--function", fn, "--dry-run"));
        assertThat(dry.err)
                .contains("warning: Lambda function " + fn + " runs on nodejs18.x")
                .contains("blocked since 2026-09-30")
                .contains("env var");
    }

    @Test
    void setupWithNothingToChange_writesNothing_evenWhenTheConfigIsReadOnly() throws Exception {
        String api = aws.amplifyApi();
        ok(Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("k.txt").toString()));
        String before = Files.readString(config());
        config().toFile().setWritable(false, false);
        Run run = ok(Run.cli(config(), "setup"));
        assertThat(run.writes()).isEmpty();
        assertThat(run.all()).doesNotContain("cannot write");
        assertThat(Files.readString(config())).isEqualTo(before);
    }
}
