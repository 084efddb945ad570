package io.secureapi.cli;

import io.secureapi.config.ProjectConfig;
import io.secureapi.engine.CacheFlush;
import io.secureapi.engine.NamedKeys;
import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.DigestSecret;
import io.secureapi.pieces.LastUsed;
import io.secureapi.support.Json;
import io.secureapi.support.Names;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "keys",
        mixinStandardHelpOptions = true,
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "Named keys, one per consumer of the API (bundled authorizer only).",
            "",
            "Each key is stored only as a digest (HMAC-SHA-256 under a random salt kept in the secret), shown",
            "once when made, may expire, and is revoked in seconds. Every add and revoke ends by emptying the",
            "authorizer function's key cache and API Gateway's authorizer cache (printing how long that took),",
            "so a new key works on its first request and a revoked one stops at once.",
            "Names: 1-32 of a-z, 0-9 and -. live and dev are the keys setup makes (Bubble's Key value and",
            "Development key value); rotate any key with secure-api rotate-key --key NAME.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  secure-api keys add partner-a --expires 90d --key-out partner-a.key",
            "  secure-api keys list",
            "  secure-api keys revoke partner-a --yes"
        },
        subcommands = {KeysCommand.Add.class, KeysCommand.List.class, KeysCommand.Revoke.class})
