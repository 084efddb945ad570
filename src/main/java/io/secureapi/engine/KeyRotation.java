package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;

import io.secureapi.aws.AwsClients;
import io.secureapi.error.ExitException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.services.secretsmanager.model.PutSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * rotate-key: a new key becomes AWSCURRENT while the version before it keeps AWSPREVIOUS (the
 * bundled authorizer accepts both, so the front end keeps working until the new key is pasted);
 * {@code --finish} removes AWSPREVIOUS. Read everything, plan (pure), apply — like the pieces.
 */
public final class KeyRotation {
    public static final String CURRENT = "AWSCURRENT";
    public static final String PREVIOUS = "AWSPREVIOUS";
    public static final int DEFAULT_KEY_CACHE_SECONDS = 60;
    private static final String PIECE = "secret";

    /**
     * What the user asked for, after defaults. {@code env} is "live" or "dev". Null for none:
     * {@code config} (secure-api.json's entry), {@code secretName} (--secret-name), {@code suppliedKey}.
     */
    public record Request(String apiId, String region, ProjectConfig config, String secretName, String env,
            ApiKey suppliedKey, boolean finish, boolean force) {
    }

    /** One version of the secret and its staging labels; {@code created} null when AWS did not say. */
    public record Version(String id, Set<String> stages, Instant created) {
        public boolean has(String stage) {
            return stages.contains(stage);
        }
    }

    /**
     * The secret as read. Values are kept raw and only ever parsed here; toString never shows them.
     * {@code userFunction}: the authorizer is the user's own function (one plain key, AWSPREVIOUS unknown).
     * A value is null when that version is missing or holds no string.
     */
    public record Snapshot(State.Secret secret, List<Version> versions, String currentValue, String previousValue,
            boolean userFunction, String functionLabel) {
        public Optional<Version> version(String stage) {
            return versions.stream().filter(v -> v.has(stage)).findFirst();
        }

        @Override
        public String toString() {
            return "Snapshot[secret=" + secret.name() + ", versions=" + versions + ", values redacted, userFunction=" + userFunction + "]";
        }
    }

    /** How long caches may still accept a revoked key: the function's key cache (null: unknown, a user's function) + the authorizer TTL. */
    public record CacheWindow(Integer functionKeyCache, int authorizerTtl, String authorizerTtlSource) {
        public int seconds() {
            return authorizerTtl + (functionKeyCache == null ? 0 : functionKeyCache);
        }
    }

    /** What apply did. {@code newKey} is null for --finish; {@code generated} false when the user supplied it. */
    public record Outcome(ApiKey newKey, boolean generated, String newVersionId, String previousVersionId,
            List<String> revokedKeyNames) {
    }

    private final Request request;
    private final Wiring wiring;
    private final Snapshot snapshot;
    /** Null unless --finish has something to finish. */
    private final CacheWindow window;
    private final List<String> readNotes;

    KeyRotation(Request request, Wiring wiring, Snapshot snapshot, CacheWindow window, List<String> readNotes) {
        this.request = request;
        this.wiring = wiring;
        this.snapshot = snapshot;
        this.window = window;
        this.readNotes = List.copyOf(readNotes);
    }

    // read

