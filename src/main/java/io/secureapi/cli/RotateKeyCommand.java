package io.secureapi.cli;

import io.secureapi.config.ConfigFile;
import io.secureapi.config.ProjectConfig;
import io.secureapi.engine.KeyRotation;
import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.SecretValue;
import io.secureapi.model.Plan;
import io.secureapi.support.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "rotate-key",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Replace the API key without downtime, in two steps.",
            "",
            "1. rotate-key: a new key becomes the key's current value; the bundled",
            "   authorizer keeps accepting the old one (its digest stays in the",
            "   current version, marked retiring), so Bubble keeps working.",
            "   The new key is shown once (or written to --key-out), with the",
            "   Bubble setting to change.",
            "   It ends by emptying the caches, so the new key works at once.",
            "2. Paste it into Bubble, check that calls work, then",
            "   rotate-key --finish: the old key is revoked, the authorizer's",
            "   caches are emptied, and it says how long the old key was accepted.",
            "",
            "--key NAME rotates one key (live, dev, or one from keys add); the",
            "others, and their own rotations, are untouched.",
            "A secret still in the plaintext format (run setup to convert it)",
            "keeps the old key in AWSPREVIOUS until --finish removes it.",
            "With your own authorizer function (setup --function), zero downtime",
            "depends on that function accepting AWSPREVIOUS too.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  secure-api rotate-key              # from secure-api.json; shown once",
            "  secure-api rotate-key --key dev --key-out dev-key.txt",
            "  secure-api rotate-key --env prod   # the API of entry prod in secure-api.json",
            "  secure-api rotate-key --finish     # once Bubble uses the new key",
            "",
            "A second rotation before --finish would revoke the key Bubble may",
            "still use: it is refused. If you have the new key, paste it and run",
            "--finish; if nobody has it, --discard-current makes the old key the",
            "only one again."
        })
public class RotateKeyCommand extends AwsCommand {
    // its own flag: --force only lets --key-out overwrite a file, it must not also revoke a key in use
    // kept for scripts that used it; not taught: it revokes the key clients may still send
    @Option(
            names = "--abandon-previous",
            hidden = true,
            description = "Rotate even though the previous rotation was not finished: the key it kept stops working.")
    boolean abandonPrevious;

    @Option(
            names = "--discard-current",
            description =
                    "Undo an unfinished rotation whose new key nobody has: the old key becomes the only key of --key again.")
    boolean discardCurrent;

    @Mixin
    ApiIdOption api = new ApiIdOption();

    @Option(
            names = "--key",
            paramLabel = "NAME",
            description =
                    "Which key to replace: live (Bubble's Key value, the default), dev (Development key value) or any key "
                            + "named with secure-api keys add (bundled authorizer only). With --finish: which rotation to end.")
    String key;

    @Option(
            names = "--secret-name",
            paramLabel = "NAME",
            description =
                    "Secrets Manager secret holding the key (default: from secure-api.json, else secure-api/<apiId>/api-key).")
    String secretName;

    @Option(
            names = "--finish",
            description =
                    "Revoke the old key once Bubble uses the new one, and empty the caches that may still accept it.")
    boolean finish;

    @Option(
            names = "--all",
            description = "With --finish: finish every key's unfinished rotation at once (one new version).")
    boolean all;

    @Mixin
    DryRunOption dryRun = new DryRunOption();

    @Mixin
    KeyOptions keys = new KeyOptions();

    /** --env used to choose the key: with no entry of that name, point at --key instead. */
    @Override
    protected Optional<String> resolveEntry(ConfigFile file, String env, String apiIdFlag) {
        if (env != null
                && (env.equals(SecretValue.LIVE) || env.equals(SecretValue.DEV))
                && (file == null || file.entry(env).isEmpty())) {
            throw ExitException.badInput(
                    "--env " + env + " names an entry of " + configPath() + " (an API), and there is none named " + env
                            + "; rotate-key chooses the key with --key",
                    "run secure-api rotate-key --key " + env);
        }
        return super.resolveEntry(file, env, apiIdFlag);
    }

