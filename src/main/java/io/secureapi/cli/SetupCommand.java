package io.secureapi.cli;

import io.secureapi.config.ConfigFile;
import io.secureapi.config.ProjectConfig;
import io.secureapi.config.Target;
import io.secureapi.engine.Setup;
import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.SecretValue;
import io.secureapi.model.Plan;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Names;
import io.secureapi.support.Waits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "setup",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Protect an HTTP API with an API key, in one idempotent command.",
            "",
            "Reads the API, the secret, the function, the authorizer and the routes; prints a plan (one row per",
            "piece: create / update / ok); then applies only the difference. A second run changes nothing.",
            "Without --function it deploys the bundled authorizer (Node.js 24) with its own least-privilege role.",
            "A new key is shown once at the end, with the Bubble API Connector settings to paste.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  secure-api setup --api-id a1b2c3d4 --region eu-west-1 --dry-run",
            "  secure-api setup --api-id a1b2c3d4 --dev-key --key-out api-key.txt",
            "  secure-api setup --api-id a1b2c3d4 --deploy-stages",
            "  secure-api setup --access-logs                     # per-key usage: see secure-api usage --help",
            "  secure-api setup --api-id a1b2c3d4 --function my-authorizer --routes '$default,GET /items'",
            "  secure-api setup --api-id e5f6g7h8 --env prod      # a second API: its own entry in secure-api.json",
            "",
            "Writes secure-api.json (no key material): commit it so verify, rotate-key and teardown need no flags."
        })
public class SetupCommand extends AwsCommand {
    @Mixin
    ApiIdOption api = new ApiIdOption();

    @Option(
            names = "--function",
            paramLabel = "NAME|ARN",
            description =
                    "Use your existing authorizer function (one that compares a header with a plain-string key in the secret) instead of the bundled one.")
    String function;

    @Option(
            names = "--secret-name",
            paramLabel = "NAME",
            description = "Secrets Manager name (default: secure-api/<apiId>/api-key).")
    String secretName;

    @Option(
            names = "--authorizer-name",
            paramLabel = "NAME",
            description = "Authorizer name (default: secure-api-key).")
    String authorizerName;

    @Option(
            names = "--header",
            paramLabel = "NAME",
            description = "Header that carries the key (default: Authorization).")
    String header;

    @Option(
            names = "--cache-ttl",
            paramLabel = "SECONDS",
            description = "How long API Gateway caches an authorizer answer, 0..3600 (default: 300).")
    Integer cacheTtl;

    @Option(
            names = "--routes",
            paramLabel = "all|KEY,KEY…",
            description = "Routes to protect (default all: every route but OPTIONS ones, which serve CORS preflight).")
    String routes;

    @Option(
            names = "--replace-authorizer",
            description = "Put our authorizer on routes that use another one (e.g. Cognito JWT).")
    boolean replaceAuthorizer;

    @Option(names = "--dev-key", description = "Also make a development key (bundled function only).")
    boolean devKey;

    @Option(
            names = "--deploy-stages",
            description =
                    "Deploy each stage without AutoDeploy that needs it to serve the protection, as the last step "
                            + "(a deployment also releases any other undeployed change). Without it, setup refuses when one does.")
    boolean deployStages;

    @Option(
            names = "--forward-key-name",
            paramLabel = "HEADER",
            description =
                    "Also tell the backend which key called: every integration sets HEADER to the key's name (a client-sent HEADER is overwritten).")
    String forwardKeyName;

    @Option(
            names = "--log-retention-days",
            paramLabel = "DAYS",
            description =
                    "Retention of the bundled authorizer's log group, where keys list finds last use (default: 90, or the group's own).")
    Integer logRetentionDays;

    @Option(
            names = "--access-logs",
            description =
                    "Turn on each stage's access logs (JSON lines with the key's name) to a log group secure-api owns, "
                            + "so secure-api usage can count requests per key. A stage that already logs keeps its own "
                            + "settings. Teardown puts back what each stage had.")
    boolean accessLogs;