    /**
     * Reads the secret (versions, current and previous value) and, for --finish, what the cache
     * window depends on. With secure-api.json the names come from it; without, from the defaults
     * (the secret {@code secure-api/<apiId>/api-key}, the bundled function if it exists).
     */
    public static KeyRotation read(Request req, AwsClients aws, Progress progress) {
        Optional<ProjectConfig> cfg = Optional.ofNullable(req.config()).filter(ProjectConfig.forApi(req.apiId()));
        Target fromConfig = Target.fromConfig(req.apiId(), req.region(), cfg.orElse(null));
        Target target = req.secretName() == null ? fromConfig : fromConfig.withSecretName(req.secretName());
        String secretName = target.secretName();
        Wiring w = new Wiring(target, aws, progress, cfg.orElse(null));

        // The config's ARN survives a rename; --secret-name wins over both.
        String secretId = req.secretName() != null ? secretName
                : cfg.map(ProjectConfig::secretArn).filter(s -> s != null && !s.isBlank()).orElse(secretName);
        State.Secret secret = Reader.of(w).secret(secretId).wiring().secret().orElseThrow(() -> ExitException.badInput(
                "secret " + secretName + " not found in " + req.region() + " (API " + req.apiId() + " has no key to rotate)",
                "run secure-api setup first" + (cfg.isEmpty() ? " (or pass --secret-name if your key is stored under another name)" : "")));
        if (secret.scheduledForDeletion()) {
            throw ExitException.badInput("secret " + secret.name() + " is scheduled for deletion (teardown, or by hand)",
                    "run secure-api setup first: it restores the secret and wires it again");
        }

        List<Version> versions = versions(w, secret);
        Optional<String> current = versions.stream().filter(v -> v.has(CURRENT)).findFirst().flatMap(v -> value(w, secret, v));
        Optional<String> previous = versions.stream().filter(v -> v.has(PREVIOUS)).findFirst().flatMap(v -> value(w, secret, v));

        // Without a config the bundled function tells: it exists and carries our managed tag.
        boolean userFunction;
        String functionLabel;
        if (cfg.isPresent()) {
            userFunction = !cfg.get().functionManaged();
            functionLabel = userFunction ? "your own function " + Wiring.nameOf(cfg.get().functionArn()) : w.functionName();
        } else {
            Reader.of(w).function();
            userFunction = w.function().filter(State.Function::managed).isEmpty();
            functionLabel = userFunction ? "your own authorizer function" : w.functionName();
        }
        Snapshot snap = new Snapshot(secret, versions, current.orElse(null), previous.orElse(null), userFunction, functionLabel);

        List<String> notes = new ArrayList<>();
        CacheWindow window = req.finish() && (snap.version(PREVIOUS).isPresent() || current.map(DigestSecret::is).orElse(false))
                ? readWindow(w, userFunction, cfg.orElse(null), notes) : null;
        return new KeyRotation(req, w, snap, window, notes);
    }

    static List<Version> versions(Wiring w, State.Secret secret) {
        // the SDK's generated paginator fetches each next page while the stream is consumed, inside call()
        return call("listing the versions of secret " + secret.name(), w.region(),
                () -> w.aws.secrets().listSecretVersionIdsPaginator(r -> r.secretId(secret.arn()).maxResults(100)).stream()
                        .flatMap(page -> page.versions().stream())
                        .map(v -> new Version(v.versionId(), Set.copyOf(v.versionStages()), v.createdDate()))
                        .toList());
    }

    private static Optional<String> value(Wiring w, State.Secret secret, Version v) {
        return ifFound("reading version " + v.id() + " of secret " + secret.name(), w.region(), ResourceNotFoundException.class,
                () -> w.aws.secrets().getSecretValue(r -> r.secretId(secret.arn()).versionId(v.id())).secretString());
    }