    @Override
    protected int run() {
        KeyRotation.Request request = request();
        KeyRotation rotation = KeyRotation.read(request, aws(), progress());
        if (discardCurrent) return discard(rotation);
        Plan plan = rotation.plan();
        List<String> warnings = rotation.warnings();
        warnings.forEach(w -> err().println(style().yellow("warning: ") + withSelection(w)));
        err().flush();
        printPlan(
                (finish ? "Finish key rotation" : "Rotate the " + request.env() + " key") + " of API " + request.apiId()
                        + " (" + request.region() + ")",
                plan,
                dryRun.on);
        if (!dryRun.on && plan.isEmpty() && finish && rotation.pendingFlush().isPresent()) {
            return completeFlush(rotation, plan, warnings);
        }
        if (dryRun.on || plan.isEmpty()) {
            if (json()) {
                out().println(Json.pretty(document(rotation, plan, warnings, null, null)));
            } else if (plan.isEmpty()) {
                out().println(
                                finish && rotation.digestFormat()
                                        ? "Nothing to finish: no key of secret " + rotation.secretName()
                                                + " has an unfinished rotation (no writes made)."
                                        : finish
                                                ? "Nothing to finish: secret " + rotation.secretName()
                                                        + " has no previous version (AWSPREVIOUS), "
                                                        + "so no old key is still accepted (no writes made)."
                                                : "Nothing to change: the supplied key is already the current "
                                                        + request.env() + " key (no writes made).");
            } else {
                out().println("Dry run: nothing was changed. Run it without --dry-run to apply it.");
            }
            return 0;
        }
        if (finish) {
            KeyRotation.Outcome outcome = rotation.apply(plan, progress());
            // the user's own function: only API Gateway's cache is ours to reset
            Optional<io.secureapi.engine.CacheFlush.Result> reset =
                    rotation.flushed().isEmpty() && rotation.snapshot().userFunction()
                            ? rotation.flushAfterRotation(outcome)
                            : Optional.empty();
            printFinished(rotation, plan, warnings, outcome, reset.orElse(null));
            if (!json()) reset.ifPresent(f -> KeysCommand.printFlushed(out(), f, "no stage", 0));
            return 0;
        }
        // before the first AWS write: the new key is written ahead next to the config
        ConfigFile.checkWritable(configPath());
        WriteAhead wa = writeAhead(request.apiId());
        KeyRotation.Outcome outcome = rotation.apply(plan, progress(), wa);
        String shown = deliver(outcome, wa);
        if (json()) {
            // the key is printed whatever the flush does: it is stored and shown once
            Optional<io.secureapi.engine.CacheFlush.Result> flushed = Optional.empty();
            ExitException failed = null;
            try {
                flushed = rotation.flushAfterRotation(outcome);
            } catch (ExitException e) {
                failed = e;
            }
            Map<String, Object> doc = document(rotation, plan, warnings, outcome, shown);
            flushed.ifPresent(f -> KeysCommand.putFlushed(doc, f));
            out().println(Json.pretty(doc));
            if (shown != null) shownOnStdout(wa, List.of(request.env()));
            if (failed != null) throw failed;
            return 0;
        }
        printRotated(rotation, outcome, shown);
        if (shown != null) shownOnStdout(wa, List.of(request.env()));
        out().flush();
        // a deny cached before the write (the new key tried early) must not outlive it: step 2 works at once
        Optional<io.secureapi.engine.CacheFlush.Result> flushed = rotation.flushAfterRotation(outcome);
        flushed.ifPresent(f -> {
            out().println();
            KeysCommand.printFlushed(
                    out(),
                    f,
                    "no stage",
                    rotation.window().map(KeyRotation.CacheWindow::seconds).orElse(0));
        });
        return 0;
    }