    @Mixin
    DryRunOption dryRun = new DryRunOption();

    @Option(
            names = "--no-new-key",
            description = "Exit 2, changing nothing, when setup would have to generate a key "
                    + "(for hooks and CI, whose output lands in build logs).")
    boolean noNewKey;

    @Mixin
    KeyOptions keys = new KeyOptions();

    /**
     * setup creates entry --env (default: default) or updates it when it holds the same API; an
     * entry holding another API is never replaced, and one API never gets two entries.
     */
    @Override
    protected Optional<String> resolveEntry(ConfigFile f, String env, String apiIdFlag) {
        if (env != null) checkEnvName(env);
        String name = env != null ? env : ConfigFile.DEFAULT_ENV;
        if (f == null) return Optional.of(name);
        Optional<String> holder = apiIdFlag == null ? Optional.empty() : f.nameOf(apiIdFlag);
        if (env == null) {
            if (holder.isPresent()) return holder;
            if (apiIdFlag == null
                    && f.entry(ConfigFile.DEFAULT_ENV).isEmpty()
                    && !f.entries().isEmpty()) return f.resolve(null);
        }
        if (holder.isPresent() && !holder.get().equals(name)) {
            throw ExitException.badInput(
                    "API " + apiIdFlag + " is already entry " + holder.get() + " of " + configPath()
                            + "; one API has one entry",
                    "run secure-api setup --env " + holder.get() + " to update it");
        }
        Optional<ProjectConfig> existing = f.entry(name);
        if (existing.isPresent() && apiIdFlag != null && !existing.get().apiId().equals(apiIdFlag)) {
            throw ExitException.badInput(
                    "entry " + name + " of " + configPath() + " holds API "
                            + existing.get().apiId() + ", not " + apiIdFlag
                            + "; setup never replaces another API's entry",
                    "pass --env NAME to add API " + apiIdFlag
                            + " as another entry (e.g. --env prod), or --config for another file");
        }
        return Optional.of(name);
    }

    @Override
    protected int run() {
        Target target = target();
        keys.checkKeyOut();
        java.util.concurrent.atomic.LongAdder waited = Waits.start();
        long t0 = System.nanoTime();
        Setup setup = Setup.read(
                target,
                Setup.options(deployStages, logRetentionDays, forwardKeyName, accessLogs),
                aws(),
                progress(),
                config().orElse(null));
        long t1 = System.nanoTime();
        Plan plan = setup.plan();
        fileAgreesWithAws(setup.wiring());
        long t2 = System.nanoTime();
        try {
            return applyPlanned(target, setup, plan);
        } finally {
            if (output().verbose) phases(t1 - t0, t2 - t1, System.nanoTime() - t2, waited.sum());
        }
    }

    /**
     * --verbose: where the time went. read: every read before the plan (concurrent chains); plan:
     * offline; apply: the writes, their read-backs and the config; wait: the part of read and apply
     * spent waiting on AWS (bounded backoff, Lambda's waiters).
     */
    private void phases(long read, long plan, long apply, long wait) {
        err().printf(
                        java.util.Locale.ROOT,
                        "secure-api: phases: read %.2f s, plan %.2f s, apply %.2f s, wait %.2f s (inside read and apply)%n",
                        read / 1e9,
                        plan / 1e9,
                        apply / 1e9,
                        wait / 1e9);
    }

