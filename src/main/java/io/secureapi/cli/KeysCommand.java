package io.secureapi.cli;

import io.secureapi.config.ProjectConfig;
import io.secureapi.engine.CacheFlush;
import io.secureapi.engine.NamedKeys;
import io.secureapi.engine.Usage;
import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.DigestSecret;
import io.secureapi.keys.RouteScope;
import io.secureapi.pieces.LastUsed;
import io.secureapi.pieces.SecretVersions;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.support.AtomicFile;
import io.secureapi.support.Json;
import io.secureapi.support.Names;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        addMethodSubcommands = false,
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
        subcommands = {
            KeysCommand.Add.class,
            KeysCommand.List.class,
            KeysCommand.Scope.class,
            KeysCommand.Revoke.class,
            KeysControl.Disable.class,
            KeysControl.Enable.class,
            KeysControl.QuotaCommand.class,
            KeysControl.Enforce.class
        })
public class KeysCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine()
                .getErr()
                .println("error: keys needs a command: add, list, scope, revoke, disable, enable, quota or enforce");
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
            description = {
                "Add keys named NAME...: a new random key for each (shown once, or written to --key-out /",
                "--key-out-dir), or yours (one NAME). Several names are stored in one secret version: Secrets",
                "Manager keeps every version made in the last 24 hours (about 100 at most), so batch them.",
                ""
            },
            footer = {
                "",
                "Examples:",
                "  secure-api keys add partner-a                      # shown once",
                "  secure-api keys add partner-b --expires 2027-03-31 --key-out partner-b.key",
                "  secure-api keys add partner-c partner-d partner-e --key-out-dir keys/   # one version, one file each",
                "  secure-api keys add dev --key-stdin < dev.key      # Bubble's Development key value",
                "  secure-api keys add reports --routes 'GET /orders/*,GET /reports'   # only these routes"
            })
    public static class Add extends AwsCommand {
        @Parameters(
                index = "0",
                arity = "1..*",
                paramLabel = "NAME",
                description =
                        "The keys' names: 1-32 of a-z, 0-9 and -, e.g. partner-a; several go into one secret version.")
        java.util.List<String> names;

        @Mixin
        ApiIdOption api = new ApiIdOption();

        @Option(
                names = "--expires",
                paramLabel = "90d|DATE",
                description =
                        "When the keys stop working: a number of days from now (90d), or a date (2027-03-31: the end of that day, UTC). Default: never.")
        String expires;

        @Option(
                names = "--quota",
                paramLabel = "LIMIT/PERIOD",
                description =
                        "Requests per calendar day or month (UTC), e.g. 100000/month or 5000/day: usage shows the key against it, keys enforce disables it once over. Change it later with keys quota.")
        String quota;

        @Option(
                names = "--key-out-dir",
                paramLabel = "DIR",
                description =
                        "Write each new key to DIR/NAME.key (mode 0600) instead of printing it. Refuses to overwrite without --force.")
        Path keyOutDir;

        @Option(
                names = "--routes",
                paramLabel = "'METHOD /path,...'",
                description = {
                    "Limit the keys to these routes: METHOD (or ANY) and a path of the request, * as the whole",
                    "last segment matching one or more segments ('GET /orders/*,POST /orders'). Outside them the key",
                    "is refused (403). The first scoped key makes the authorizer cache per key, method and path",
                    "(see keys scope --help). Default: every route."
                })
        String routes;

        @Option(
                names = StagesPiece.FLAG,
                description =
                        "Allow deploying stages without AutoDeploy when the authorizer's identity sources change for --routes.")
        boolean deployStages;

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        @Mixin
        KeyOptions keys = new KeyOptions();

        @Override
        protected int run() {
            for (String n : names) DigestSecret.checkName(n, "NAME");
            Instant now = Instant.now();
            Instant expiry = NamedKeys.parseExpiry(expires, now);
            java.util.List<String> scope = routes == null ? null : RouteScope.parse(routes);
            io.secureapi.keys.Quota limit = quota == null ? null : io.secureapi.keys.Quota.parse(quota, "--quota");
            Optional<ApiKey> supplied = keys.suppliedKey(session());
            checkOutputs(supplied.isPresent());
            keys.checkKeyOut();
            String id = apiId();
            ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
            NamedKeys named = NamedKeys.read(id, settings().region(), cfg, aws(), progress());
            java.util.List<String> handedOver = supplied.isPresent()
                    ? java.util.List.of()
                    : names.stream().filter(this::recovered).toList();
            if (!handedOver.isEmpty()) {
                // the interrupted run's keys were just handed over (above, or into --key-out): the rerun it
                // suggested is done for them, not a second key of the same name
                String where = keys.keyOut != null && keys.recovered ? " (in " + keys.keyOut + ")" : " (shown above)";
                if (handedOver.size() == names.size()) {
                    if (json()) out().println(Json.pretty(doc(id, named, expiry, null, Map.of(), cfg)));
                    else
                        out().println(style().green("Done: key" + (names.size() == 1 ? " " : "s ")
                                + String.join(", ", names) + " " + (names.size() == 1 ? "was" : "were")
                                + " added by the interrupted run and " + (names.size() == 1 ? "is" : "are")
                                + " handed over" + where + "; nothing more to add."));
                    return 0;
                }
                err().println("Key" + (handedOver.size() == 1 ? " " : "s ") + String.join(", ", handedOver)
                        + ": added by the interrupted run and handed over" + where + "; adding the others.");
                names = new java.util.ArrayList<>(names);
                names.removeAll(handedOver);
            }
            named.checkAdd(names, supplied.orElse(null));
            if (scope != null) named.checkScopes(deployStages);
            if (dryRun.on) {
                if (json()) {
                    out().println(Json.pretty(doc(id, named, expiry, null, Map.of(), cfg)));
                } else {
                    out().println("Dry run: key" + (names.size() == 1 ? " " : "s ") + String.join(", ", names)
                            + " would be added to secret " + named.secretName() + " (one new version)"
                            + (expiry == null ? "" : ", expiring " + expiry)
                            + (scope == null ? "" : ", limited to " + String.join(", ", scope))
                            + ". Nothing was changed.");
                }
                return 0;
            }
            // the authorizer caches per method and path, and every stage serves that, before a scoped key exists
            if (scope != null) named.prepareScopes();
            Map<String, ApiKey> made = new LinkedHashMap<>();
            for (String n : names) made.put(n, supplied.orElseGet(() -> ApiKey.generate(n)));
            boolean generated = supplied.isEmpty();
            WriteAhead wa = null;
            if (generated) {
                // written ahead (<config>.pending) before AWS stores them: a run killed after the write hands them
                // over next time
                io.secureapi.config.ConfigFile.checkWritable(configPath());
                wa = writeAhead(id);
                for (Map.Entry<String, ApiKey> e : made.entrySet())
                    wa.beforeStore(e.getKey(), named.secretArn(), e.getValue());
            }
            String version;
            try {
                version = named.add(
                        made.entrySet().stream()
                                .map(e -> new NamedKeys.NewKey(e.getKey(), e.getValue(), expiry))
                                .toList(),
                        scope,
                        limit);
            } catch (SecretVersions.NotStored notStored) {
                // read back from the secret: none of these keys is accepted, so their records go
                if (wa != null) names.forEach(wa::notStored);
                throw notStored;
            }
            Instant writtenAt = Instant.now();
            // name -> the key as shown on stdout; absent: written to a file, or supplied
            Map<String, String> shown = new LinkedHashMap<>();
            if (generated) {
                names.forEach(wa::stored);
                if (keyOutDir != null) writeKeyOutDir(wa, made);
                else if (!writeKeyOut(wa, made)) made.forEach((n, k) -> shown.put(n, k.reveal()));
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
                if (!shown.isEmpty()) shownOnStdout(wa, shown.keySet());
                if (failed != null) throw failed;
                return 0;
            }
            out().println(style().green("Done: key" + (names.size() == 1 ? " " : "s ") + String.join(", ", names)
                    + " added to secret " + named.secretName() + " (version " + version + ")"
                    + (expiry == null
                            ? "."
                            : "; " + (names.size() == 1 ? "it stops" : "they stop") + " working at " + expiry + ".")));
            for (String n : names) {
                String value = shown.containsKey(n) ? shown.get(n) : "(" + writtenTo(n, supplied.isPresent()) + ")";
                String setting = io.secureapi.engine.KeyRotation.bubbleSetting(n);
                out().println();
                if (setting != null) {
                    out().println(style().bold(
                                    "Bubble API Connector: set (Authentication: Private key in header; Key name: "
                                            + header(cfg) + "):"));
                    out().printf("  %-22s  %s%n", setting + ":", value);
                } else {
                    out().println(style().bold("Give this to the consumer " + n + " (header " + header(cfg) + "):"));
                    out().println("  " + value);
                }
            }
            if (!shown.isEmpty()) {
                out().println();
                out().println(style().yellow((shown.size() == 1 ? "This key is" : "These keys are")
                        + " shown once; the secret keeps only digests."));
                shownOnStdout(wa, shown.keySet());
            }
            out().flush();
            CacheFlush.Result flushed = named.flush(writtenAt, rerun);
            out().println();
            printFlushed(out(), flushed, "no stage (the API has none)", named.unflushedWindowSeconds());
            out().println(names.size() == 1 ? "The key is accepted now." : "The keys are accepted now.");
            return 0;
        }

        /** Several names: no supplied key (each name needs its own), and --key-out-dir rather than --key-out. */
        private void checkOutputs(boolean supplied) {
            if (supplied && names.size() > 1) {
                throw ExitException.badInput(
                        "a supplied key (--key-file, --key-stdin) is for one name, and " + names.size()
                                + " are given; each name needs its own key",
                        "add one name with the supplied key, or omit the key option and secure-api generates one for each");
            }
            if (keyOutDir != null && keys.keyOut != null) {
                throw ExitException.badInput(
                        "--key-out and --key-out-dir both given",
                        "give --key-out-dir DIR: it writes DIR/NAME.key for each");
            }
            if (keys.keyOut != null && names.size() > 1) {
                throw ExitException.badInput(
                        "--key-out " + keys.keyOut + " takes one key, and " + names.size() + " names are given",
                        "write one file per key with --key-out-dir DIR (DIR/NAME.key, mode 0600)");
            }
            if (keyOutDir == null) return;
            if (supplied) {
                throw ExitException.badInput(
                        "--key-out-dir writes new keys, and the key is supplied", "leave out --key-out-dir");
            }
            if (!Files.isDirectory(keyOutDir)) {
                throw ExitException.badInput(
                        "--key-out-dir " + keyOutDir + " is not a folder", "create it first (mkdir " + keyOutDir + ")");
            }
            try {
                // writable: a file can be created there (checked for real; permissions alone do not tell, e.g. for
                // root)
                Files.delete(Files.createTempFile(keyOutDir, ".secure-api-key-check", ".tmp"));
            } catch (IOException | SecurityException e) {
                throw ExitException.badInput(
                        "--key-out-dir " + keyOutDir + " is not writable", "choose a writable folder");
            }
            for (String n : names) {
                Path f = keyFile(n);
                if (Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !keys.force) {
                    throw ExitException.badInput(
                            "--key-out-dir: " + f
                                    + " exists; secure-api does not overwrite key files; nothing was changed",
                            "pass --force to replace it, or choose another folder");
                }
            }
        }

        private Path keyFile(String name) {
            return keyOutDir.resolve(name + ".key");
        }

        /**
         * Writes each stored key to DIR/NAME.key (mode 0600 from its first byte, atomically). A file that
         * cannot be written is exit 1 after the keys not yet written are shown instead: they are stored.
         */
        private void writeKeyOutDir(WriteAhead wa, Map<String, ApiKey> made) {
            Map<String, ApiKey> left = new LinkedHashMap<>(made);
            for (Map.Entry<String, ApiKey> e : made.entrySet()) {
                Path f = keyFile(e.getKey());
                try {
                    AtomicFile.write(
                            f, (e.getValue().reveal() + "\n").getBytes(StandardCharsets.UTF_8), null, keys.force);
                } catch (IOException failed) {
                    handOverBeforeError(
                            wa,
                            left,
                            "The new keys could not all be written to " + keyOutDir
                                    + "; those not written are shown here instead, once:");
                    throw new ExitException(
                            ExitException.FAILED,
                            "cannot write the key to " + f + " (" + KeyOptions.reason(failed)
                                    + "); the keys are stored in Secrets Manager and those not written were "
                                    + (json() ? "put in this output (newKeys)" : "printed above") + " instead",
                            "save them now",
                            failed);
                }
                wa.shown(e.getKey());
                left.remove(e.getKey());
            }
        }

        private String writtenTo(String name, boolean supplied) {
            if (supplied) return "the key you supplied";
            return "written to " + (keyOutDir != null ? keyFile(name) : keys.keyOut);
        }

        @Override
        protected KeyOptions keyOptions() {
            return keys;
        }

        private Map<String, Object> doc(
                String id,
                NamedKeys named,
                Instant expiry,
                String version,
                Map<String, String> shown,
                ProjectConfig cfg) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("command", "keys add");
            d.put("schemaVersion", 1);
            d.put("apiId", id);
            d.put("region", settings().region());
            d.put("dryRun", dryRun.on);
            d.put("changed", version != null);
            d.put("secretName", named.secretName());
            if (names.size() == 1) d.put("name", names.get(0));
            d.put("names", names);
            d.put("expires", expiry == null ? null : expiry.toString());
            d.put(
                    "quota",
                    quota == null
                            ? null
                            : io.secureapi.keys.Quota.parse(quota, "--quota").toString());
            if (version == null) return d;
            d.put("versionId", version);
            boolean supplied = keys.keyFile != null || keys.keyStdin;
            java.util.List<Object> all = new ArrayList<>();
            for (String n : names) {
                Map<String, Object> key = new LinkedHashMap<>();
                key.put("name", n);
                key.put("value", shown.get(n));
                key.put(
                        "writtenTo",
                        shown.containsKey(n) || supplied
                                ? null
                                : (keyOutDir != null ? keyFile(n) : keys.keyOut).toString());
                key.put("supplied", supplied);
                key.put("header", header(cfg));
                key.put("bubbleSetting", io.secureapi.engine.KeyRotation.bubbleSetting(n));
                all.add(key);
            }
            // one name: "key" as before; any number: "keys", in the order given
            if (names.size() == 1) d.put("key", all.get(0));
            d.put("keys", all);
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
            // exact time of each key's last request, from the access logs when setup --access-logs turned them on
            Map<String, Instant> lastAt = Map.of();
            String lastAtUnknown = null;
            boolean accessLogs = cfg != null && cfg.accessLogs() != null;
            if (accessLogs && !noLastUsed) {
                Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
                try {
                    lastAt = Usage.lastSeen(
                            aws(),
                            settings().region(),
                            cfg.accessLogs().logGroups(),
                            new Usage.Window(now.minus(LastUsed.WINDOW), now),
                            progress());
                } catch (io.secureapi.error.ExitException e) {
                    lastAtUnknown = e.getMessage();
                }
            } else if (!accessLogs) {
                lastAtUnknown = "access logs are off (secure-api setup --access-logs)";
            } else {
                lastAtUnknown = "--no-last-used";
            }
            if (json()) {
                Map<String, Object> d = KeysControl.head(this, "keys list", id, named);
                java.util.List<Object> ks = new ArrayList<>();
                for (NamedKeys.Row r : rows) {
                    Map<String, Object> k = new LinkedHashMap<>();
                    k.put("name", r.name());
                    k.put("created", r.created() == null ? null : r.created().toString());
                    k.put("expires", r.expires() == null ? null : r.expires().toString());
                    k.put("status", r.status());
                    DigestSecret.Entry entry = named.digests().get(r.name());
                    k.put("state", NamedKeys.state(entry));
                    k.put(
                            "disabledBy",
                            entry.disabled() == null ? null : entry.disabled().by());
                    k.put(
                            "disabledAt",
                            entry.disabled() == null || entry.disabled().at() == null
                                    ? null
                                    : entry.disabled().at().toString());
                    k.put("quota", entry.quota() == null ? null : entry.quota().toString());
                    k.put("lastUsed", r.lastUsed());
                    Instant at = lastAt.get(r.name());
                    k.put("lastUsedAt", at == null ? null : at.toString());
                    k.put("routes", r.routes());
                    ks.add(k);
                }
                d.put("keys", ks);
                d.put("lastUsedWindowDays", LastUsed.WINDOW.toDays());
                d.put("lastUsedUnknownReason", used.unknown());
                d.put("lastUsedAtUnknownReason", lastAtUnknown);
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().bold(
                            "Keys of API " + id + " (" + settings().region() + "), secret " + named.secretName()));
            String fmt = "  %-32s  %-20s  %-20s  %-8s  %-8s  %s%n";
            out().printf(fmt, "NAME", "CREATED", "EXPIRES", "STATUS", "STATE", "LAST USED");
            for (NamedKeys.Row r : rows) {
                out().printf(
                                fmt,
                                r.name(),
                                r.created() == null ? "-" : r.created().toString(),
                                r.expires() == null ? "never" : r.expires().toString(),
                                r.status(),
                                NamedKeys.state(named.digests().get(r.name())),
                                r.lastUsed() == null ? "not in " + LastUsed.WINDOW.toDays() + " days" : r.lastUsed());
            }
            if (rows.isEmpty()) out().println("  (no keys: add one with " + next("keys add NAME") + ")");
            if (rows.stream().anyMatch(r -> r.routes() != null)) {
                out().println("Routes (keys not listed: every route):");
                for (NamedKeys.Row r : rows)
                    if (r.routes() != null) out().printf("  %-32s  %s%n", r.name(), String.join(", ", r.routes()));
            }
            if (used.unknown() != null) out().println("Last used is unknown: " + used.unknown());
            if (accessLogs && lastAtUnknown == null && !rows.isEmpty()) {
                out().println("Last request (access logs, " + LastUsed.WINDOW.toDays() + " days):");
                for (NamedKeys.Row r : rows) {
                    Instant at = lastAt.get(r.name());
                    out().printf("  %-32s  %s%n", r.name(), at == null ? "none" : at.toString());
                }
            } else if (accessLogs && lastAtUnknown != null && !noLastUsed) {
                out().println("Last request is unknown: " + lastAtUnknown);
            }
            return 0;
        }
    }

    @Command(
            name = "scope",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Limit key NAME to routes (--routes), or give it every route again (--all-routes). The key itself",
                "does not change (nothing to update in Bubble); the change is served within seconds through the",
                "same cache flush as keys add and revoke.",
                "",
                "A route is METHOD (or ANY) and the request's path; * as the whole last segment matches one or more",
                "segments: 'GET /orders/*' matches /orders/1 and /orders/1/lines, not /orders. A named stage's",
                "/<stage> prefix on the execute-api host is not part of the path. A scoped key is refused on paths",
                "with . or .. segments, // or an encoded / . \\ (%%2F %%2E %%5C).",
                "",
                "While any key is scoped, the authorizer caches per key, method and path (identity sources: the",
                "key header, $context.httpMethod, $context.path), so an allow for one path is never served for",
                "another. The first scope sets that: it updates the authorizer, deploys stages without AutoDeploy",
                "(needs " + StagesPiece.FLAG
                        + "), waits for AutoDeploy stages, resets the caches, then writes the key.",
                ""
            },
            footer = {
                "",
                "Examples:",
                "  secure-api keys scope partner-a --routes 'GET /orders/*,POST /orders'",
                "  secure-api keys scope partner-a --all-routes"
            })
    public static class Scope extends AwsCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The key to change (see secure-api keys list).")
        String name;

        @Mixin
        ApiIdOption api = new ApiIdOption();

        @picocli.CommandLine.ArgGroup(multiplicity = "1")
        Which which;

        static class Which {
            @Option(
                    names = "--routes",
                    paramLabel = "'METHOD /path,...'",
                    description = "The routes the key may call, e.g. 'GET /orders/*,POST /orders'.")
            String routes;

            @Option(names = "--all-routes", description = "Every route again (removes the scope).")
            boolean all;
        }

        @Option(
                names = StagesPiece.FLAG,
                description =
                        "Allow deploying stages without AutoDeploy when the authorizer's identity sources change.")
        boolean deployStages;

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        @Override
        protected int run() {
            DigestSecret.checkName(name, "NAME");
            java.util.List<String> scope = which.all ? null : RouteScope.parse(which.routes);
            String id = apiId();
            ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
            NamedKeys named = NamedKeys.read(id, settings().region(), cfg, aws(), progress());
            named.checkRevoke(name);
            if (scope != null) named.checkScopes(deployStages);
            String what = scope == null ? "every route" : String.join(", ", scope);
            if (dryRun.on) {
                if (json()) {
                    Map<String, Object> d = doc(id, named, scope);
                    d.put("dryRun", true);
                    out().println(Json.pretty(d));
                } else {
                    out().println("Dry run: key " + name + " of secret " + named.secretName() + " would be limited to "
                            + what + ". Nothing was changed.");
                }
                return 0;
            }
            if (scope != null) named.prepareScopes();
            named.scope(name, scope);
            Instant at = Instant.now();
            CacheFlush.Result flushed = named.flush(at, "run secure-api keys scope " + name + " again");
            if (json()) {
                Map<String, Object> d = doc(id, named, scope);
                putFlushed(d, flushed);
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().green(
                            "Done: key " + name + " of secret " + named.secretName() + " may call " + what + "."));
            printFlushed(out(), flushed, "no stage (the API has none)", named.unflushedWindowSeconds());
            return 0;
        }

        private Map<String, Object> doc(String id, NamedKeys named, java.util.List<String> scope) {
            Map<String, Object> d = KeysControl.head(this, "keys scope", id, named);
            d.put("name", name);
            d.put("routes", scope);
            return d;
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = {
                "Revoke keys NAME...: remove them from the secret (with a rotation's old key of each) in one new",
                "version, then empty the caches that may still accept them, so they are refused within seconds.",
                ""
            },
            footer = {
                "",
                "Asks you to type the names unless --yes is given; refuses without --yes when not on a terminal.",
                "",
                "Examples:",
                "  secure-api keys revoke partner-a --yes",
                "  secure-api keys revoke partner-b partner-c --yes   # one secret version"
            })
    public static class Revoke extends AwsCommand {
        @Parameters(
                index = "0",
                arity = "1..*",
                paramLabel = "NAME",
                description = "The keys to revoke (see secure-api keys list); several go in one secret version.")
        java.util.List<String> names;

        @Mixin
        ApiIdOption api = new ApiIdOption();

        @Option(names = "--yes", description = "Revoke without asking (for scripts and CI).")
        boolean yes;

        @Override
        protected int run() {
            for (String n : names) DigestSecret.checkName(n, "NAME");
            String id = apiId();
            ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
            NamedKeys named = NamedKeys.read(id, settings().region(), cfg, aws(), progress());
            String rerun = "run secure-api keys revoke " + String.join(" ", names) + " --yes again";
            if (names.stream().noneMatch(named::holds) && named.pendingFlush().isPresent())
                return completeFlush(id, named, rerun);
            named.checkRevoke(names);
            confirm(named);
            named.revoke(names);
            Instant revokedAt = Instant.now();
            String which = (names.size() == 1 ? "key " : "keys ") + String.join(", ", names);
            CacheFlush.Result flushed;
            try {
                flushed = named.flush(revokedAt, rerun);
            } catch (ExitException e) {
                err().println("note: " + which + (names.size() == 1 ? " is" : " are") + " removed from secret "
                        + named.secretName() + ", but the caches were not all emptied");
                throw e;
            }
            if (json()) {
                Map<String, Object> d = document(id, named);
                d.put("revokedAt", revokedAt.toString());
                putFlushed(d, flushed);
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().green("Done: " + which + (names.size() == 1 ? " is" : " are")
                    + " revoked (removed from secret " + named.secretName() + " at "
                    + revokedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")."));
            printFlushed(out(), flushed, "no stage (the API has none)", named.unflushedWindowSeconds());
            return 0;
        }

        /** The start of keys revoke's JSON document: which API, secret and keys. */
        private Map<String, Object> document(String id, NamedKeys named) {
            Map<String, Object> d = KeysControl.head(this, "keys revoke", id, named);
            if (names.size() == 1) d.put("name", names.get(0));
            d.put("names", names);
            return d;
        }

        /**
         * The key is gone already and an earlier run's flush is outstanding (the tag on the secret):
         * finish that flush instead of answering "no key named".
         */
        private int completeFlush(String id, NamedKeys named, String rerun) {
            String pending = named.pendingFlush().orElseThrow();
            err().println((names.size() == 1 ? "Key " : "Keys ") + String.join(", ", names)
                    + (names.size() == 1 ? " is" : " are") + " not in secret " + named.secretName()
                    + " any more; an earlier run left its cache flush unfinished (" + CacheFlush.PENDING_TAG + "="
                    + pending + "): completing it.");
            err().flush();
            CacheFlush.Result flushed = named.completePendingFlush(rerun);
            if (json()) {
                Map<String, Object> d = document(id, named);
                d.put("changed", false);
                d.put("completedPendingFlush", pending);
                putFlushed(d, flushed);
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().green("Done: the cache flush an earlier run left unfinished is complete; "
                    + (names.size() == 1 ? "key " : "keys ") + String.join(", ", names)
                    + (names.size() == 1 ? " was" : " were") + " already removed from secret " + named.secretName()
                    + "."));
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
            String typed = String.join(" ", names);
            err().print("Revoke " + (names.size() == 1 ? "key " : "keys ") + String.join(", ", names)
                    + " of secret " + named.secretName() + "? Clients using "
                    + (names.size() == 1 ? "it" : "them") + " are refused within seconds. Type " + typed
                    + " to confirm: ");
            err().flush();
            if (!session().readLine().strip().equals(typed)) {
                throw ExitException.badInput(
                        "confirmation does not match " + (names.size() == 1 ? "key name " : "key names ") + typed
                                + "; nothing was changed",
                        "run it again and type " + typed + ", or pass --yes");
            }
        }
    }
}