    /** --finish with nothing left to finish while an earlier run's flush is outstanding: complete it. */
    private int completeFlush(KeyRotation rotation, Plan plan, List<String> warnings) {
        String pending = rotation.pendingFlush().orElseThrow();
        err().println("Nothing left to finish in secret " + rotation.secretName()
                + ", but an earlier run left its cache flush unfinished (" + io.secureapi.engine.CacheFlush.PENDING_TAG
                + "=" + pending + "): completing it.");
        err().flush();
        Optional<io.secureapi.engine.CacheFlush.Result> f = rotation.completePendingFlush();
        if (json()) {
            Map<String, Object> doc = document(rotation, plan, warnings, null, null);
            doc.put("completedPendingFlush", pending);
            f.ifPresent(r -> KeysCommand.putFlushed(doc, r));
            out().println(Json.pretty(doc));
            return 0;
        }
        if (f.isEmpty()) {
            throw new ExitException(
                    ExitException.AWS,
                    "Lambda function " + rotation.wiring().functionName()
                            + " not found: the cache flush cannot complete",
                    "run secure-api setup: it deploys the bundled authorizer again, then run this again",
                    null);
        }
        out().println(style().green("Done: the cache flush an earlier run left unfinished is complete."));
        KeysCommand.printFlushed(out(), f.get(), "no stage", 0);
        return 0;
    }

    /** --discard-current: the old key of --key becomes its only key again. */
    private int discard(KeyRotation rotation) {
        KeyRotation.Request r = rotation.request();
        Plan plan = rotation.discardPlan();
        printPlan(
                "Discard the unfinished rotation of the " + r.env() + " key of API " + r.apiId() + " (" + r.region()
                        + ")",
                plan,
                dryRun.on);
        KeyRotation.Outcome outcome = null;
        if (!dryRun.on && !plan.isEmpty()) {
            ConfigFile.checkWritable(configPath());
            outcome = rotation.discardCurrent(plan, progress());
        }
        if (json()) {
            Map<String, Object> doc = document(rotation, plan, List.of(), null, null);
            doc.put("discardCurrent", true);
            doc.put("changed", outcome != null);
            if (outcome != null) {
                doc.put("newVersionId", outcome.newVersionId());
                doc.put("discardedVersionId", outcome.previousVersionId());
            }
            out().println(Json.pretty(doc));
        } else if (plan.isEmpty()) {
            out().println("Nothing to discard (no writes made).");
        } else if (outcome == null) {
            out().println("Dry run: nothing was changed. Run it without --dry-run to apply it.");
        } else {
            out().println(style().green(
                            "Done: the previous " + r.env() + " key is the only " + r.env() + " key again (version "
                                    + outcome.newVersionId() + " of secret " + rotation.secretName()
                                    + "); the key of the unfinished rotation (version "
                                    + outcome.previousVersionId() + ") is no longer accepted, once caches expire."));
            out().println("Bubble keeps working with the key it has. Rotate again when you are ready: "
                    + next("rotate-key"));
        }
        return 0;
    }

    private KeyRotation.Request request() {
        if (discardCurrent) {
            if (finish || abandonPrevious) {
                throw ExitException.badInput(
                        "--discard-current undoes an unfinished rotation: --finish does not go with it",
                        "run secure-api rotate-key --discard-current alone");
            }
            if (keys.keyFile != null || keys.keyStdin || keys.keyOut != null) {
                throw ExitException.badInput(
                        "--discard-current makes no key: --key-file, --key-stdin and --key-out do not go with it",
                        "run secure-api rotate-key --discard-current");
            }
        }
        if (all && (!finish || key != null)) {
            throw ExitException.badInput(
                    "--all goes with --finish only, and without --key: it finishes every unfinished rotation",
                    "run secure-api rotate-key --finish --all");
        }
        if (finish) {
            if (keys.keyFile != null || keys.keyStdin || keys.keyOut != null) {
                throw ExitException.badInput(
                        "--finish makes no key: --key-file, --key-stdin and --key-out do not go with it",
                        "run secure-api rotate-key --finish alone, after Bubble uses the new key");
            }
        }
        String e = key == null ? SecretValue.LIVE : io.secureapi.keys.DigestSecret.checkName(key, "--key");
        String id = apiId();
        if (secretName != null) checkSecretName(secretName);
        ApiKey supplied =
                finish || discardCurrent ? null : keys.suppliedKey(session()).orElse(null);
        keys.checkKeyOut();
        ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
        return new KeyRotation.Request(
                id, settings().region(), cfg, secretName, e, supplied, finish, abandonPrevious, all);
    }