    private int applyPlanned(Target target, Setup setup, Plan plan) {
        if (noNewKey) refuseNewKey(plan, target);
        printPlan("Plan for API " + target.apiId() + " (" + target.region() + ")", plan, dryRun.on);
        warnPublicCatchAll(setup.wiring());
        io.secureapi.pieces.FunctionPiece.blockedUpdate(
                        setup.wiring(), plan.changes(), java.time.LocalDate.now(java.time.ZoneOffset.UTC))
                .ifPresent(w -> {
                    err().println("warning: " + w);
                    err().flush();
                });
        if (dryRun.on) {
            if (json()) printJson(setup, plan, false, null);
            else
                out().println(
                                plan.isEmpty()
                                        ? "Nothing to change."
                                        : dryRunNote(plan, StagesPiece.needingFlag(setup.wiring(), plan.changes())));
            return 0;
        }
        // before the first AWS write: the config and the write-ahead of the key must be writable; with nothing
        // to change and the config up to date nothing is written, so a read-only checkout (the Amplify hook) works
        if (!plan.isEmpty() || configDiffers(setup.config())) ConfigFile.checkWritable(configPath());
        // a .gitignore is written only by a run about to write a key file (a rerun or the hook's --no-new-key writes
        // none)
        writeAhead = writeAhead(
                target.apiId(),
                target.suppliedKey().isPresent()
                        || plan.changes().stream().anyMatch(io.secureapi.pieces.SecretPiece::mayGenerateKey));
        setup.wiring().handOverTo(writeAhead);
        if (!plan.isEmpty()) {
            applying = setup;
            try {
                setup.apply(plan, progress(), this::writeConfig);
            } catch (ExitException e) {
                deliverKeysOnFailure(setup.wiring());
                recordPartialConfig(setup);
                throw e;
            }
        }
        boolean configChanged;
        try {
            configChanged = writeConfig(setup.config());
        } catch (ExitException e) {
            deliverKeysOnFailure(setup.wiring());
            throw e;
        }
        List<String> keyLines = deliverKeys(setup.wiring());
        java.util.Set<String> shownNames = keyLines.isEmpty()
                ? java.util.Set.of()
                : storedKeys(setup.wiring()).keySet();
        if (json()) {
            printJson(setup, plan, true, keyLines);
        } else {
            out().println(
                            plan.isEmpty()
                                    ? style().green("Nothing to change: API " + target.apiId()
                                            + " is already protected (no writes made).")
                                    : style().green("Done: " + changes(plan) + " applied."));
            printBubble(setup.wiring(), keyLines);
            out().println();
            out().println((configChanged
                            ? "Wrote " + configPath() + " (no key material; commit it)."
                            : configPath() + " is up to date.")
                    + " Check it any time with: " + next("verify"));
        }
        shownOnStdout(writeAhead, shownNames);
        return 0;
    }