public class KeysCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("error: keys needs a command: add, list or revoke");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitException.BAD_INPUT;
    }

    /** The header the entry names ({@code cfg} null: none), else the default. */
    static String header(ProjectConfig cfg) {
        return cfg == null || cfg.header() == null || cfg.header().isBlank() ? Names.DEFAULT_HEADER : cfg.header();
    }

    /** What emptying the caches after a write did (keys add/revoke, rotate-key); noStage names an API without stages. */
    static void printFlushed(java.io.PrintWriter out, CacheFlush.Result f, String noStage, int unflushedSeconds) {
        out.println("Caches emptied: "
                + (f.function() == null
                        ? ""
                        : "Lambda function " + f.function() + " (" + CacheFlush.ENV_MIN_GENERATION + "="
                                + f.generation() + "), ")
                + "authorizer cache of "
                + (f.stages().isEmpty()
                        ? noStage
                        : "stage" + (f.stages().size() == 1 ? " " : "s ") + String.join(", ", f.stages()))
                + (f.function() == null
                        ? ""
                        : " (twice: again after the function's " + f.functionTimeoutSeconds() + " s timeout)")
                + ".");
        out.println("Measured: caches answered from the old keys for at most " + f.seconds()
                + " s after the secret changed (until "
                + f.flushedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")"
                + (unflushedSeconds > 0 ? ", instead of up to " + unflushedSeconds + " s of cached answers" : "")
                + ".");
        out.println(
                "Worst case had the last step failed: " + f.worstCaseSeconds() + " s (" + f.worstCaseReason() + ").");
        for (String w : f.warnings()) out.println("warning: " + w);
    }

    /** The same for --output json. */
    static void putFlushed(Map<String, Object> doc, CacheFlush.Result f) {
        doc.put("cachesFlushedAt", f.flushedAt().toString());
        doc.put("stagesFlushed", f.stages());
        doc.put("acceptedForAtMostSeconds", f.seconds());
        doc.put("flush", f.toJson());
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {"Add a key named NAME: a new random key (shown once, or written to --key-out), or yours.", ""
            },
            footer = {
                "",
                "Examples:",
                "  secure-api keys add partner-a                      # shown once",
                "  secure-api keys add partner-b --expires 2027-03-31 --key-out partner-b.key",
                "  secure-api keys add dev --key-stdin < dev.key      # Bubble's Development key value"
            })
    public static class Add extends AwsCommand {
        @Parameters(
                index = "0",
                paramLabel = "NAME",
                description = "The key's name: 1-32 of a-z, 0-9 and -, e.g. partner-a.")
        String name;

        @Mixin
        ApiIdOption api = new ApiIdOption();

        @Option(
                names = "--expires",
                paramLabel = "90d|DATE",
                description =
                        "When the key stops working: a number of days from now (90d), or a date (2027-03-31: the end of that day, UTC). Default: never.")
        String expires;

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        @Mixin
        KeyOptions keys = new KeyOptions();

        @Override
        protected int run() {
            DigestSecret.checkName(name, "NAME");
            Instant now = Instant.now();
            Instant expiry = NamedKeys.parseExpiry(expires, now);
            Optional<ApiKey> supplied = keys.suppliedKey(session());
            keys.checkKeyOut();
            String id = apiId();
            ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
            NamedKeys named = NamedKeys.read(id, settings().region(), cfg, aws(), progress());
            named.checkAdd(name, supplied.orElse(null));
            if (dryRun.on) {
                if (json()) {
                    out().println(Json.pretty(doc(id, named, expiry, null, null, cfg)));
                } else {
                    out().println("Dry run: key " + name + " would be added to secret " + named.secretName()
                            + (expiry == null ? "" : ", expiring " + expiry) + ". Nothing was changed.");
                }
                return 0;
            }
            ApiKey key = supplied.orElseGet(() -> ApiKey.generate(name));
            boolean generated = supplied.isEmpty();
            WriteAhead wa = null;
            if (generated) {
                // written ahead (<config>.pending) before AWS stores it: a run killed after the write hands it over
                // next time
                io.secureapi.config.ConfigFile.checkWritable(configPath());
                wa = writeAhead(id);
                wa.beforeStore(name, named.secretArn(), key);
            }
            String version = named.add(name, key, expiry);
            Instant writtenAt = Instant.now();
            String shown = null;
            if (generated) {
                wa.stored(name);
                if (!writeKeyOut(wa, Map.of(name, key))) shown = key.reveal();
            }
            // a deny cached before the write (someone tried the key early) must not outlive it
            String rerun = "run any keys add, keys revoke or rotate-key of this API (each ends with a complete flush)";
            if (json()) {
                CacheFlush.Result flushed = null;
                ExitException failed = null;
                try {
                    flushed = named.flush(writtenAt, rerun);
                } catch (ExitException e) {
                    failed = e;
                }
                Map<String, Object> d = doc(id, named, expiry, version, shown, cfg);
                if (flushed != null) putFlushed(d, flushed);
                out().println(Json.pretty(d));
                if (shown != null) shownOnStdout(wa, java.util.List.of(name));
                if (failed != null) throw failed;
                return 0;
            }
            out().println(style().green("Done: key " + name + " added to secret " + named.secretName() + " (version "
                    + version + ")" + (expiry == null ? "." : "; it stops working at " + expiry + ".")));
            String value = shown != null
                    ? shown
                    : supplied.isPresent() ? "(the key you supplied)" : "(written to " + keys.keyOut + ")";
            String setting = io.secureapi.engine.KeyRotation.bubbleSetting(name);
            out().println();
            if (setting != null) {
                out().println(style().bold(
                                "Bubble API Connector: set (Authentication: Private key in header; Key name: "
                                        + header(cfg) + "):"));
                out().printf("  %-22s  %s%n", setting + ":", value);
            } else {
                out().println(style().bold("Give this to the consumer " + name + " (header " + header(cfg) + "):"));
                out().println("  " + value);
            }
            if (shown != null) {
                out().println();
                out().println(style().yellow("This key is shown once; the secret keeps only its digest."));
                shownOnStdout(wa, java.util.List.of(name));
            }
            out().flush();
            CacheFlush.Result flushed = named.flush(writtenAt, rerun);
            out().println();
            printFlushed(out(), flushed, "no stage (the API has none)", named.unflushedWindowSeconds());
            out().println("The key is accepted now.");
            return 0;
        }

        @Override
        protected KeyOptions keyOptions() {
            return keys;
        }

        private Map<String, Object> doc(
                String id, NamedKeys named, Instant expiry, String version, String shown, ProjectConfig cfg) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("command", "keys add");
            d.put("schemaVersion", 1);
            d.put("apiId", id);
            d.put("region", settings().region());
            d.put("dryRun", dryRun.on);
            d.put("changed", version != null);
            d.put("secretName", named.secretName());
            d.put("name", name);
            d.put("expires", expiry == null ? null : expiry.toString());
            if (version == null) return d;
            d.put("versionId", version);
            Map<String, Object> key = new LinkedHashMap<>();
            key.put("value", shown);
            key.put(
                    "writtenTo",
                    shown == null && keys.keyOut != null && keys.keyFile == null && !keys.keyStdin
                            ? keys.keyOut.toString()
                            : null);
            key.put("supplied", keys.keyFile != null || keys.keyStdin);
            key.put("header", header(cfg));
            key.put("bubbleSetting", io.secureapi.engine.KeyRotation.bubbleSetting(name));
            d.put("key", key);
            return d;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = {
                "List the keys: name, created, expires, status (active, expiring within 14 days, expired, rotating)",
                "and last use (day precision, from the authorizer's logs of the last 30 days). Never a key.",
                ""
            })
    public static class List extends AwsCommand {
        @Mixin
        ApiIdOption api = new ApiIdOption();

        @Option(names = "--no-last-used", description = "Skip the Logs Insights query (last use shows as unknown).")
        boolean noLastUsed;

        @Override
        protected int run() {
            String id = apiId();
            ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
            NamedKeys named = NamedKeys.read(id, settings().region(), cfg, aws(), progress());
            LastUsed.Result used =
                    noLastUsed ? LastUsed.Result.unknown("--no-last-used") : LastUsed.read(named.wiring());
            java.util.List<NamedKeys.Row> rows = named.list(Instant.now(), used);
            if (json()) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("command", "keys list");
                d.put("schemaVersion", 1);
                d.put("apiId", id);
                d.put("region", settings().region());
                d.put("secretName", named.secretName());
                java.util.List<Object> ks = new ArrayList<>();
                for (NamedKeys.Row r : rows) {
                    Map<String, Object> k = new LinkedHashMap<>();
                    k.put("name", r.name());
                    k.put("created", r.created() == null ? null : r.created().toString());
                    k.put("expires", r.expires() == null ? null : r.expires().toString());
                    k.put("status", r.status());
                    k.put("lastUsed", r.lastUsed());
                    ks.add(k);
                }
                d.put("keys", ks);
                d.put("lastUsedWindowDays", LastUsed.WINDOW.toDays());
                d.put("lastUsedUnknownReason", used.unknown());
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().bold(
                            "Keys of API " + id + " (" + settings().region() + "), secret " + named.secretName()));
            String fmt = "  %-32s  %-20s  %-20s  %-8s  %s%n";
            out().printf(fmt, "NAME", "CREATED", "EXPIRES", "STATUS", "LAST USED");
            for (NamedKeys.Row r : rows) {
                out().printf(
                                fmt,
                                r.name(),
                                r.created() == null ? "-" : r.created().toString(),
                                r.expires() == null ? "never" : r.expires().toString(),
                                r.status(),
                                r.lastUsed() == null ? "not in " + LastUsed.WINDOW.toDays() + " days" : r.lastUsed());
            }
            if (rows.isEmpty()) out().println("  (no keys: add one with secure-api keys add NAME)");
            if (used.unknown() != null) out().println("Last used is unknown: " + used.unknown());
            return 0;
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Revoke key NAME: remove it from the secret (with a rotation's old key of it), then empty the",
                "caches that may still accept it, so it is refused within seconds.",
                ""
            },
            footer = {"", "Asks you to type NAME unless --yes is given; refuses without --yes when not on a terminal."})
    public static class Revoke extends AwsCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The key to revoke (see secure-api keys list).")
        String name;

        @Mixin
        ApiIdOption api = new ApiIdOption();

        @Option(names = "--yes", description = "Revoke without asking (for scripts and CI).")
        boolean yes;

        @Override
        protected int run() {
            DigestSecret.checkName(name, "NAME");
            String id = apiId();
            ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
            NamedKeys named = NamedKeys.read(id, settings().region(), cfg, aws(), progress());
            String rerun = "run secure-api keys revoke " + name + " --yes again";
            if (!named.holds(name) && named.pendingFlush().isPresent()) return completeFlush(id, named, rerun);
            named.checkRevoke(name);
            confirm(named);
            named.revoke(name);
            Instant revokedAt = Instant.now();
            CacheFlush.Result flushed;
            try {
                flushed = named.flush(revokedAt, rerun);
            } catch (ExitException e) {
                err().println("note: key " + name + " is removed from secret " + named.secretName()
                        + ", but the caches were not all emptied");
                throw e;
            }
            if (json()) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("command", "keys revoke");
                d.put("schemaVersion", 1);
                d.put("apiId", id);
                d.put("region", settings().region());
                d.put("secretName", named.secretName());
                d.put("name", name);
                d.put("revokedAt", revokedAt.toString());
                putFlushed(d, flushed);
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().green("Done: key " + name + " is revoked (removed from secret " + named.secretName()
                    + " at " + revokedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")."));
            printFlushed(out(), flushed, "no stage (the API has none)", named.unflushedWindowSeconds());
            return 0;
        }

        /**
         * The key is gone already and an earlier run's flush is outstanding (the tag on the secret):
         * finish that flush instead of answering "no key named".
         */
        private int completeFlush(String id, NamedKeys named, String rerun) {
            String pending = named.pendingFlush().orElseThrow();
            err().println("Key " + name + " is not in secret " + named.secretName()
                    + " any more; an earlier run left its cache flush unfinished (" + CacheFlush.PENDING_TAG + "="
                    + pending + "): completing it.");
            err().flush();
            CacheFlush.Result flushed = named.completePendingFlush(rerun);
            if (json()) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("command", "keys revoke");
                d.put("schemaVersion", 1);
                d.put("apiId", id);
                d.put("region", settings().region());
                d.put("secretName", named.secretName());
                d.put("name", name);
                d.put("changed", false);
                d.put("completedPendingFlush", pending);
                putFlushed(d, flushed);
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().green("Done: the cache flush an earlier run left unfinished is complete; key " + name
                    + " was already removed from secret " + named.secretName() + "."));
            printFlushed(out(), flushed, "no stage (the API has none)", named.unflushedWindowSeconds());
            return 0;
        }

        private void confirm(NamedKeys named) {
            if (yes) return;
            if (!session().stdinIsTerminal()) {
                throw ExitException.badInput(
                        "keys revoke needs confirmation and standard input is not a terminal; nothing was changed",
                        "run it again with --yes");
            }
            err().print("Revoke key " + name + " of secret " + named.secretName()
                    + "? Clients using it are refused within seconds. Type " + name + " to confirm: ");
            err().flush();
            if (!session().readLine().equals(name)) {
                throw ExitException.badInput(
                        "confirmation does not match key name " + name + "; nothing was changed",
                        "run it again and type " + name + ", or pass --yes");
            }
        }
    }
}