    /** Writes a generated key to --key-out, or returns it to be shown once; null when there is nothing to show. */
    private String deliver(KeyRotation.Outcome outcome, WriteAhead wa) {
        if (!outcome.generated()) return null;
        String keyName = key == null ? SecretValue.LIVE : key;
        ApiKey newKey = outcome.newKey();
        if (writeKeyOut(wa, Map.of(keyName, newKey))) return null;
        return newKey.reveal();
    }

    @Override
    protected KeyOptions keyOptions() {
        return keys;
    }

    private void printRotated(KeyRotation rotation, KeyRotation.Outcome outcome, String shown) {
        String env = rotation.request().env();
        String setting = KeyRotation.bubbleSetting(env);
        out().println(style().green(
                        "Done: the " + env + " key of API " + rotation.request().apiId() + " is new (version "
                                + outcome.newVersionId() + " of secret " + rotation.secretName() + " is AWSCURRENT)."));
        out().println(
                        rotation.digestFormat()
                                ? "The old " + env
                                        + " key is still accepted (kept as its retiring digest in the new version) until you finish."
                                : rotation.snapshot().userFunction()
                                        ? "The old key stays in the secret as AWSPREVIOUS (version "
                                                + outcome.previousVersionId()
                                                + ") until you finish; it keeps working only if your function accepts AWSPREVIOUS."
                                        : "The old " + env + " key is still accepted (version "
                                                + outcome.previousVersionId() + ", AWSPREVIOUS) until you finish.");
        out().println();
        // only live and dev are Bubble's settings; any other name is a consumer's key
        boolean bubble = setting != null;
        out().println(style().bold(
                        bubble
                                ? "Bubble API Connector: change this one setting (Authentication and Key name stay):"
                                : "Give this new key to the consumer " + env + " (header "
                                        + KeysCommand.header(rotation.request().config()) + "):"));
        String value = shown != null
                ? shown
                : outcome.generated() ? "(written to " + keys.keyOut + ")" : "(the key you supplied)";
        out().printf("  %-22s  %s%n", (bubble ? setting : env + " key") + ":", value);
        if (shown != null) {
            out().println();
            out().println(style().yellow("This key is shown once and stored only in Secrets Manager ("
                    + rotation.secretName() + ")."));
        }
        out().println();
        out().println("Next:");
        out().println(
                        bubble
                                ? "  1. Paste it into Bubble (API Connector → your API → " + setting + ")"
                                        + (SecretValue.LIVE.equals(env) ? " and deploy the app to live." : ".")
                                : "  1. Give it to the consumer " + env + " and have them switch to it.");
        out().println("  2. Check that calls to the API work with the new key.");
        out().println("  3. Revoke the old key:  "
                + next("rotate-key --finish"
                        + (rotation.digestFormat() && !SecretValue.LIVE.equals(env) ? " --key " + env : "")));
    }