    private Target target() {
        Optional<ProjectConfig> cfg = config();
        String id = apiId();
        Optional<ProjectConfig> same = cfg.filter(ProjectConfig.forApi(id));
        String region = settings().region();
        Optional<String> fn = Optional.ofNullable(function)
                .or(() -> same.filter(c -> !c.functionManaged()).map(ProjectConfig::functionArn));
        if (fn.isPresent() && fn.get().isBlank())
            throw ExitException.badInput("--function is empty", "give a function name or ARN");
        if (devKey && fn.isPresent()) {
            throw ExitException.badInput(
                    "--dev-key works with the bundled authorizer only: your function reads a plain-string key",
                    "omit --function to deploy the bundled authorizer, or omit --dev-key");
        }
        String secret = Optional.ofNullable(secretName)
                .or(() -> same.map(ProjectConfig::secretName))
                .orElse(Names.defaultSecretName(id));
        checkSecretName(secret);
        String authorizer = Optional.ofNullable(authorizerName)
                .or(() -> same.map(ProjectConfig::authorizerName))
                .orElse(Names.DEFAULT_AUTHORIZER_NAME);
        if (authorizer.isBlank() || authorizer.length() > 128) {
            throw ExitException.badInput(
                    "--authorizer-name must be 1 to 128 characters", "e.g. --authorizer-name secure-api-key");
        }
        String hdr = Optional.ofNullable(header)
                .or(() -> same.map(ProjectConfig::header))
                .orElse(Names.DEFAULT_HEADER);
        if (!hdr.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            throw ExitException.badInput(
                    "--header \"" + hdr + "\" is not a valid HTTP header name",
                    "e.g. --header Authorization or --header X-Api-Key");
        }
        int ttl = Optional.ofNullable(cacheTtl)
                .or(() -> same.map(ProjectConfig::cacheTtl))
                .orElse(Names.DEFAULT_CACHE_TTL);
        if (ttl < 0 || ttl > 3600) {
            throw ExitException.badInput(
                    "--cache-ttl " + ttl + " is out of range", "give 0 to 3600 seconds (API Gateway's limit)");
        }
        Optional<List<String>> routeKeys = Optional.empty();
        if (routes != null && !routes.isBlank() && !routes.strip().equalsIgnoreCase("all")) {
            List<String> list = new ArrayList<>();
            Arrays.stream(routes.split(",", -1)).map(String::strip).forEach(list::add);
            if (list.contains("")) {
                // what a shell leaves of "$default" (unquoted or in double quotes): that route would silently stay
                // public
                throw ExitException.badInput(
                        "--routes \"" + routes + "\" has an empty entry; nothing was changed",
                        "a shell turns $default into nothing unless it is in single quotes: --routes '$default,GET /items'");
            }
            if (list.isEmpty())
                throw ExitException.badInput(
                        "--routes names no route", "e.g. --routes '$default,GET /items' or --routes all");
            routeKeys = Optional.of(list);
        } else if (routes != null && routes.isBlank()) {
            throw ExitException.badInput("--routes is empty", "e.g. --routes '$default,GET /items' or --routes all");
        }
        if (logRetentionDays != null) {
            if (fn.isPresent())
                throw ExitException.badInput(
                        "--log-retention-days is for the bundled authorizer's logs", "omit it with --function");
            io.secureapi.pieces.LogGroupPiece.checkRetention(logRetentionDays);
        }
        if (forwardKeyName != null) io.secureapi.pieces.KeyNameForwardingPiece.checkHeader(forwardKeyName, hdr);
        Optional<ApiKey> key = keys.suppliedKey(session());
        // without --routes, routes an earlier --routes left out stay out (a teammate's plain rerun must not open them
        // up)
        List<String> excluded =
                routes == null ? same.map(ProjectConfig::excludedRoutes).orElse(List.of()) : List.of();
        return Target.builder(id, region)
                .function(fn.orElse(null))
                .secretName(secret)
                .authorizerName(authorizer)
                .header(hdr)
                .cacheTtl(ttl)
                .routes(routeKeys.orElse(null))
                .replaceAuthorizer(replaceAuthorizer)
                .devKey(devKey)
                .suppliedKey(key.orElse(null))
                .excludedRoutes(excluded)
                .build();
    }

    /** A catch-all route left public answers every path without a key: say so, with the option verify will need. */
    private void warnPublicCatchAll(Wiring w) {
        for (String key : io.secureapi.pieces.RoutesPiece.publicCatchAlls(w)) {
            err().println("warning: catch-all route \"" + key + "\" of API " + w.apiId()
                    + " stays public: it answers every path no other"
                    + " route matches, without a key; verify fails routes.protected unless you pass: --allow-public '"
                    + key + "'");
        }
        err().flush();
    }

