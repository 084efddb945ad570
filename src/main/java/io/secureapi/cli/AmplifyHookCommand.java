package io.secureapi.cli;

import io.secureapi.config.AmplifyHook;
import io.secureapi.config.ConfigFile;
import io.secureapi.error.ExitException;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.support.Json;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "amplify-hook",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Keep the protection after every `amplify push` (Amplify Gen 1 hooks).",
            "",
            "install adds a clearly delimited block to amplify/hooks/post-push.sh that",
            "records the config (--config, default secure-api.json in the project).",
            "After each push the block hands Amplify's input to `secure-api amplify-hook",
            "run`, which runs `setup --env <Amplify env> --no-new-key` (puts the",
            "protection back, never makes a key: hook output lands in build logs), then",
            "`verify --env <Amplify env>`. It fails closed: a missing, unreadable or",
            "invalid config, an unreadable input, or no secure-api found fails the build",
            "(the push has deployed, so the API may be live and unprotected). Only a",
            "valid config without an entry for the environment, or an entry torn down,",
            "is skipped, with one line. Your own hook lines are kept; install again",
            "updates the block in place; remove takes out only the block.",
            "",
            "The hook finds secure-api through $SECURE_API, then PATH, then inside the",
            "project (.secure-api/bin/secure-api, or where this secure-api lives when",
            "that is inside the project). Commit amplify/hooks: Amplify runs committed",
            "hooks, also in its Console builds.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  secure-api amplify-hook install",
            "  secure-api amplify-hook install --dir ~/src/my-amplify-app --config ~/src/my-amplify-app/infra/secure-api.json",
            "  secure-api amplify-hook remove",
            "",
            "Exit codes: 0 done (or nothing to do; run: protected and verified, or skipped), 1 run: setup or verify failed,",
            "2 not an Amplify Gen 1 project (no amplify/ folder), a damaged block, or (run) no environment name,",
            "no config or an invalid one, 3 AWS refused."
        })
public class AmplifyHookCommand extends AwsCommand {
    @Override
    protected boolean recoversKeys() {
        return false;
    }

    public enum Action {
        install,
        remove,
        run
    }

    @Parameters(
            index = "0",
            paramLabel = "install|remove|run",
            description = "install (or update) the block, or remove it; run is what the block calls after a push"
                    + " (Amplify's JSON on stdin).")
    Action action;

    @Option(
            names = "--dir",
            paramLabel = "PATH",
            description = "The Amplify project's root folder, the one holding amplify/ (default: the current folder).")
    Path dir = Path.of("");