    /**
     * Reads the function's KEY_CACHE_SECONDS and the authorizer's TTL before anything is written.
     * These only inform the message: an unreadable one falls back (noted), never fails --finish.
     */
    private static CacheWindow readWindow(Wiring w, boolean userFunction, ProjectConfig config, List<String> notes) {
        Optional<ProjectConfig> cfg = Optional.ofNullable(config);
        Integer keyCache = null;
        if (!userFunction) {
            Optional<String> raw = Optional.empty();
            try {
                if (w.function().isEmpty()) Reader.of(w).function();
                raw = w.function().map(f -> f.env().get(Names.ENV_KEY_CACHE_SECONDS));
            } catch (ExitException unreadable) {
                notes.add("could not read function " + w.functionName() + " (" + unreadable.getMessage() + "); assuming its default "
                        + Names.ENV_KEY_CACHE_SECONDS + " of " + DEFAULT_KEY_CACHE_SECONDS + " s");
            }
            keyCache = keyCacheSeconds(raw.orElse(null));
        }
        Optional<Integer> ttl = Optional.empty();
        try {
            Optional<String> id = cfg.map(ProjectConfig::authorizerId).filter(s -> s != null && !s.isBlank());
            Optional<State.Authorizer> a = id.isPresent() ? HttpApi.authorizer(w, id.get()) : Optional.empty();
            if (a.isEmpty()) {
                a = Reader.of(w).authorizers().wiring().ourAuthorizer();
            }
            ttl = a.map(State.Authorizer::resultTtl);
        } catch (ExitException unreadable) {
            notes.add("could not read the authorizer of API " + w.apiId() + " (" + unreadable.getMessage() + ")");
        }
        if (ttl.isPresent()) return new CacheWindow(keyCache, ttl.get(), "authorizer " + w.target.authorizerName());
        int fallback = cfg.map(ProjectConfig::cacheTtl).orElse(Names.DEFAULT_CACHE_TTL);
        return new CacheWindow(keyCache, fallback, cfg.isPresent() ? "cacheTtl in secure-api.json" : "secure-api's default");
    }

    /** The bundled authorizer's reading of KEY_CACHE_SECONDS (index.mjs): a number ≥ 0, else 60; fractions round up. */
    static int keyCacheSeconds(String raw) {
        if (raw == null || raw.isBlank()) return DEFAULT_KEY_CACHE_SECONDS;
        try {
            double d = Double.parseDouble(raw.strip());
            if (Double.isNaN(d) || Double.isInfinite(d) || d < 0) return DEFAULT_KEY_CACHE_SECONDS;
            return (int) Math.min(Integer.MAX_VALUE, Math.ceil(d));
        } catch (NumberFormatException e) {
            return DEFAULT_KEY_CACHE_SECONDS;
        }
    }

    // plan (pure)