    /**
     * secure-api.json is input, not authority: a value taken from the file (no flag gave it) that
     * differs from what AWS has is exit 2 naming both, before any write — else a pull request that
     * edits only the file would re-point the protection (the Amplify hook applies it). The same
     * value given as a flag is the user's choice and accepted; where AWS has none yet, the file's
     * value is used.
     */
    private void fileAgreesWithAws(io.secureapi.pieces.Wiring w) {
        Optional<ProjectConfig> file = config().filter(ProjectConfig.forApi(w.apiId()))
                .filter(c -> entryName().isPresent());
        if (file.isEmpty()) return;
        ProjectConfig c = file.get();
        String where = configPath() + " (entry " + entryName().get() + ")";
        Optional<String> called =
                w.ourAuthorizer().flatMap(a -> io.secureapi.support.Arns.functionOfAuthorizerUri(a.uri()));
        if (function == null && !c.functionManaged() && c.functionArn() != null && called.isPresent()) {
            String fileFn = io.secureapi.pieces.Wiring.nameOf(c.functionArn());
            String awsFn = io.secureapi.pieces.Wiring.nameOf(called.get());
            if (!fileFn.equals(awsFn)) {
                throw differs(
                        where, "functionArn", c.functionArn(), "the authorizer calls " + called.get(), "--function");
            }
        }
        String awsSecret =
                w.function().map(f -> f.env().get(Names.ENV_SECRET_ARN)).orElse(null);
        if (secretName == null && c.secretName() != null && awsSecret != null && awsSecret.startsWith("arn:")) {
            String awsName = io.secureapi.support.Arns.parse(awsSecret)
                    .map(p -> p.resource().replaceFirst("^secret:", "").replaceFirst("-[A-Za-z0-9]{6}$", ""))
                    .orElse(awsSecret);
            if (!awsName.equals(c.secretName())) {
                throw differs(
                        where,
                        "secretName",
                        c.secretName(),
                        "function " + w.functionName() + " reads secret " + awsName,
                        "--secret-name");
            }
        }
        if (routes == null && !c.excludedRoutes().isEmpty()) {
            Optional<String> ours = w.ourAuthorizer().map(io.secureapi.model.State.Authorizer::id);
            for (io.secureapi.model.State.Route r : w.routes()) {
                if (c.excludedRoutes().contains(r.key())
                        && ours.isPresent()
                        && ours.get().equals(r.authorizerId())) {
                    throw differs(
                            where,
                            "excludedRoutes",
                            "leaves \"" + r.key() + "\" public",
                            "route " + r.key() + " is protected by secure-api's authorizer",
                            "--routes");
                }
            }
        }
        if (forwardKeyName == null && c.forwardKeyName() != null) {
            java.util.Set<String> mapped = new java.util.TreeSet<>();
            for (io.secureapi.pieces.KeyNameForwardingPiece.Integration i : w.integrations()) {
                i.requestParameters().forEach((k, v) -> {
                    if (io.secureapi.pieces.KeyNameForwardingPiece.VALUE.equals(v) && k.startsWith("overwrite:header."))
                        mapped.add(k.substring("overwrite:header.".length()));
                });
            }
            if (!mapped.isEmpty() && mapped.stream().noneMatch(h -> h.equalsIgnoreCase(c.forwardKeyName()))) {
                throw differs(
                        where,
                        "forwardKeyName",
                        c.forwardKeyName(),
                        "the integrations forward the key name as " + String.join(", ", mapped),
                        "--forward-key-name");
            }
        }
    }

    private ExitException differs(String where, String field, String fileValue, String aws, String flag) {
        return ExitException.badInput(
                where + " says " + field + " " + fileValue + ", but on AWS " + aws
                        + "; a value from the file never changes what AWS has, so nothing was changed",
                "if the change is meant, pass it as " + flag + " (a reviewed command, not a file edit); else restore "
                        + field + " in " + configPath());
    }

    /** --no-new-key: a key setup would generate (new secret, or one without a current key) would end up in a build log. */
    private void refuseNewKey(Plan plan, Target target) {
        for (io.secureapi.model.Change c : plan.changes()) {
            if (!io.secureapi.pieces.SecretPiece.mayGenerateKey(c)) continue;
            throw ExitException.badInput(
                    "setup would generate a new key for API " + target.apiId() + " (" + target.region() + "): "
                            + "secret " + target.secretName() + ": " + c.detail() + "; --no-new-key forbids it",
                    "run secure-api setup" + " --api-id " + target.apiId()
                            + " yourself (it shows the key once), or pass the key with --key-file");
        }
    }