    @Override
    protected int run() {
        if (action == Action.run) return runAfterPush();
        Path project = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(project.resolve("amplify"))) {
            throw ExitException.badInput(
                    project + " is not an Amplify Gen 1 project: it has no amplify/ folder",
                    "run it in the project's root folder or pass --dir PATH; for Amplify Gen 2 (amplify/backend.ts) see the manual, src/site/markdown/amplify-hook.md");
        }
        AmplifyHook hook = new AmplifyHook(project);
        AmplifyHook.Outcome outcome = action == Action.install
                ? hook.install(
                        AmplifyHook.relativeLauncher(project, session().env().get("SECURE_API_LAUNCHER")),
                        AmplifyHook.recordedConfig(project, configPath()))
                : hook.remove();
        if (json()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("command", "amplify-hook " + action);
            doc.put("file", outcome.file().toString());
            doc.put("changed", outcome.changed());
            doc.put("result", outcome.result());
            out().println(Json.pretty(doc));
            return 0;
        }
        out().println(outcome.message());
        if (action == Action.install && outcome.changed()) {
            out().println("Next: commit " + project.relativize(outcome.file())
                    + " (Amplify runs committed hooks, also in Console builds);");
            out().println(
                            "      each Amplify environment needs an entry: secure-api setup --env <env> --api-id <its HTTP API id>");
            if (!outcome.launcherInProject()) {
                out().println(
                                "      the hook finds secure-api via $SECURE_API, PATH or .secure-api/bin/secure-api in the project"
                                        + " (unzip the release there, or set SECURE_API in the build settings)");
            }
        }
        return 0;
    }

    /** The most of Amplify's hook input read: its JSON is a few hundred bytes. */
    private static final int MAX_INPUT = 1 << 20;

    /**
     * After a push: decides from Amplify's input (stdin) and the config whether to skip (a valid
     * config with no entry for the environment, or a torn-down entry), fail (anything unreadable or
     * invalid: the API may be public now), or run setup --no-new-key then verify, in this process.
     */
    private int runAfterPush() {
        if (json()) {
            throw ExitException.badInput(
                    "amplify-hook run prints text for a build log; it has no --output json",
                    "run it without --output (the hook does)");
        }
        Path config = configPath();
        String env;
        try {
            env = envName(new String(session().in().readNBytes(MAX_INPUT), StandardCharsets.UTF_8));
        } catch (java.io.IOException | IllegalArgumentException e) {
            return failed(
                    2,
                    "cannot read the Amplify environment name (data.amplify.environment.envName) from the hook's input",
                    "run `secure-api verify --env ENV --config " + config + "` for the pushed environment now");
        }
        ConfigFile file;
        try {
            file = ConfigFile.read(config).orElse(null);
        } catch (ExitException e) {
            return failed(e.exitCode(), e.getMessage(), e.hint());
        }
        if (file == null) {
            return failed(
                    2,
                    "config " + config + " does not exist, so the hook cannot tell whether Amplify environment '" + env
                            + "' is protected",
                    "commit " + config + " (or record the right file: secure-api amplify-hook install --config FILE)");
        }
        if (!env.matches(ConfigFile.ENV_PATTERN) || file.entry(env).isEmpty()) {
            out().println("secure-api: skipped: Amplify environment '" + env + "' has no entry in " + config
                    + " (add one: secure-api setup --env " + env + " --api-id ID)");
            return 0;
        }
        if (SetupCommand.tornDown(file, env)) {
            out().println("secure-api: skipped: entry '" + env + "' of " + config + " was torn down ("
                    + file.rawEntry(env).orElseThrow().get(SetupCommand.TORN_DOWN)
                    + "); the hook never sets it up again (to protect it: secure-api setup --env " + env + ")");
            return 0;
        }
        out().println("secure-api: putting the protection back on Amplify environment '" + env
                + "' (setup --no-new-key), then verifying it");
        out().flush();
        Map<String, String> vars = new LinkedHashMap<>(session().env());
        // a build log must never show a key: recovered keys stay in the .pending file
        vars.put(KEY_OUTPUT_OFF, "1");
        Session inner = new Session(
                session().out(),
                session().err(),
                java.io.InputStream.nullInputStream(),
                vars,
                session().interceptors(),
                false,
                false);
        List<String> common = new ArrayList<>(List.of("--env", env, "--no-color", "--config", config.toString()));
        if (output().verbose) common.add("--verbose");
        List<String> setup = new ArrayList<>(List.of("setup", "--no-new-key", StagesPiece.FLAG));
        setup.addAll(common);
        String[] setupArgs = setup.toArray(String[]::new);
        int status = SecureApiCli.create(inner, setupArgs).execute(setupArgs);
        if (status == 0) {
            List<String> verify = new ArrayList<>(List.of("verify"));
            verify.addAll(common);
            String[] verifyArgs = verify.toArray(String[]::new);
            status = SecureApiCli.create(inner, verifyArgs).execute(verifyArgs);
        }
        if (status != 0) {
            PrintWriter err = err();
            err.println();
            err.println("secure-api: ERROR (exit " + status + "): the API of Amplify environment '" + env
                    + "' is deployed and LIVE WITHOUT its API-key");
            err.println("secure-api: protection until this is fixed. The push itself succeeded. Fix: read the error"
                    + " above, then run");
            err.println("secure-api:   secure-api setup --env " + env + " --config " + config
                    + " && secure-api verify --env " + env + " --config " + config);
            err.flush();
            return ExitException.FAILED;
        }
        return 0;
    }

    /** The environment variable that keeps recovered keys out of a run's output (the hook sets it). */
    static final String KEY_OUTPUT_OFF = "SECURE_API_NO_KEY_OUTPUT";

    /** One line on stderr naming what is wrong and the fix; the hook then fails the build. */
    private int failed(int code, String what, String fix) {
        err().println("secure-api: ERROR: " + what + ": the pushed API may be live WITHOUT its API-key protection;"
                + " fix: " + fix);
        err().flush();
        return code;
    }

    /** data.amplify.environment.envName of Amplify's hook input (docs.amplify.aws, Gen 1 "Command hooks"). */
    static String envName(String input) {
        Object v = Json.parseObject(input);
        for (String k : List.of("data", "amplify", "environment", "envName")) {
            if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException("no " + k);
            v = m.get(k);
        }
        if (!(v instanceof String s) || s.isBlank()) throw new IllegalArgumentException("no envName");
        return s;
    }
}