    public Request request() {
        return request;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    public Optional<CacheWindow> window() {
        return Optional.ofNullable(window);
    }

    public String secretName() {
        return snapshot.secret().name();
    }

    public String secretArn() {
        return snapshot.secret().arn();
    }

    /** Names of keys that the previous version accepts and the current one does not: they stop working when AWSPREVIOUS moves or goes. */
    public static List<String> onlyInPrevious(Map<String, String> previous, Map<String, String> current) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : previous.entrySet()) {
            if (e.getValue() != null && !e.getValue().isEmpty() && !current.containsValue(e.getValue())) out.add(e.getKey());
        }
        return out;
    }

    /** The value to store: {@code env}'s key replaced, every other key carried over; a plain string stays plain. */
    public static String nextValue(String currentRaw, String env, ApiKey key) {
        Map<String, String> keys = SecretValue.keys(currentRaw);
        keys.put(env, key.reveal());
        return SecretValue.format(keys, isPlain(currentRaw));
    }

    /** A plain-string secret (what a hand-wired authorizer compares the header with): one key, read as "live". */
    public static boolean isPlain(String raw) {
        if (raw == null) return false;
        String t = raw.strip();
        if (!t.startsWith("{")) return true;
        try {
            Json.parseObject(t);
            return false;
        } catch (IllegalArgumentException notJson) {
            return true;
        }
    }

    /** The Bubble API Connector field that holds this key. */
    /** The Bubble API Connector setting a key goes into: live and dev only; null for a consumer's named key. */
    public static String bubbleSetting(String env) {
        if (SecretValue.DEV.equals(env)) return "Development key value";
        return SecretValue.LIVE.equals(env) ? "Key value" : null;
    }

    /**
     * One row: what rotating or finishing does to the secret. Throws exit 2, before any write, for
     * what cannot be done safely: a dev key for a user's function, a dev key that does not exist, a
     * supplied key equal to the other key, or dropping a previous key that is still accepted (without --force).
     */
    public Plan plan() {
        return new Plan(List.of(change()));
    }

    /** The current version is in the digest format: the overlap lives inside it, AWSPREVIOUS plays no part. */
    public boolean digestFormat() {
        return DigestSecret.is(snapshot.currentValue());
    }

    private DigestSecret digests() {
        return DigestSecret.parse(snapshot.currentValue(), secretName());
    }

    /** Which key --finish ends: the one named, else the only key with an unfinished rotation; null when none has one. */
    String finishName(DigestSecret d) {
        List<String> rotating = DigestRotation.rotating(d);
        String named = request.env();
        if (d.has(named) && d.get(named).rotating()) return named;
        if (rotating.isEmpty()) return null;
        if (rotating.size() == 1 && SecretValue.LIVE.equals(named)) return rotating.get(0);
        if (!SecretValue.LIVE.equals(named)) {
            throw ExitException.badInput("key " + named + " of secret " + secretName() + " has no unfinished rotation (unfinished: "
                    + String.join(", ", rotating) + ")", "finish one of those: secure-api rotate-key --finish --key " + rotating.get(0));
        }
        throw ExitException.badInput("keys " + String.join(", ", rotating) + " of secret " + secretName() + " have unfinished rotations; "
                + "each is finished on its own", "name one: secure-api rotate-key --finish --key NAME");
    }

    private Change digestChange() {
        String name = secretName();
        DigestSecret d = digests();
        if (request.finish()) {
            String k = finishName(d);
            if (k == null) return Change.ok(PIECE, name, "no key has an unfinished rotation: nothing to finish");
            return new Change(PIECE, name, Change.Action.UPDATE, "the old " + k + " key stops being accepted (removed from the current "
                    + "version), then the caches that may still accept it are emptied");
        }
        String key = request.env();
        Optional<ApiKey> supplied = Optional.ofNullable(request.suppliedKey());
        if (supplied.isPresent() && DigestRotation.isCurrent(d, key, supplied.get())) {
            return Change.ok(PIECE, name, "the supplied key is already the current " + key + " key");
        }
        // checks every refusal now, before any write (the key used here is thrown away)
        DigestRotation.rotate(d, name, key, supplied.orElseGet(() -> ApiKey.generate(key)), Instant.now(), request.force());
        return new Change(PIECE, name, Change.Action.UPDATE, (supplied.isPresent() ? "the supplied key" : "a new random key") + " becomes the "
                + key + " key (new version, AWSCURRENT); its old key stays accepted, inside that version, until --finish");
    }

    private Change change() {
        if (digestFormat()) return digestChange();
        String name = secretName();
        if (request.finish() && !SecretValue.LIVE.equals(request.env())) {
            throw ExitException.badInput("--finish on secret " + name + " (plaintext keys, a legacy format) revokes the previous version, which "
                    + "holds every key: --key does not go with it", "run secure-api rotate-key --finish");
        }
        if (!request.finish() && !SecretValue.LIVE.equals(request.env()) && !SecretValue.DEV.equals(request.env())) {
            throw ExitException.badInput("secret " + name + " holds plaintext keys (a legacy format) named live and dev only: no key "
                    + request.env(), "run secure-api setup first: it stores them as digests (no key changes); then any key name rotates");
        }
        if (request.finish()) {
            Optional<Version> prev = snapshot.version(PREVIOUS);
            if (prev.isEmpty()) return Change.ok(PIECE, name, "no AWSPREVIOUS version: no previous key to revoke");
            List<String> revoked = lostOnRotate();
            return new Change(PIECE, name, Change.Action.UPDATE, "remove AWSPREVIOUS from version " + prev.get().id()
                    + (revoked.isEmpty() ? " (it holds no key the current version lacks)" : " (revokes the previous " + String.join(" and ", revoked)
                            + " key)"));
        }
        String env = request.env();
        String currentRaw = snapshot.currentValue();
        if (currentRaw == null) {
            throw ExitException.badInput("secret " + name + " has no current value (AWSCURRENT)", "run secure-api setup first: it stores a key");
        }
        Map<String, String> current = SecretValue.keys(currentRaw);
        if (SecretValue.DEV.equals(env)) {
            if (snapshot.userFunction()) {
                throw ExitException.badInput("--key dev needs the bundled authorizer: API " + request.apiId() + " is checked by "
                        + snapshot.functionLabel() + ", which reads one plain-string key", "rotate the one key with --key live (the default)");
            }
            if (!current.containsKey(SecretValue.DEV)) {
                throw ExitException.badInput("secret " + name + " has no development key to rotate",
                        "add one with: secure-api setup --dev-key");
            }
        }
        Optional<ApiKey> supplied = Optional.ofNullable(request.suppliedKey());
        if (supplied.isPresent()) {
            for (Map.Entry<String, String> e : current.entrySet()) {
                if (!e.getKey().equals(env) && supplied.get().sameAs(e.getValue())) {
                    throw ExitException.badInput("the supplied key is the current " + e.getKey() + " key; the " + env
                            + " key must differ from it", "supply another key, or omit the key option and secure-api generates one");
                }
            }
            if (supplied.get().sameAs(current.get(env))) {
                return Change.ok(PIECE, name, "the supplied key is already the current " + env + " key");
            }
        }
        List<String> lost = lostOnRotate();
        if (!lost.isEmpty() && !request.force()) {
            throw ExitException.badInput("a previous rotation of secret " + name + " is not finished: the previous "
                    + String.join(" and ", lost) + " key is still accepted (AWSPREVIOUS" + since(snapshot.version(CURRENT).orElse(null)) + "), "
                    + "and rotating again would make it stop working at once",
                    UNFINISHED_NEXT);
        }
        String what = (supplied.isPresent() ? "the supplied key" : "a new random key") + " becomes the " + env
                + " key (new version, AWSCURRENT); the current version keeps AWSPREVIOUS, so the old " + env
                + " key works until --finish" + (isPlain(currentRaw) ? " (plain string)" : "");
        return new Change(PIECE, name, Change.Action.UPDATE, what);
    }

    /**
     * Without a pending record nobody can tell "shown but not finished" from "never seen", so the
     * next step names both; never --finish alone, which would revoke the key clients still send.
     */
    public static final String UNFINISHED_NEXT = "if you have the new key, paste it into Bubble, then run secure-api rotate-key --finish; "
            + "if nobody has it, secure-api rotate-key --discard-current makes the old key the only one again";

    /**
     * --discard-current: the plan that undoes an unfinished rotation of this key whose new key nobody
     * has. The old key becomes the only key of that name again (a new current version), and the
     * version holding the new key loses AWSPREVIOUS, so it is no longer accepted.
     */
    public Plan discardPlan() {
        String name = secretName();
        String env = request.env();
        if (digestFormat()) {
            // digest format: the overlap is the retiring digest inside the current version
            DigestSecret d = digests();
            if (!d.has(env)) throw DigestRotation.noKey(d, name, env);
            if (!d.get(env).rotating()) {
                return new Plan(List.of(Change.ok(PIECE, name, "the " + env + " key is not in an unfinished rotation: nothing to discard")));
            }
            return new Plan(List.of(new Change(PIECE, name, Change.Action.UPDATE, "the old " + env + " key (retiring) becomes its only key "
                    + "again; the new " + env + " key stops being accepted (new version)")));
        }
        Optional<Version> prev = snapshot.version(PREVIOUS);
        if (prev.isEmpty() || snapshot.previousValue() == null) {
            return new Plan(List.of(Change.ok(PIECE, name, "no AWSPREVIOUS version: no unfinished rotation to discard")));
        }
        String previousKey = SecretValue.keys(snapshot.previousValue()).get(env);
        String currentKey = SecretValue.keys(snapshot.currentValue()).get(env);
        if (previousKey == null || previousKey.equals(currentKey)) {
            return new Plan(List.of(Change.ok(PIECE, name, "the " + env + " key is not in an unfinished rotation: nothing to discard")));
        }
        return new Plan(List.of(new Change(PIECE, name, Change.Action.UPDATE, "the previous " + env + " key (version " + prev.get().id()
                + ") becomes the current one again; the new " + env + " key of version "
                + snapshot.version(CURRENT).map(Version::id).orElse("?") + " stops being accepted")));
    }

    /** Applies {@link #discardPlan()}; call only when it changes something. */
    public Outcome discardCurrent(Progress progress) {
        Wiring w = wiring;
        String name = secretName();
        String arn = secretArn();
        String env = request.env();
        if (digestFormat()) {
            String discarded = snapshot.version(CURRENT).map(Version::id).orElse(null);
            String version = putDigests(w, arn, DigestRotation.discard(digests(), name, env),
                    "making the old " + env + " key the only one again in secret " + name, progress);
            return new Outcome(null, false, version, discarded, List.of(env));
        }
        String currentRaw = Objects.requireNonNull(snapshot.currentValue());
        Map<String, String> keys = SecretValue.keys(currentRaw);
        keys.put(env, SecretValue.keys(Objects.requireNonNull(snapshot.previousValue())).get(env));
        String value = SecretValue.format(keys, isPlain(currentRaw));
        String discarded = snapshot.version(CURRENT).map(Version::id).orElseThrow();
        String token = UUID.randomUUID().toString();
        progress.say("storing the previous " + env + " key as the current version of secret " + name);
        PutSecretValueResponse put = call("storing a new version of secret " + name, w.region(),
                () -> w.aws.secrets().putSecretValue(r -> r.secretId(arn).secretString(value).clientRequestToken(token)));
        // the put moved AWSPREVIOUS onto the discarded version (it holds the new key): take it off
        // (docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html, VersionStages)
        progress.say("removing AWSPREVIOUS from version " + discarded + " of secret " + name);
        call("removing AWSPREVIOUS from version " + discarded + " of secret " + name, w.region(),
                () -> w.aws.secrets().updateSecretVersionStage(r -> r.secretId(arn).versionStage(PREVIOUS).removeFromVersionId(discarded)));
        return new Outcome(null, false, put.versionId(), discarded, List.of(env));
    }

    private static String since(Version current) {
        return current == null || current.created() == null ? ""
                : ", rotation of " + current.created().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /** Keys that stop working if a rotation moves AWSPREVIOUS on now. */
    List<String> lostOnRotate() {
        if (digestFormat()) {
            DigestSecret d = digests();
            return !request.finish() && d.has(request.env()) && d.get(request.env()).rotating() ? List.of(request.env()) : List.of();
        }
        if (snapshot.previousValue() == null) return List.of();
        return onlyInPrevious(SecretValue.keys(snapshot.previousValue()), SecretValue.keys(snapshot.currentValue()));
    }

    /** Lines the user must read (stderr): a user's function, a forced rotation, a cache window read by fallback. */
    public List<String> warnings() {
        List<String> out = new ArrayList<>(readNotes);
        if (request.finish()) return out;
        if (snapshot.userFunction() && !digestFormat()) {
            out.add("API " + request.apiId() + " is checked by " + snapshot.functionLabel() + ", not the bundled authorizer: zero downtime depends on it accepting the AWSPREVIOUS version too. "
                    + "A function that reads only AWSCURRENT (as hand-wired authorizers often do) rejects the old key as soon as it re-reads the secret; "
                    + "paste the new key into Bubble right away");
        }
        List<String> lost = lostOnRotate();
        if (!lost.isEmpty() && request.force()) {
            out.add("the previous " + String.join(" and ", lost) + " key (from an unfinished rotation) stops being accepted now");
        }
        return out;
    }

    // apply

    /** Null until --finish flushes the caches. */
    private CacheFlush.Result flushed;

    /** The cache flush --finish ran (digest format, bundled function). */
    public Optional<CacheFlush.Result> flushed() {
        return Optional.ofNullable(flushed);
    }

    private Outcome applyDigests(Progress progress, PendingKeys.Handover handover) {
        Wiring w = wiring;
        String name = secretName();
        String arn = secretArn();
        DigestSecret d = digests();
        String currentId = snapshot.version(CURRENT).map(Version::id).orElse(null);
        if (request.finish()) {
            String k = finishName(d);
            String version = putDigests(w, arn, DigestRotation.finish(d, k), "ending the rotation of key " + k + " in secret " + name, progress);
            if (!snapshot.userFunction()) {
                if (w.function().isEmpty()) Reader.of(w).function();
                if (w.function().isPresent()) flushed = CacheFlush.flush(w, Instant.now());
            }
            return new Outcome(null, false, version, currentId, List.of(k));
        }
        String env = request.env();
        ApiKey key = Objects.requireNonNullElseGet(request.suppliedKey(), () -> ApiKey.generate(env));
        List<String> lost = lostOnRotate();
        DigestSecret next = DigestRotation.rotate(d, name, env, key, Instant.now(), request.force());
        boolean generated = request.suppliedKey() == null;
        // written ahead (<config>.pending) before AWS stores it, so a killed run never loses the key
        if (generated) handover.beforeStore(env, arn, key);
        String version = putDigests(w, arn, next, "storing a new version of secret " + name, progress);
        if (generated) handover.stored(env);
        return new Outcome(key, request.suppliedKey() == null, version, currentId, lost);
    }

    /** Stores a new current version only while AWSCURRENT is still the version this run read. */
    private String putDigests(Wiring w, String arn, DigestSecret next, String doing, Progress progress) {
        progress.say(doing);
        String readVersionId = snapshot.version(CURRENT).map(Version::id).orElse(null);
        return SecretVersions.putIfCurrent(w, arn, secretName(), next.toJson(), readVersionId, doing);
    }

    /** Makes the planned change true; call only when the plan changes something. */
    public Outcome apply(Progress progress) {
        return apply(progress, PendingKeys.Handover.NONE);
    }

    /** Makes the planned change true; a generated key goes through {@code handover} (the write-ahead) before it is stored. */
    public Outcome apply(Progress progress, PendingKeys.Handover handover) {
        if (digestFormat()) return applyDigests(progress, handover);
        Wiring w = wiring;
        String name = secretName();
        String arn = secretArn();
        if (request.finish()) {
            Version prev = snapshot.version(PREVIOUS).orElseThrow();
            progress.say("removing AWSPREVIOUS from version " + prev.id() + " of secret " + name);
            call("removing AWSPREVIOUS from version " + prev.id() + " of secret " + name, w.region(),
                    () -> w.aws.secrets().updateSecretVersionStage(r -> r.secretId(arn).versionStage(PREVIOUS).removeFromVersionId(prev.id())));
            return new Outcome(null, false, snapshot.version(CURRENT).map(Version::id).orElse(null), prev.id(), lostOnRotate());
        }
        String env = request.env();
        ApiKey key = Objects.requireNonNullElseGet(request.suppliedKey(), () -> ApiKey.generate(env));
        String value = nextValue(Objects.requireNonNull(snapshot.currentValue()), env, key);
        // One token per run: an SDK retry after a lost response cannot make a second version.
        String token = UUID.randomUUID().toString();
        boolean generated = request.suppliedKey() == null;
        if (generated) handover.beforeStore(env, arn, key);
        progress.say("storing a new version of secret " + name);
        PutSecretValueResponse put = call("storing a new version of secret " + name, w.region(),
                () -> w.aws.secrets().putSecretValue(r -> r.secretId(arn).secretString(value).clientRequestToken(token)));
        if (generated) handover.stored(env);
        return new Outcome(key, request.suppliedKey() == null, put.versionId(),
                snapshot.version(CURRENT).map(Version::id).orElse(null), lostOnRotate());
    }
}