    /** The setup being applied: a signal records its config (with the routes' earlier authorization) before exiting. */
    private volatile Setup applying;

    @Override
    protected void onInterrupt() {
        Setup s = applying;
        if (s == null) return;
        if (recordPartialConfig(s)) {
            err().println(
                            "interrupted: wrote " + configPath()
                                    + " with what this run changed and each route's earlier authorization; run the same command again to finish");
            err().flush();
        }
    }

    /**
     * After a failed step, the routes already switched must keep their pre-setup authorization on
     * record, or the rerun would see them as ours and teardown would make them public.
     */
    private boolean recordPartialConfig(Setup setup) {
        try {
            writeConfig(setup.config());
            return true;
        } catch (RuntimeException notYet) {
            // nothing to record before the function exists; the rerun starts from scratch
            return false;
        }
    }

    /**
     * Sets this command's entry and writes the file when anything changed (or it is in the
     * single-API form, or marked torn down); other entries and unknown fields stay as they are.
     */
    private boolean writeConfig(ProjectConfig cfg) {
        boolean changed = configDiffers(cfg);
        Optional<ConfigFile> file = configFile();
        String name = entryNameOrDefault();
        if (changed)
            file.orElseGet(() -> ConfigFile.empty(configPath()))
                    .with(name, cfg, TORN_DOWN, TeardownCommand.KEPT_SECRET)
                    .write();
        return changed;
    }

    /** Whether the file lacks {@code cfg} as this command's entry (or is in the single-API form, or marked torn down). */
    private boolean configDiffers(ProjectConfig cfg) {
        String name = entryNameOrDefault();
        Optional<ConfigFile> file = configFile();
        Optional<Map<String, Object>> raw = file.flatMap(f -> f.rawEntry(name));
        return file.isEmpty()
                || file.get().legacy()
                || !config().equals(Optional.of(cfg))
                || raw.map(r -> r.containsKey(TORN_DOWN) || r.containsKey(TeardownCommand.KEPT_SECRET))
                        .orElse(true);
    }

    static final String TORN_DOWN = ProjectConfig.TORN_DOWN;

    /** Whether entry {@code name} was torn down (verify --all and scan skip it). */
    static boolean tornDown(ConfigFile file, String name) {
        return file.rawEntry(name).map(r -> r.containsKey(TORN_DOWN)).orElse(false);
    }

    @Override
    protected boolean noKeyOutput() {
        // --no-new-key is what CI runs: its output lands in a build log
        return noNewKey || super.noKeyOutput();
    }

    /** The write-ahead of this run's new keys. */
    private WriteAhead writeAhead;

    @Override
    protected KeyOptions keyOptions() {
        return keys;
    }

    /** New keys AWS now holds, by name (live, dev). */
    private Map<String, ApiKey> storedKeys(Wiring w) {
        Map<String, ApiKey> out = new LinkedHashMap<>();
        w.newLiveKey().filter(k -> writeAhead.isStored(SecretValue.LIVE)).ifPresent(k -> out.put(SecretValue.LIVE, k));
        w.newDevKey().filter(k -> writeAhead.isStored(SecretValue.DEV)).ifPresent(k -> out.put(SecretValue.DEV, k));
        return out;
    }

    /** Writes new keys to --key-out, or returns them to be shown once. Empty when no key is new. */
    private List<String> deliverKeys(Wiring w) {
        Map<String, ApiKey> stored = storedKeys(w);
        if (writeKeyOut(writeAhead, stored)) return List.of();
        return stored.values().stream().map(ApiKey::reveal).toList();
    }

