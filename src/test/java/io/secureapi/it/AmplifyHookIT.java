package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the post-push hook relies on, and the installed hook itself run by bash with Amplify's stdin. */
class AmplifyHookIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    @Test
    void setupNoNewKey_whenAKeyWouldBeGenerated_isExit2WithoutAnyWrite_andOtherwiseRepairs() {
        String api = aws.amplifyApi();
        Run first = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("key").toString());
        assertThat(first.exitCode).as(first.toString()).isZero();

        // a later push resets a route: repaired without a new key
        String route = aws.route(api, "$default").routeId();
        aws.apigw.updateRoute(
                r -> r.apiId(api).routeId(route).authorizationType("NONE").authorizerId(""));
        Run repair = Run.cli(config(), "setup", "--no-new-key");
        assertThat(repair.exitCode).as(repair.toString()).isZero();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(repair.out).doesNotContain("sak_");

        // the secret is gone: setup would have to make a key, and a hook's output lands in build logs
        aws.secrets.deleteSecret(
                r -> r.secretId("secure-api/" + api + "/api-key").forceDeleteWithoutRecovery(true));
        aws.apigw.updateRoute(
                r -> r.apiId(api).routeId(route).authorizationType("NONE").authorizerId(""));
        Run refused = Run.cli(config(), "setup", "--no-new-key");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        assertThat(refused.writes())
                .as("refused before any write: " + refused.operations)
                .isEmpty();
        assertThat(refused.err).contains("error: ").contains("--no-new-key").contains("next: ");
        assertThat(refused.all()).doesNotContain("sak_");
        assertThat(aws.secrets.listSecrets().secretList())
                .noneMatch(s -> s.name().equals("secure-api/" + api + "/api-key"));
    }

    /** What Amplify CLI passes a command hook on stdin (docs.amplify.aws, "Command hooks": data and error). */
    static String amplifyInput(String envName, Path project) {
        return "{\"data\":{\"amplify\":{\"version\":\"12.14.4\",\"environment\":{\"envName\":\"" + envName
                + "\",\"projectPath\":\"" + project
                + "\",\"defaultEditor\":\"vscode\"},\"command\":\"push\",\"subCommand\":\"\","
                + "\"argv\":[\"node\",\"amplify\",\"push\",\"--yes\"]}},\"error\":null}";
    }

    record Hook(int code, String out, String err) {}

    /** Runs the installed hook as Amplify does (bash, JSON on stdin), with secure-api as $SECURE_API and the emulator as AWS. */
    Hook runHook(Path project, String stdin) throws IOException, InterruptedException {
        return runHook(project, stdin, true);
    }

    /** {@code withTool} false: no $SECURE_API, a PATH without secure-api and nothing in the project. */
    Hook runHook(Path project, String stdin, boolean withTool) throws IOException, InterruptedException {
        Path tool = dir.resolve("bin/secure-api");
        if (!Files.exists(tool)) {
            Files.createDirectories(tool.getParent());
            // this build's classes, as the launcher would run them
            Files.writeString(
                    tool,
                    "#!/usr/bin/env bash\nexec java -XX:TieredStopAtLevel=1 -cp '"
                            + System.getProperty("java.class.path") + "' io.secureapi.cli.Main \"$@\"\n");
            Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        ProcessBuilder pb = new ProcessBuilder("bash", "amplify/hooks/post-push.sh").directory(project.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("SECURE_API"));
        if (!withTool) {
            // bash and the basic tools only: no secure-api anywhere the hook looks
            env.put("PATH", "/usr/bin:/bin");
            env.remove("SECURE_API");
        }
        if (withTool) env.put("SECURE_API", tool.toString());
        env.putAll(LocalAws.childEnvironment());
        env.put("AWS_CONFIG_FILE", "/dev/null");
        env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        Path out = dir.resolve("hook.out");
        Path err = dir.resolve("hook.err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the hook did not finish");
        }
        return new Hook(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void installedHook_afterAPushResetARoute_repairsAndVerifies_skipsUnknownEnvs_andFailsLoudlyWithoutMakingAKey()
            throws Exception {
        Path project = dir.resolve("app");
        Files.createDirectories(project.resolve("amplify/hooks"));
        // the user's own post-push step reads Amplify's input too: it must still get it
        Files.writeString(
                project.resolve("amplify/hooks/post-push.sh"),
                "#!/bin/bash\ncat > \"$(dirname \"$0\")/../../user-hook-input.json\"\n");
        Path cfg = project.resolve("secure-api.json");
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                cfg,
                "setup",
                "--api-id",
                api,
                "--env",
                "dev",
                "--key-out",
                dir.resolve("key").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        String key = Files.readString(dir.resolve("key")).strip();
        Run install = Run.raw("", Map.of(), "amplify-hook", "install", "--dir", project.toString());
        assertThat(install.exitCode).as(install.toString()).isZero();

        // amplify push regenerated the API's template: $default is public again
        String route = aws.route(api, "$default").routeId();
        aws.apigw.updateRoute(
                r -> r.apiId(api).routeId(route).authorizationType("NONE").authorizerId(""));
        String input = amplifyInput("dev", project);
        Hook repaired = runHook(project, input);
        assertThat(repaired.code()).as(repaired.toString()).isZero();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(repaired.out() + repaired.err())
                .contains("putting the protection back on Amplify environment 'dev'")
                .doesNotContain(key)
                .doesNotContain("sak_");
        assertThat(Files.readString(project.resolve("user-hook-input.json"))).isEqualTo(input);

        Hook skipped = runHook(project, amplifyInput("prod", project));
        assertThat(skipped.code()).as(skipped.toString()).isZero();
        assertThat(skipped.out()
                        .lines()
                        .filter(l -> l.startsWith("secure-api:"))
                        .toList())
                .hasSize(1)
                .allSatisfy(l -> assertThat(l).contains("skipped").contains("'prod'"));

        // the secret is gone: repairing would need a new key, which must never land in a build log
        aws.secrets.deleteSecret(
                r -> r.secretId("secure-api/" + api + "/api-key").forceDeleteWithoutRecovery(true));
        aws.apigw.updateRoute(
                r -> r.apiId(api).routeId(route).authorizationType("NONE").authorizerId(""));
        Hook failed = runHook(project, input);
        assertThat(failed.code()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.err()).contains("LIVE WITHOUT its API-key").contains("'dev'");
        assertThat(failed.out() + failed.err()).doesNotContain("sak_");
        assertThat(aws.secrets.listSecrets().secretList())
                .noneMatch(s -> s.name().equals("secure-api/" + api + "/api-key"));
    }

    /** The hook's own lines (stdout and stderr) that start with "secure-api:". */
    static java.util.List<String> hookLines(String text) {
        return text.lines().filter(l -> l.startsWith("secure-api:")).toList();
    }

    @Test
    void installedHook_failsClosed_onAMissingOrBrokenConfigOrNoTool_skipsOnlyAValidConfigWithoutTheEntry()
            throws Exception {
        Path project = dir.resolve("app");
        Files.createDirectories(project.resolve("amplify"));
        Run install = Run.raw("", Map.of(), "amplify-hook", "install", "--dir", project.toString());
        assertThat(install.exitCode).as(install.toString()).isZero();
        Path cfg = project.resolve("secure-api.json");
        String input = amplifyInput("prod", project);

        // no config at all: the hook cannot know the API is protected
        Hook missing = runHook(project, input);
        assertThat(missing.code()).as(missing.toString()).isEqualTo(1);
        assertThat(hookLines(missing.err()))
                .singleElement()
                .satisfies(l ->
                        assertThat(l).contains("ERROR").contains(cfg.toString()).contains("fix: "));
        assertThat(missing.out()).doesNotContain("skipped");

        // a merge left conflict markers in it
        Files.writeString(
                cfg,
                "{\"schemaVersion\": 2, \"envs\": {\n<<<<<<< HEAD\n  \"prod\": {\"apiId\": \"abc123\"}\n=======\n"
                        + "  \"prod\": {\"apiId\": \"def456\"}\n>>>>>>> other\n}}\n");
        Hook conflicted = runHook(project, input);
        assertThat(conflicted.code()).as(conflicted.toString()).isEqualTo(1);
        assertThat(hookLines(conflicted.err()))
                .singleElement()
                .satisfies(l ->
                        assertThat(l).contains("ERROR").contains(cfg.toString()).contains("not valid JSON"));

        // an entry that is not valid: tornDown is an instant, not any text
        Files.writeString(
                cfg, "{\"schemaVersion\": 2, \"envs\": {\"prod\": {\"apiId\": \"abc123\", \"tornDown\": \"x\"}}}\n");
        Hook invalid = runHook(project, input);
        assertThat(invalid.code()).as(invalid.toString()).isEqualTo(1);
        assertThat(hookLines(invalid.err()))
                .singleElement()
                .satisfies(l ->
                        assertThat(l).contains("ERROR").contains("tornDown").contains("prod"));

        // a valid config without this environment: the one case that skips, and says so
        Files.writeString(cfg, "{\"schemaVersion\": 2, \"envs\": {\"dev\": {\"apiId\": \"abc123\"}}}\n");
        Hook skipped = runHook(project, input);
        assertThat(skipped.code()).as(skipped.toString()).isZero();
        assertThat(hookLines(skipped.out()))
                .singleElement()
                .satisfies(l ->
                        assertThat(l).contains("skipped").contains("'prod'").contains("no entry"));

        // a torn-down entry is never set up by the hook
        Files.writeString(
                cfg,
                "{\"schemaVersion\": 2, \"envs\": {\"prod\": {\"apiId\": \"abc123\", \"tornDown\": "
                        + "\"2026-01-02T03:04:05Z\"}}}\n");
        Hook tornDown = runHook(project, input);
        assertThat(tornDown.code()).as(tornDown.toString()).isZero();
        assertThat(hookLines(tornDown.out()))
                .singleElement()
                .satisfies(l -> assertThat(l).contains("skipped").contains("torn down"));

        // Amplify's input without an environment name
        Hook noName = runHook(project, "{\"data\":{}}");
        assertThat(noName.code()).as(noName.toString()).isEqualTo(1);
        assertThat(hookLines(noName.err()))
                .singleElement()
                .satisfies(l -> assertThat(l).contains("envName"));

        // no secure-api anywhere the hook looks
        Hook noTool = runHook(project, input, false);
        assertThat(noTool.code()).as(noTool.toString()).isEqualTo(1);
        assertThat(hookLines(noTool.err()))
                .singleElement()
                .satisfies(l -> assertThat(l)
                        .contains("secure-api not found")
                        .contains("fix: ")
                        .containsOnlyOnce(".secure-api/bin/secure-api"));
    }

    @Test
    void installedHook_readsTheConfigRecordedByInstall_evenOutsideTheProject() throws Exception {
        Path project = dir.resolve("app");
        Files.createDirectories(project.resolve("amplify"));
        Path cfg = dir.resolve("elsewhere/secure-api.json");
        Files.createDirectories(cfg.getParent());
        Files.writeString(cfg, "{\"schemaVersion\": 2, \"envs\": {\"dev\": {\"apiId\": \"abc123\"}}}\n");
        Run install = Run.raw(
                "", Map.of(), "amplify-hook", "install", "--dir", project.toString(), "--config", cfg.toString());
        assertThat(install.exitCode).as(install.toString()).isZero();
        Hook skipped = runHook(project, amplifyInput("prod", project));
        assertThat(skipped.code()).as(skipped.toString()).isZero();
        assertThat(hookLines(skipped.out()))
                .singleElement()
                .satisfies(l -> assertThat(l).contains("skipped").contains(cfg.toString()));
    }
}