    private void printFinished(
            KeyRotation rotation,
            Plan plan,
            List<String> warnings,
            KeyRotation.Outcome outcome,
            io.secureapi.engine.CacheFlush.Result reset) {
        KeyRotation.CacheWindow window = rotation.window().orElseThrow();
        if (json()) {
            Map<String, Object> doc = document(rotation, plan, warnings, outcome, null);
            if (reset != null) KeysCommand.putFlushed(doc, reset);
            out().println(Json.pretty(doc));
            return;
        }
        if (rotation.flushed().isPresent()) {
            io.secureapi.engine.CacheFlush.Result f = rotation.flushed().get();
            List<String> names = outcome.revokedKeyNames();
            out().println(style().green("Done: the old "
                    + (names.size() == 1
                            ? names.get(0) + " key is"
                            : "keys of " + names.size() + " rotations (" + io.secureapi.support.Lists.shortened(names)
                                    + ") are")
                    + " revoked (version " + outcome.newVersionId() + " of secret " + rotation.secretName()
                    + " no longer holds " + (names.size() == 1 ? "it" : "them") + ")."));
            KeysCommand.printFlushed(out(), f, "no stage", window.seconds());
            return;
        }
        Instant until = Instant.now().plusSeconds(window.seconds()).truncatedTo(ChronoUnit.SECONDS);
        out().println(style().green("Done: removed AWSPREVIOUS from version " + outcome.previousVersionId()
                + " of secret " + rotation.secretName() + "."));
        String revoked = outcome.revokedKeyNames().isEmpty()
                ? "No key stops working: the previous version held no key that the current one lacks."
                : "The previous " + String.join(" and ", outcome.revokedKeyNames()) + " key is revoked.";
        out().println(revoked);
        out().println("Caches may still accept it for up to " + window.seconds() + " s"
                + (window.functionKeyCache() == null ? " plus however long your function caches the secret" : "")
                + " (until about " + until + "):");
        if (window.functionKeyCache() != null) {
            out().printf("  %-36s %5d s%n", "bundled authorizer's key cache", window.functionKeyCache());
        } else {
            out().printf("  %-36s %7s%n", "your function's own secret cache", "unknown");
        }
        out().printf(
                        "  %-36s %5d s  (%s)%n",
                        "API Gateway authorizer result cache", window.authorizerTtl(), window.authorizerTtlSource());
    }

    private Map<String, Object> document(
            KeyRotation rotation, Plan plan, List<String> warnings, KeyRotation.Outcome outcome, String shown) {
        KeyRotation.Request r = rotation.request();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "rotate-key");
        doc.put("apiId", r.apiId());
        doc.put("region", r.region());
        doc.put("finish", r.finish());
        doc.put("env", entryName().orElse(null));
        if (!r.finish()) doc.put("key", r.env());
        doc.put("dryRun", dryRun.on);
        doc.put("changed", outcome != null);
        doc.put("secretArn", rotation.secretArn());
        doc.put("plan", plan.toJson());
        doc.put("warnings", warnings);
        if (outcome == null) return doc;
        if (r.finish()) {
            KeyRotation.CacheWindow window = rotation.window().orElseThrow();
            doc.put("revokedVersionId", outcome.previousVersionId());
            doc.put("revokedKeys", outcome.revokedKeyNames());
            Map<String, Object> caches = new LinkedHashMap<>();
            caches.put("seconds", window.seconds());
            caches.put("functionKeyCacheSeconds", window.functionKeyCache());
            caches.put("authorizerResultTtlSeconds", window.authorizerTtl());
            caches.put("authorizerResultTtlSource", window.authorizerTtlSource());
            doc.put("oldKeyMayBeAcceptedFor", caches);
            rotation.flushed().ifPresent(f -> KeysCommand.putFlushed(doc, f));
        } else {
            doc.put("newVersionId", outcome.newVersionId());
            doc.put("previousVersionId", outcome.previousVersionId());
            Map<String, Object> key = new LinkedHashMap<>();
            key.put("name", r.env());
            key.put("bubbleSetting", KeyRotation.bubbleSetting(r.env()));
            key.put("keyName", KeysCommand.header(r.config()));
            key.put("value", shown);
            key.put("writtenTo", outcome.generated() && keys.keyOut != null ? keys.keyOut.toString() : null);
            key.put("supplied", !outcome.generated());
            doc.put("newKey", key);
        }
        return doc;
    }
}