    /**
     * A later step failed after a new key was stored: the rerun will find the secret and keep its
     * key, so this is the moment to hand it over (the write-ahead covers a run that dies here).
     */
    private void deliverKeysOnFailure(Wiring w) {
        if (writeAhead == null) return;
        Map<String, ApiKey> stored = storedKeys(w);
        if (stored.isEmpty()) return;
        if (writeKeyOut(writeAhead, stored)) {
            err().println("note: the new key was stored in Secrets Manager and written to " + keys.keyOut
                    + " before the failure below");
            return;
        }
        handOverBeforeError(
                writeAhead,
                stored,
                "Setup stopped after storing a new key in Secrets Manager (" + w.target.secretName()
                        + "). It is shown once, now; the rerun keeps it:");
    }

    private void printBubble(Wiring w, List<String> shown) {
        String keyValue = w.newLiveKey()
                .map(k -> shown.isEmpty() ? "(written to " + keys.keyOut + ")" : k.reveal())
                .orElse(
                        w.target.suppliedKey().isPresent()
                                ? "(the key you supplied)"
                                : "(unchanged: the key shown when it was created; `secure-api rotate-key` makes a new one)");
        out().println();
        out().println(style().bold("Bubble API Connector settings (paste these):"));
        out().println("  Authentication:         Private key in header");
        out().println("  Key name:               " + w.target.header());
        out().println("  Key value:              " + keyValue);
        if (w.target.devKey()) {
            String dev = w.newDevKey()
                    .map(k -> shown.isEmpty()
                            // the file holds the new keys in order: live first, when there is a new one
                            ? "(written to " + keys.keyOut + (w.newLiveKey().isPresent() ? ", line 2)" : ")")
                            : k.reveal())
                    .orElse("(unchanged)");
            out().println("  Development key value:  " + dev);
        }
        if (w.api() != null) {
            List<StagesPiece.Url> urls = StagesPiece.urls(w);
            if (urls.size() == 1)
                out().println("  API URL:                " + urls.get(0).url());
            for (StagesPiece.Url u : urls.size() == 1 ? List.<StagesPiece.Url>of() : urls) {
                String label = "API URL (stage " + u.stage() + "):";
                out().println("  " + label + " ".repeat(Math.max(1, 24 - label.length())) + u.url());
            }
        }
        if (!shown.isEmpty()) {
            out().println();
            out().println(style().yellow("This key is shown once and stored only in Secrets Manager ("
                    + w.target.secretName() + ")."));
        }
    }

    private void printJson(Setup setup, Plan plan, boolean applied, List<String> shown) {
        Wiring w = setup.wiring();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "setup");
        doc.put("apiId", w.apiId());
        doc.put("region", w.region());
        doc.put("dryRun", dryRun.on);
        doc.put("changed", applied && !plan.isEmpty());
        doc.put("plan", plan.toJson());
        if (!applied) doc.put("needsDeployStages", StagesPiece.needingFlag(w, plan.changes()));
        if (applied) {
            doc.put("config", setup.config().toJson());
            Map<String, Object> bubble = new LinkedHashMap<>();
            bubble.put("authentication", "Private key in header");
            bubble.put("keyName", w.target.header());
            bubble.put(
                    "keyValue",
                    w.newLiveKey().isPresent() && !shown.isEmpty()
                            ? w.newLiveKey().get().reveal()
                            : null);
            if (w.target.devKey()) {
                bubble.put(
                        "developmentKeyValue",
                        w.newDevKey().isPresent() && !shown.isEmpty()
                                ? w.newDevKey().get().reveal()
                                : null);
            }
            if (w.api() != null) {
                List<Object> urls = new ArrayList<>();
                StagesPiece.urls(w)
                        .forEach(u -> urls.add(new LinkedHashMap<>(Map.of("stage", u.stage(), "url", u.url()))));
                bubble.put("apiUrls", urls);
            }
            bubble.put(
                    "keyWrittenTo", keys.keyOut != null && w.newLiveKey().isPresent() ? keys.keyOut.toString() : null);
            doc.put("bubble", bubble);
        }
        out().println(io.secureapi.support.Json.pretty(doc));
    }
}
