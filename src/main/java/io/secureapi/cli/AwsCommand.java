package io.secureapi.cli;

import io.secureapi.aws.AwsClients;
import io.secureapi.aws.AwsSettings;
import io.secureapi.config.ConfigFile;
import io.secureapi.config.ProjectConfig;
import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.PendingKeys;
import io.secureapi.support.Json;
import io.secureapi.support.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of the commands that talk to AWS: resolves where, builds the clients lazily, closes
 * them, and with --verbose ends with one summary line of AWS calls and elapsed time.
 */
// No command here has methods as subcommands: without this, picocli reads the annotations of every
// method of each command class and its bases at every start (speed.md, "Setup, round 6").
@Command(addMethodSubcommands = false)
public abstract class AwsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private SecureApi root;

    private AwsClients clients;
    private AwsSettings settings;
    /** Read once: {@code configFile} null when there is no file, {@code entry} null when no entry applies. */
    private boolean configRead;

    private ConfigFile configFile;
    private boolean entryResolved;
    private String entry;

    /**
     * Whether this command hands over a key an earlier run stored but never showed: the commands
     * about one API's keys do; those about many APIs (scan, verify --all) or none (amplify-hook) do
     * not, since they have no one config entry to recover for.
     */
    protected boolean recoversKeys() {
        return true;
    }

    /** Whether --output junit makes sense (verify only). */
    protected boolean acceptsJunit() {
        return false;
    }

    /** Whether --output markdown makes sense (usage, verify, scan). */
    protected boolean acceptsMarkdown() {
        return false;
    }

    /** The command stops with an error (before it is reported): verify still writes its --report. */
    protected void onError(ExitException e) {}

    /** The command's work; returns the exit code. */
    protected abstract int run();

    @Override
    public final Integer call() {
        long start = System.nanoTime();
        if (output().output == OutputOptions.Format.junit && !acceptsJunit()) {
            throw ExitException.badInput(
                    "--output junit is for verify and scan only", "use --output text or --output json");
        }
        if (output().output == OutputOptions.Format.markdown && !acceptsMarkdown()) {
            throw ExitException.badInput(
                    "--output markdown is for usage, verify and scan only", "use --output text or --output json");
        }
        // SIGINT/SIGTERM: a key AWS holds and nobody has seen is handed over; the JVM then exits 130/143
        Thread hook = new Thread(this::handOverOnSignal, "secure-api-handover");
        boolean hooked = false;
        try {
            Runtime.getRuntime().addShutdownHook(hook);
            hooked = true;
        } catch (IllegalStateException shuttingDown) {
            // already on the way out
        }
        try {
            if (recoversKeys()) recoverPending();
            int code = run();
            printJsonDocument();
            return code;
        } catch (ExitException e) {
            onError(e);
            String hint = NextStep.complete(e.hint(), selection());
            if (hint == null || hint.equals(e.hint())) throw e;
            throw new ExitException(e.exitCode(), e.getMessage(), hint, e.getCause());
        } finally {
            if (hooked) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs (or ran) anyway
                }
            }
            if (clients != null) {
                if (output().verbose) {
                    int reads = clients.counter().reads();
                    int writes = clients.counter().writes();
                    err().printf(
                                    "secure-api: %d AWS calls (%d read%s, %d write%s) in %.2f s%n",
                                    reads + writes,
                                    reads,
                                    reads == 1 ? "" : "s",
                                    writes,
                                    writes == 1 ? "" : "s",
                                    (System.nanoTime() - start) / 1e9);
                }
                clients.close();
            }
            session().out().flush();
            err().flush();
        }
    }

    /**
     * What this run was pointed at, to be carried by every next step it prints: the entry (when --env
     * named it or the file has several), else --api-id as given, and --config when it is not the default.
     */
    NextStep.Selection selection() {
        String config = configPath() == null || configPath().equals(Path.of(ProjectConfig.DEFAULT_FILE))
                ? null
                : configPath().toString();
        String env = null;
        try {
            Optional<String> name = entryName();
            boolean several = configFile().map(f -> f.entries().size() > 1).orElse(false);
            if (name.isPresent() && (envOption().isPresent() || several)) env = name.get();
        } catch (ExitException unresolved) {
            // the selection itself is what went wrong: a next step must not repeat it
        }
        return new NextStep.Selection(
                env,
                apiIdOption(),
                config,
                NextStep.invocation(
                        session().env().get("SECURE_API_LAUNCHER"),
                        session().env().get("PATH"),
                        Path.of("")));
    }

    /** A next step to print: "secure-api COMMAND…" with this run's selection ({@link NextStep}). */
    protected String next(String command) {
        return NextStep.command(selection(), command);
    }

    /** {@code text} with this run's selection added to each secure-api command line it names. */
    protected String withSelection(String text) {
        return NextStep.complete(text, selection());
    }

    /** The top command, also for commands nested one level deeper (keys add). */
    SecureApi root() {
        if (root == null) {
            for (CommandSpec c = spec; c != null; c = c.parent()) {
                if (c.userObject() instanceof SecureApi s) root = s;
            }
        }
        return root;
    }

    // --- handing keys over: the write-ahead (.pending), recovery, one JSON document, signals ---

    private PendingKeys pending;
    private final List<WriteAhead> writeAheads = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> recoveredKeys = new ArrayList<>();
    private final List<Map<String, Object>> errorKeys = new ArrayList<>();
    private final List<Runnable> forgetAfterDocument = new ArrayList<>();
    private final List<Runnable> forgetAfterErrorDocument = new ArrayList<>();
    private final List<Runnable> forgetAfterAnyDocument = new ArrayList<>();
    private StringWriter jsonBuffer;
    private PrintWriter jsonOut;

    private String commandName() {
        return spec == null ? "secure-api" : qualifiedName(spec);
    }

    /** "keys list", "setup": the command as typed after secure-api. */
    static String qualifiedName(CommandSpec spec) {
        String q = spec.qualifiedName();
        int space = q.indexOf(' ');
        return space < 0 ? q : q.substring(space + 1);
    }

    /** The write-ahead file next to the config. */
    protected PendingKeys pending() {
        if (pending == null) pending = PendingKeys.forConfig(configPath());
        return pending;
    }

    /** The write-ahead for the keys this run makes for {@code apiId}, recorded under this command's entry. */
    protected WriteAhead writeAhead(String apiId) {
        return writeAhead(apiId, true);
    }

    /** {@code keysComing}: this run is about to make or store a key (so the .pending file, maybe --key-out). */
    protected WriteAhead writeAhead(String apiId, boolean keysComing) {
        if (keysComing) {
            // about to create the write-ahead (and maybe --key-out): both stay out of git
            ignoreInRepository(pending().file(), pending().tempPrefix(), true, "new API keys not yet shown");
            KeyOptions k = keyOptions();
            if (k != null && k.keyOut != null) ignoreKeyFile(k.keyOut);
        }
        WriteAhead w = new WriteAhead(
                pending(), entryNameOrDefault(), apiId, settings().region());
        writeAheads.add(w);
        return w;
    }

    /**
     * A key file this command is about to write (--key-out, --key-out-dir's files): when it lies inside a
     * git work tree, its .gitignore gets an entry for it (best effort; a warning when it cannot).
     */
    protected void ignoreKeyFile(Path keyFile) {
        ignoreInRepository(keyFile, null, false, "an API key file");
    }

    private void ignoreInRepository(Path file, String tempPrefix, boolean outsideGit, String why) {
        io.secureapi.support.GitIgnore.ignore(file, tempPrefix, outsideGit, why).ifPresent(w -> {
            err().println("warning: " + w);
            err().flush();
        });
    }

    /**
     * Whether recovered keys must stay out of this run's output (they stay in the 0600 .pending file):
     * SECURE_API_NO_KEY_OUTPUT=1 (the Amplify hook sets it), or a flag of the command (setup --no-new-key).
     */
    protected boolean noKeyOutput() {
        return "1"
                .equals(session()
                        .env()
                        .getOrDefault(AmplifyHookCommand.KEY_OUTPUT_OFF, "")
                        .strip());
    }

    /** Where a recovered key goes when the command has --key-out (setup, rotate-key). */
    protected KeyOptions keyOptions() {
        return null;
    }

    /** Keys were printed on stdout: their records go once the output is out (text: now; json: after the document). */
    protected void shownOnStdout(WriteAhead wa, Collection<String> keyNames) {
        List<String> names = List.copyOf(keyNames);
        if (names.isEmpty()) return;
        if (json()) {
            forgetAfterDocument.add(() -> names.forEach(wa::shown));
        } else {
            out().flush();
            names.forEach(wa::shown);
        }
    }

    /**
     * A run that ends in an error after AWS stored new keys: text prints them now (the rerun keeps
     * them and would not show them); json puts them into the one error document under "newKeys".
     */
    protected void handOverBeforeError(WriteAhead wa, Map<String, ApiKey> keys, String heading) {
        if (keys.isEmpty()) return;
        if (json()) {
            keys.forEach((name, k) -> errorKeys.add(keyJson(wa.env(), name, wa.apiId(), k.reveal())));
            forgetAfterErrorDocument.add(() -> keys.keySet().forEach(wa::shown));
            return;
        }
        out().println(style().yellow(heading));
        keys.forEach((name, k) -> out().printf("  %-22s  %s%n", keyLabel(name) + ":", k.reveal()));
        out().flush();
        keys.keySet().forEach(wa::shown);
    }

    /** Writes keys AWS holds to --key-out; false (nothing written) without --key-out. A failure is exit 1 after they are shown. */
    protected boolean writeKeyOut(WriteAhead wa, Map<String, ApiKey> keys) {
        KeyOptions k = keyOptions();
        if (k == null || k.keyOut == null || keys.isEmpty()) return false;
        try {
            k.write(keys.values().stream().map(ApiKey::reveal).toList());
        } catch (ExitException e) {
            handOverBeforeError(
                    wa, keys, "The new key could not be written to " + k.keyOut + "; it is shown here instead, once:");
            throw new ExitException(
                    ExitException.FAILED,
                    e.getMessage() + "; the key is stored in Secrets Manager and was "
                            + (json() ? "put in this output (newKeys)" : "printed above") + " instead",
                    "save it now",
                    e.getCause());
        }
        keys.keySet().forEach(wa::shown);
        return true;
    }

    /** The label a key is shown under: its Bubble setting for live and dev, else its name. */
    static String keyLabel(String keyName) {
        String setting = io.secureapi.engine.KeyRotation.bubbleSetting(keyName);
        return setting != null ? setting : "Key " + keyName;
    }

    private static Map<String, Object> keyJson(String env, String name, String apiId, String value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("env", env);
        m.put("key", name);
        m.put("apiId", apiId);
        m.put("value", value);
        return m;
    }

    /**
     * A record left by a run that stopped between storing a key and handing it over: if AWS holds
     * the key, hand it over now (to --key-out when given, else on stdout) and forget the record;
     * if AWS does not, the record is dropped.
     */
    private void recoverPending() {
        PendingKeys p = pending();
        if (!p.exists()) return;
        warnIfTracked(p);
        String env = entryNameOrDefault();
        Optional<String> api = config().map(ProjectConfig::apiId).or(() -> Optional.ofNullable(apiIdOption()));
        // this entry's records, and any record of this API (a run killed before it wrote its config entry)
        List<PendingKeys.Record> mine = p.records().stream()
                .filter(r -> api.map(a -> a.equals(r.apiId())).orElse(r.env().equals(env)))
                .toList();
        for (PendingKeys.Record r : mine) {
            if (!r.region().equals(settings().region())) continue;
            Optional<Boolean> held;
            try {
                held = PendingKeys.heldInAws(aws(), r);
            } catch (ExitException e) {
                err().println("warning: could not check the key an earlier run stored for API " + r.apiId() + " ("
                        + e.getMessage() + "); it stays in " + p.file() + " for the next run");
                continue;
            }
            if (held.isEmpty()) {
                err().println("note: secret " + r.secretId()
                        + " is scheduled for deletion; the key an earlier run stored in it stays in " + p.file()
                        + " until the secret is restored or gone");
                continue;
            }
            if (!held.get()) {
                p.remove(r.env(), r.key());
                err().println("note: dropped the record of a " + r.key() + " key for API " + r.apiId() + " from "
                        + p.file()
                        + ": Secrets Manager does not hold it as a current or previous key (the run that made it stopped"
                        + " before storing it or before making it current, so it was never accepted)");
                continue;
            }
            handOverRecovered(p, r);
        }
        err().flush();
    }

    /** Keys of this entry an earlier, interrupted run stored and this run handed over (by key name). */
    private final java.util.Set<String> recoveredNames = new java.util.HashSet<>();

    /** Whether this run handed over key {@code keyName} that an earlier, interrupted run of this entry stored. */
    protected boolean recovered(String keyName) {
        return recoveredNames.contains(keyName);
    }

    /** A .pending file git tracks has been (or is about to be) shared: its keys are exposed. */
    private void warnIfTracked(PendingKeys p) {
        if (!io.secureapi.support.GitIgnore.tracked(p.file())) return;
        List<PendingKeys.Record> records;
        try {
            records = p.records();
        } catch (ExitException unreadable) {
            records = List.of();
        }
        String which = records.isEmpty()
                ? "the keys in it"
                : String.join(
                        ", ",
                        records.stream()
                                .map(r -> r.key() + " of API " + r.apiId() + " (entry " + r.env() + ")")
                                .toList());
        err().println("warning: git tracks " + p.file() + ", which holds keys in clear text: treat " + which
                + " as exposed. Rotate each (secure-api rotate-key --env ENTRY --key NAME, then --finish), and"
                + " remove the file from git: git rm --cached " + p.file().getFileName());
        err().flush();
    }

    private void handOverRecovered(PendingKeys p, PendingKeys.Record r) {
        if (r.env().equals(entryNameOrDefault())) recoveredNames.add(r.key());
        String what = "the new " + r.key() + " key of API " + r.apiId() + " (entry " + r.env()
                + "), stored by an earlier run that " + "stopped before handing it over";
        if (noKeyOutput()) {
            // a build log: the key stays in the 0600 file until a run on the user's own machine shows it
            err().println("note: " + what + ", stays in " + p.file() + " (mode 0600): this run never prints keys;"
                    + " to see it once, run on your machine: secure-api keys list --env " + r.env() + " --config "
                    + configPath());
            return;
        }
        KeyOptions k = keyOptions();
        if (k != null && k.keyOut != null) {
            if (k.holds(r.value())) {
                p.remove(r.env(), r.key());
                k.recovered = true;
                err().println("note: " + what + ", is already in " + k.keyOut);
                return;
            }
            if (!java.nio.file.Files.exists(k.keyOut, java.nio.file.LinkOption.NOFOLLOW_LINKS) || k.force) {
                try {
                    k.write(List.of(r.value()));
                    p.remove(r.env(), r.key());
                    k.recovered = true;
                    err().println("note: wrote " + what + ", to " + k.keyOut);
                    return;
                } catch (ExitException e) {
                    // shown on stdout below instead
                }
            }
        }
        if (json()) {
            recoveredKeys.add(keyJson(r.env(), r.key(), r.apiId(), r.value()));
            forgetAfterAnyDocument.add(() -> p.remove(r.env(), r.key()));
            return;
        }
        out().println(style().yellow("This is " + what + ". It is shown once, now:"));
        out().printf("  %-22s  %s%n", keyLabel(r.key()) + ":", r.value());
        out().println();
        out().flush();
        p.remove(r.env(), r.key());
    }

    /** --output json: the command's document (buffered), with any recovered keys added, printed once. */
    private void printJsonDocument() {
        if (jsonOut == null && recoveredKeys.isEmpty()) return;
        String text = jsonBuffer == null ? "" : jsonBuffer.toString();
        if (!recoveredKeys.isEmpty()) {
            Map<String, Object> doc;
            try {
                doc = text.isBlank() ? new LinkedHashMap<>(Map.of("command", commandName())) : Json.parseObject(text);
            } catch (IllegalArgumentException notOneDocument) {
                doc = new LinkedHashMap<>(Map.of("command", commandName(), "output", text));
            }
            doc.put("recoveredKeys", recoveredKeys);
            text = Json.pretty(doc) + "\n";
        }
        PrintWriter real = session().out();
        real.print(text);
        real.flush();
        forgetAfterDocument.forEach(Runnable::run);
        forgetAfterAnyDocument.forEach(Runnable::run);
        forgetAfterDocument.clear();
        forgetAfterAnyDocument.clear();
        jsonBuffer = null;
        jsonOut = null;
    }

    /** The error document (--output json) carries the keys handed over before the error. */
    void addKeysTo(Map<String, Object> errorDocument) {
        if (!errorKeys.isEmpty()) errorDocument.put("newKeys", errorKeys);
        if (!recoveredKeys.isEmpty()) errorDocument.put("recoveredKeys", recoveredKeys);
    }

    /** The error document is out: forget the records of the keys it carried. */
    void errorDocumentShown() {
        forgetAfterErrorDocument.forEach(Runnable::run);
        forgetAfterAnyDocument.forEach(Runnable::run);
        forgetAfterErrorDocument.clear();
        forgetAfterAnyDocument.clear();
    }

    /**
     * Runs first in the SIGINT/SIGTERM shutdown hook, while the command's own thread may still be
     * waiting on AWS: a command records what it learned (setup: its config) before the JVM exits 130/143.
     */
    protected void onInterrupt() {}

    /** Shutdown hook: what the command learned is recorded, and keys AWS holds that were not shown yet are shown now (to --key-out when given). */
    private void handOverOnSignal() {
        try {
            onInterrupt();
        } catch (RuntimeException e) {
            err().println("interrupted: " + e.getMessage());
            err().flush();
        }
        Map<WriteAhead, Map<String, ApiKey>> left = new LinkedHashMap<>();
        for (WriteAhead w : writeAheads) {
            Map<String, ApiKey> keys = w.storedNotShown();
            if (!keys.isEmpty()) left.put(w, keys);
            // Stopped while AWS was storing a key: whether it holds it is unknown, so the record stays
            // and the next run shows it if AWS does; say so rather than exit silently.
            for (String name : w.inFlight()) {
                err().println("interrupted while storing the new " + name + " key of API " + w.apiId()
                        + ": it is kept in " + w.pendingFile()
                        + " (mode 0600); run the command again to see it if AWS stored it");
            }
            err().flush();
        }
        if (left.isEmpty()) return;
        PrintWriter real = session().out();
        KeyOptions k = keyOptions();
        for (Map.Entry<WriteAhead, Map<String, ApiKey>> e : left.entrySet()) {
            WriteAhead w = e.getKey();
            if (k != null && k.keyOut != null) {
                try {
                    k.write(e.getValue().values().stream().map(ApiKey::reveal).toList());
                    e.getValue().keySet().forEach(w::shown);
                    err().println("interrupted: the new key of API " + w.apiId() + " was stored and is written to "
                            + k.keyOut);
                    err().flush();
                    continue;
                } catch (RuntimeException notWritten) {
                    // shown on stdout below instead
                }
            }
            if (json()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("command", commandName());
                doc.put("interrupted", true);
                List<Map<String, Object>> keys = new ArrayList<>();
                e.getValue().forEach((name, key) -> keys.add(keyJson(w.env(), name, w.apiId(), key.reveal())));
                doc.put("newKeys", keys);
                real.println(Json.pretty(doc));
            } else {
                real.println("Interrupted after storing a new key for API " + w.apiId()
                        + " in Secrets Manager. It is shown once, now:");
                e.getValue().forEach((name, key) -> real.printf("  %-22s  %s%n", keyLabel(name) + ":", key.reveal()));
            }
            real.flush();
            e.getValue().keySet().forEach(w::shown);
        }
    }

    protected Session session() {
        return root().session;
    }

    /** stdout; with --output json a buffer, printed once as one document when the command ends. */
    protected PrintWriter out() {
        if (!json()) return root().session.out();
        if (jsonOut == null) {
            jsonBuffer = new StringWriter();
            jsonOut = new PrintWriter(jsonBuffer);
        }
        return jsonOut;
    }

    protected PrintWriter err() {
        return root().session.err();
    }

    protected OutputOptions output() {
        return root().output;
    }

    protected boolean json() {
        return root().output.json();
    }

    protected Path configPath() {
        return root().output.config;
    }

    /** The whole secure-api.json, when there is one (a corrupt one is exit 2). */
    protected Optional<ConfigFile> configFile() {
        if (!configRead) {
            configFile = ConfigFile.read(configPath()).orElse(null);
            configRead = true;
        }
        return Optional.ofNullable(configFile);
    }

    /** --env as given. */
    protected Optional<String> envOption() {
        return Optional.ofNullable(root().output.env);
    }

    /** The command's --api-id ({@link ApiIdOption}), when it has one and it was given; it picks the entry that holds that API. */
    protected String apiIdOption() {
        return ApiIdOption.of(spec);
    }

    /**
     * The one place that decides which config entry this command works on: --env, else the entry
     * holding --api-id, else the only entry. Empty when there is none (no file, or another API).
     */
    protected Optional<String> entryName() {
        if (!entryResolved) {
            entry = resolveEntry(configFile().orElse(null), envOption().orElse(null), apiIdOption())
                    .orElse(null);
            entryResolved = true;
        }
        return Optional.ofNullable(entry);
    }

    /** The entry's name for records kept per entry (.pending): the resolved one, else default. */
    protected String entryNameOrDefault() {
        return entryName().orElse(ConfigFile.DEFAULT_ENV);
    }

    /** The entry for secure-api.json {@code file}, --env and --api-id; each null when there is none. */
    protected Optional<String> resolveEntry(ConfigFile file, String env, String apiIdFlag) {
        if (env != null) {
            checkEnvName(env);
            if (file == null) {
                throw ExitException.badInput(
                        "--env " + env + " names an entry of " + configPath() + ", and there is no such file",
                        "run secure-api setup --api-id ID --env " + env + " first, or pass --config FILE");
            }
            Optional<String> name = file.resolve(env);
            ProjectConfig c = file.entry(name.get()).orElseThrow();
            if (apiIdFlag != null && !apiIdFlag.equals(c.apiId())) {
                throw ExitException.badInput(
                        "entry " + env + " of " + configPath() + " is API " + c.apiId() + ", not " + apiIdFlag,
                        "drop --api-id to use " + c.apiId() + ", or drop --env to work on API " + apiIdFlag);
            }
            return name;
        }
        if (file == null) return Optional.empty();
        if (apiIdFlag != null) return file.nameOf(apiIdFlag);
        return file.resolve(null);
    }

    protected static void checkEnvName(String name) {
        if (!name.matches(ConfigFile.ENV_PATTERN)) {
            throw ExitException.badInput(
                    "--env \"" + name + "\" is not an entry name",
                    "use letters, digits, - and _ (e.g. --env prod), up to 64");
        }
    }

    /** --secret-name of setup and rotate-key: a name Secrets Manager accepts, checked before any AWS call. */
    protected static void checkSecretName(String name) {
        // Secrets Manager API Reference, CreateSecret: Name is 1-512 of ASCII letters, digits and /_+=.@-
        if (!name.matches("[A-Za-z0-9/_+=.@-]{1,512}")) {
            throw ExitException.badInput(
                    "--secret-name \"" + name + "\" is not a valid Secrets Manager name",
                    "use 1-512 of: letters, digits and /_+=.@-");
        }
    }

    /** The config entry this command works on (see {@link #entryName}). */
    protected Optional<ProjectConfig> config() {
        return entryName().flatMap(n -> configFile().flatMap(f -> f.entry(n)));
    }

    protected AwsSettings settings() {
        if (settings == null)
            settings = root().aws
                    .resolve(
                            session().env(), config().map(ProjectConfig::region).orElse(null), err());
        return settings;
    }

    protected AwsClients aws() {
        if (clients == null) clients = new AwsClients(settings(), session().interceptors());
        return clients;
    }

    /** The API id from --api-id, else from the config; neither is exit 2. */
    protected String apiId() {
        String flag = apiIdOption();
        if (flag != null) {
            if (!flag.matches(ApiIdOption.PATTERN)) {
                throw ExitException.badInput(
                        "\"" + flag + "\" is not an API Gateway API id (lower-case letters and digits)",
                        "find the id with: aws apigatewayv2 get-apis");
            }
            checkConfigRegion(flag);
            return flag;
        }
        String id = config().map(ProjectConfig::apiId)
                .orElseThrow(() -> configFile().isPresent()
                        ? ExitException.badInput(
                                "no API id: no --api-id, and " + configPath() + " has no entry " + entryNameOrDefault()
                                        + " (entries: " + configFile().get().listing() + ")",
                                "pass --env NAME or --api-id ID")
                        : ExitException.badInput(
                                "no API id: no --api-id and no " + configPath(),
                                "pass --api-id ID, or run in the folder where secure-api setup wrote "
                                        + ProjectConfig.DEFAULT_FILE));
        checkConfigRegion(id);
        return id;
    }

    /** --region that contradicts secure-api.json for the same API would act on the wrong region's pieces. */
    private void checkConfigRegion(String id) {
        config().filter(c -> c.apiId().equals(id)
                        && c.region() != null
                        && !c.region().equals(settings().region()))
                .ifPresent(c -> {
                    throw ExitException.badInput(
                            configPath() + " says API " + id + " is in " + c.region() + ", not "
                                    + settings().region(),
                            "drop --region (or AWS_REGION) to use " + c.region()
                                    + ", or pass --config for another file");
                });
    }

    /** Progress lines on stderr, never on stdout (stdout is the result, JSON-clean). */
    protected Progress progress() {
        return line -> {
            err().println("  … " + line);
            err().flush();
        };
    }

    protected Style style() {
        boolean color = session().stdoutIsTerminal()
                && !output().noColor
                && !session().env().containsKey("NO_COLOR");
        return new Style(color);
    }

    /** The one plan printer of setup, rotate-key and teardown: a bold title, the plan's table, a blank line; nothing with --output json. */
    protected void printPlan(String title, io.secureapi.model.Plan plan, boolean dryRun) {
        if (json()) return;
        out().println(style().bold(title + (dryRun ? " — dry run" : "")));
        out().print(plan.toTable());
        out().println();
        out().flush();
    }

    /** "1 change", "3 changes". */
    static String changes(io.secureapi.model.Plan plan) {
        return plan.changeCount() + " change" + (plan.changeCount() == 1 ? "" : "s");
    }

    /** The last line of a dry run whose plan changes something (setup, teardown). */
    static String dryRunNote(io.secureapi.model.Plan plan) {
        return "Dry run: nothing was changed. Run it without --dry-run to apply " + changes(plan) + ".";
    }

    /**
     * The dry run's last line when the real run would refuse without --deploy-stages ({@code stages}:
     * the stages without AutoDeploy it would deploy; empty: {@link #dryRunNote(io.secureapi.model.Plan)}).
     */
    static String dryRunNote(io.secureapi.model.Plan plan, List<String> stages) {
        if (stages.isEmpty()) return dryRunNote(plan);
        return "Dry run: nothing was changed. " + (stages.size() == 1 ? "Stage " : "Stages ")
                + String.join(", ", stages) + (stages.size() == 1 ? " has" : " have")
                + " AutoDeploy off and must be deployed to serve this: run it without --dry-run and with "
                + io.secureapi.pieces.StagesPiece.FLAG + " to apply " + changes(plan)
                + " (without it, the run changes nothing and exits 2).";
    }

    /**
     * A report in the --output format on stdout; with --report FILE also written there (with --output
     * junit the file gets the XML and stdout the text a person reads). Used by verify, verify --all and scan.
     */
    void printReport(
            ReportOption report,
            java.util.function.Supplier<String> json,
            java.util.function.Supplier<String> junit,
            java.util.function.Supplier<String> markdown,
            java.util.function.Function<Style, String> text) {
        switch (output().output) {
            case markdown -> {
                String doc = markdown.get();
                out().print(doc);
                if (report.file != null) report.write(doc);
            }
            case json -> {
                String doc = json.get();
                out().print(doc);
                if (report.file != null) report.write(doc);
            }
            case junit -> {
                String xml = junit.get();
                if (report.file != null) {
                    out().print(text.apply(style()));
                    report.write(xml);
                } else {
                    out().print(xml);
                }
            }
            default -> {
                out().print(text.apply(style()));
                if (report.file != null) report.write(text.apply(new Style(false)));
            }
        }
        out().flush();
    }
}
