package io.secureapi.cli;

import io.secureapi.config.AmplifyHook;
import io.secureapi.error.ExitException;
import io.secureapi.support.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
            "install adds a clearly delimited block to amplify/hooks/post-push.sh.",
            "After each push it runs `secure-api setup --env <Amplify env>",
            "--no-new-key` (puts the protection back, never makes a key: hook output",
            "lands in build logs), then `secure-api verify --env <Amplify env>`.",
            "A failure fails the build loudly: the push has deployed, so the API is",
            "live and unprotected until fixed. An environment without an entry in",
            "secure-api.json is skipped with one line. Your own hook lines are kept;",
            "install again updates the block in place; remove takes out only the block.",
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
            "  secure-api amplify-hook install --dir ~/src/my-amplify-app",
            "  secure-api amplify-hook remove",
            "",
            "Exit codes: 0 done (or nothing to do), 2 not an Amplify Gen 1 project (no amplify/ folder) or a damaged block."
        })
public class AmplifyHookCommand extends AwsCommand {
    @Override
    protected boolean recoversKeys() {
        return false;
    }

    public enum Action {
        install,
        remove
    }

    @Parameters(
            index = "0",
            paramLabel = "install|remove",
            description = "install (or update) the block, or remove it.")
    Action action;

    @Option(
            names = "--dir",
            paramLabel = "PATH",
            description = "The Amplify project's root folder, the one holding amplify/ (default: the current folder).")
    Path dir = Path.of("");

    @Override
    protected int run() {
        Path project = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(project.resolve("amplify"))) {
            throw ExitException.badInput(
                    project + " is not an Amplify Gen 1 project: it has no amplify/ folder",
                    "run it in the project's root folder or pass --dir PATH; for Amplify Gen 2 (amplify/backend.ts) see the manual, src/site/markdown/amplify-hook.md");
        }
        AmplifyHook hook = new AmplifyHook(project);
        AmplifyHook.Outcome outcome = action == Action.install
                ? hook.install(
                        AmplifyHook.relativeLauncher(project, session().env().get("SECURE_API_LAUNCHER")))
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
}
