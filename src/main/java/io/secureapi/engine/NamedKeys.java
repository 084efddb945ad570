package io.secureapi.engine;

import io.secureapi.aws.AwsClients;
import io.secureapi.config.ProjectConfig;
import io.secureapi.config.Target;
import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.DigestSecret;
import io.secureapi.keys.Quota;
import io.secureapi.model.State;
import io.secureapi.pieces.AuthorizerPiece;
import io.secureapi.pieces.LastUsed;
import io.secureapi.pieces.SecretVersions;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Backoff;
import io.secureapi.support.Names;
import io.secureapi.support.Progress;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * keys add / list / revoke: named keys for the consumers of one API, in the bundled authorizer's
 * digest secret. Read once, check everything (exit 2 before any write), then write one new
 * secret version; a revoke then flushes the caches that may still accept the key.
 */
public final class NamedKeys {
    /** A key is "expiring" (list) and warned about (verify keys.expiring) this long before it expires. */
    private static final Pattern DAYS = Pattern.compile("(\\d+)d");

    /** One row of keys list; never anything from which a key can be recovered. */
    /** {@code routes}: null for every route. */
    public record Row(
            String name, Instant created, Instant expires, String status, String lastUsed, List<String> routes) {}

    /** One key to add: its name, the key, when it expires (null: never). */
    public record NewKey(String name, ApiKey key, Instant expires) {
        @Override
        public String toString() {
            return "NewKey[" + name + ", key redacted, expires=" + expires + "]";
        }
    }

    /**
     * How often a write that lost the compare-and-set to another run reads the secret again and
     * re-applies its change before it gives up (exit 3).
     */
    static final int WRITE_TRIES = 5;

    private final Wiring w;
    /** As read; once this run has recorded its flush ahead of a write, with that tag. */
    private State.Secret secret;
    /** As read, and read again when another run changed the secret first. */
    private DigestSecret current;

    /** The AWSCURRENT version {@link #current} was read from: a write succeeds only while it is still current. */
    private String readVersionId;

    private NamedKeys(Wiring w, State.Secret secret, DigestSecret current, String readVersionId) {
        this.readVersionId = readVersionId;
        this.w = w;
        this.secret = secret;
        this.current = current;
    }

    /**
     * Reads the secret (AWSCURRENT only: the digest format never uses AWSPREVIOUS). Refuses, exit 2,
     * an API checked by the user's own function, a missing secret, and a legacy plaintext secret.
     * {@code config}: secure-api.json's entry, null for none.
     */
    public static NamedKeys read(String apiId, String region, ProjectConfig config, AwsClients aws, Progress progress) {
        Optional<ProjectConfig> cfg = Optional.ofNullable(config).filter(ProjectConfig.forApi(apiId));
        Target target = Target.fromConfig(apiId, region, cfg.orElse(null));
        if (!target.managedFunction()) {
            throw ExitException.badInput(
                    "keys needs the bundled authorizer: API " + apiId + " is checked by your own function "
                            + Wiring.nameOf(target.function().get())
                            + ", which compares the header with one plain-string key",
                    "rotate that one key with secure-api rotate-key; for named keys, run secure-api teardown, then setup without --function");
        }
        Wiring w = new Wiring(target, aws, progress, cfg.orElse(null));
        String name = target.secretName();
        String id = cfg.map(ProjectConfig::secretArn)
                .filter(s -> s != null && !s.isBlank())
                .orElse(name);
        State.Secret s = Reader.of(w)
                .secret(id)
                .wiring()
                .secret()
                .orElseThrow(() -> ExitException.badInput(
                        "secret " + name + " not found in " + region + " (API " + apiId + " has no keys)",
                        "run secure-api setup --api-id " + apiId + " first"));
        if (s.scheduledForDeletion()) {
            throw ExitException.badInput(
                    "secret " + s.name() + " is scheduled for deletion",
                    "run secure-api setup first: it restores the secret");
        }
        String raw = Reader.of(w)
                .secretValues()
                .wiring()
                .secretValue()
                .orElseThrow(() -> ExitException.badInput(
                        "secret " + s.name() + " has no current value (AWSCURRENT)",
                        "run secure-api setup first: it stores a key"));
        if (!DigestSecret.is(raw)) {
            throw ExitException.badInput(
                    "secret " + s.name() + " holds its keys in plaintext (a format older secure-api versions wrote)",
                    "run secure-api setup first: it stores them as digests without changing any key");
        }
        return new NamedKeys(
                w, s, DigestSecret.parse(raw, s.name()), w.snapshot().secretVersionId());
    }

    public Wiring wiring() {
        return w;
    }

    public String secretArn() {
        return secret.arn();
    }

    public String secretName() {
        return secret.name();
    }

    /**
     * The latest expiry both sides read: the authorizer parses four-digit years only, so a later
     * date would make the whole secret unreadable for it (every request a 500).
     */
    public static final Instant LATEST_EXPIRY = Instant.parse("9999-12-31T23:59:59Z");

    private static ExitException tooFar(String t) {
        return ExitException.badInput(
                "--expires " + (t.length() > 40 ? t.substring(0, 40) + "…" : t) + " is too far: the latest expiry is "
                        + LATEST_EXPIRY.toString().substring(0, 10),
                "give a date up to 9999-12-31, or a number of days that ends by then; or omit --expires for a key that"
                        + " never expires");
    }

    /**
     * "90d" counts from now; "2027-03-31" is the end of that day in UTC. Empty text = never.
     * A past or unreadable expiry is exit 2, checked before anything is read.
     */
    public static Instant parseExpiry(String text, Instant now) {
        if (text == null) return null;
        String t = text.strip();
        Instant at;
        Matcher m = DAYS.matcher(t);
        if (m.matches()) {
            java.math.BigInteger days = new java.math.BigInteger(m.group(1));
            if (days.signum() == 0)
                throw ExitException.badInput(
                        "--expires 0d is already past", "give a number of days (e.g. 90d) or a date (e.g. 2027-03-31)");
            long left = Duration.between(now, LATEST_EXPIRY).toDays();
            if (days.compareTo(java.math.BigInteger.valueOf(left)) > 0) throw tooFar(t);
            at = now.plus(Duration.ofDays(days.longValueExact())).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        } else {
            try {
                LocalDate day = LocalDate.parse(t);
                if (day.isAfter(LocalDate.of(9999, 12, 31))) throw tooFar(t);
                at = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusSeconds(1);
            } catch (DateTimeParseException e) {
                // a year of five or more digits (ISO wants a sign for it): a date, and too far
                if (t.matches("\\+?\\d{5,}-\\d{2}-\\d{2}")) throw tooFar(t);
                throw ExitException.badInput(
                        "--expires \"" + (t.length() > 40 ? t.substring(0, 40) + "…" : t)
                                + "\" is neither a number of days nor a date",
                        "give e.g. --expires 90d (from now) or --expires 2027-03-31 (the end of that day, UTC)");
            }
        }
        if (at.isAfter(LATEST_EXPIRY)) throw tooFar(t);
        if (!at.isAfter(now)) {
            throw ExitException.badInput(
                    "--expires " + t + " is in the past (" + at + ")",
                    "give a later date, or a number of days (e.g. 90d)");
        }
        return at;
    }

    /**
     * Checks an add against what is stored (exit 2, before any write): a new name, room, a key no other name has.
     * {@code supplied}: the key the user gave, null when secure-api generates one.
     */
    public void checkAdd(String name, ApiKey supplied) {
        if (current.has(name)) {
            throw ExitException.badInput(
                    "key " + name + " already exists in secret " + secretName(),
                    "choose another name, or replace its key with secure-api rotate-key --key " + name);
        }
        if (current.keys().size() >= DigestSecret.MAX_KEYS) {
            throw ExitException.badInput(
                    "secret " + secretName() + " already holds "
                            + current.keys().size() + " keys, the most one secret value fits (" + DigestSecret.MAX_KEYS
                            + ": a value is at most " + DigestSecret.MAX_BYTES + " bytes)",
                    "revoke keys nobody uses (secure-api keys list shows last use), or put more consumers behind another API");
        }
        if (supplied != null) {
            String owner = current.nameOf(supplied);
            if (owner != null) {
                throw ExitException.badInput(
                        "the supplied key is already key " + owner + " of secret " + secretName()
                                + "; each name needs its own key",
                        "supply another key, or omit the key option and secure-api generates one");
            }
        }
    }

    /**
     * Checks several adds at once (exit 2, before any write): every name new and given once, room
     * for all of them, supplied keys that no other name has.
     */
    public void checkAdd(List<String> names, ApiKey supplied) {
        checkDistinct(names);
        for (String n : names) checkAdd(n, supplied);
        if (current.keys().size() + names.size() > DigestSecret.MAX_KEYS) {
            throw ExitException.badInput(
                    "secret " + secretName() + " holds " + current.keys().size() + " keys and " + names.size()
                            + " more would exceed the most one secret value fits (" + DigestSecret.MAX_KEYS + ")",
                    "add fewer keys, or revoke keys nobody uses first (secure-api keys list shows last use)");
        }
    }

    /** Checks a revoke (exit 2, before any write): the name must exist. */
    public void checkRevoke(String name) {
        if (!current.has(name)) throw DigestSecret.unknown(name, secretName(), current);
    }

    /** Checks several revokes at once (exit 2, before any write): each name exists and is given once. */
    public void checkRevoke(List<String> names) {
        checkDistinct(names);
        for (String n : names) checkRevoke(n);
    }

    private static void checkDistinct(List<String> names) {
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                throw ExitException.badInput(
                        "key name " + n + " is given more than once; nothing was changed", "give each name once");
            }
        }
    }

    /** Stores {@code key} under {@code name}: one new secret version. Returns its version id. */
    public String add(String name, ApiKey key, Instant expires) {
        return add(List.of(new NewKey(name, key, expires)));
    }

    /**
     * Stores every key in one new secret version (one version whatever their number: the version
     * quota counts writes, not keys). Returns its version id. Throws {@link SecretVersions.NotStored}
     * when none of them is stored (e.g. another run added one of the names first: exit 2).
     */
    public String add(List<NewKey> keys) {
        return add(keys, null, null);
    }

    /**
     * The same, each new key limited to {@code routes} (null: every route; call {@link
     * #prepareScopes} first when not null) and with {@code quota} (null: none).
     */
    public String add(List<NewKey> keys, List<String> routes, Quota quota) {
        List<String> names = keys.stream().map(NewKey::name).toList();
        return write(
                "adding key" + (names.size() == 1 ? " " : "s ") + String.join(", ", names) + " to secret "
                        + secretName(),
                d -> {
                    Instant now = Instant.now();
                    DigestSecret next = d;
                    for (NewKey k : keys)
                        next = next.with(
                                k.name(),
                                next.entryFor(k.key(), now, k.expires())
                                        .withRoutes(routes)
                                        .withQuota(quota));
                    return next;
                },
                // a name another run added meanwhile is exit 2, as if it had been there from the start
                () -> checkAdd(names, null));
    }

    /**
     * Limits key {@code name} to {@code routes} (null: every route again): one new version, same key.
     * Call {@link #prepareScopes} first when {@code routes} is not null.
     */
    public String scope(String name, List<String> routes) {
        return write(
                "changing the routes of key " + name + " in secret " + secretName(),
                d -> d.has(name) ? d.with(name, d.get(name).withRoutes(routes)) : d,
                () -> checkRevoke(name));
    }

    /**
     * Exit 2, before any write, when a scope needs the authorizer changed and a stage without
     * AutoDeploy would need a deployment the caller did not allow (--deploy-stages).
     */
    public void checkScopes(boolean deployStages) {
        boolean ready = AuthorizerPiece.fresh(w)
                .filter(a -> AuthorizerPiece.cachesPerRequest(w, a))
                .isPresent();
        if (ready || deployStages) return;
        List<String> manual = StagesPiece.needingDeployment(w);
        if (manual.isEmpty()) return;
        throw ExitException.badInput(
                "a key limited to routes needs the authorizer to cache per method and path, and stage"
                        + (manual.size() == 1 ? " " : "s ") + String.join(", ", manual) + " of API " + w.apiId()
                        + " in " + w.region() + " (AutoDeploy off) serve that change only through a deployment;"
                        + " nothing was changed",
                "run it again with " + StagesPiece.FLAG
                        + " (a deployment also releases any other undeployed change of the API)");
    }

    /**
     * Before the first scoped key: the authorizer's identity sources become key header, method and
     * path; every stage then serves that change (a deployment for stages without AutoDeploy, as
     * setup deploys them; AutoDeploy stages awaited); then every stage's authorizer cache is reset,
     * so no allow cached by the header alone can serve another path. Only then may a scoped key be
     * written. Nothing happens when the authorizer already caches per request.
     */
    public void prepareScopes() {
        List<State.Stage> stages = StagesPiece.stages(w);
        Map<String, String> before = new java.util.HashMap<>();
        for (State.Stage st : stages) if (st.autoDeploy()) before.put(st.name(), st.deploymentId());
        if (!AuthorizerPiece.ensurePerRequest(w)) return;
        for (String stage : StagesPiece.needingDeployment(w)) {
            StagesPiece.deployStage(w, stage, "secure-api keys: the authorizer caches per key, method and path");
        }
        StagesPiece.awaitAutoDeploy(w, before);
        CacheFlush.resetAll(w, stages.stream().map(State.Stage::name).toList());
    }

    /** Removes {@code name} (and a rotation's old key of it) from the current version. Returns the new version id. */
    public String revoke(String name) {
        return revoke(List.of(name));
    }

    /**
     * Removes every name (with a rotation's old key of each) in one new version; returns its id. A
     * name another run revoked meanwhile is gone already: the others still go (when none is left, nothing is written and the current version id comes back).
     */
    public String revoke(List<String> names) {
        return write(
                "removing key" + (names.size() == 1 ? " " : "s ") + String.join(", ", names) + " from secret "
                        + secretName(),
                d -> {
                    DigestSecret next = d;
                    for (String n : names) next = next.without(n);
                    return next;
                },
                () -> {});
    }

    /**
     * Disables ({@code disabled} non-null) or enables (null) every name in one new version; the
     * digests, expiry, rotation and quota stay. A name another run revoked meanwhile is skipped.
     * Returns the new version id, or the current one when nothing changes (already in that state).
     */
    public String setDisabled(List<String> names, DigestSecret.Disabled disabled) {
        return change(
                (disabled == null ? "enabling key" : "disabling key") + (names.size() == 1 ? " " : "s ")
                        + String.join(", ", names) + " in secret " + secretName(),
                d -> {
                    DigestSecret next = d;
                    for (String n : names) {
                        DigestSecret.Entry e = next.get(n);
                        if (e == null || (disabled == null) == (e.disabled() == null)) continue;
                        next = next.with(n, e.withDisabled(disabled));
                    }
                    return next;
                });
    }

    /** Sets (null: clears) the quota of {@code name} in one new version; no new key. */
    public String setQuota(String name, Quota quota) {
        return change(
                (quota == null ? "clearing the quota of key " : "setting the quota of key ") + name + " in secret "
                        + secretName(),
                d -> d.has(name) ? d.with(name, d.get(name).withQuota(quota)) : d);
    }

    /**
     * Any change of the entries in one new version (keys enforce), re-applied to what another run
     * wrote first; returns the new version id, or the current one when it changes nothing.
     */
    public String change(String doing, java.util.function.UnaryOperator<DigestSecret> change) {
        return write(doing, change, () -> {});
    }

    /** The digest document as read (or read again after a lost compare-and-set). */
    public DigestSecret digests() {
        return current;
    }

    /** enabled or disabled (keys list's state). */
    public static String state(DigestSecret.Entry k) {
        return k.disabled() == null ? "enabled" : "disabled";
    }

    /**
     * Writes {@code change} of the current version; when another run changed the secret first (the
     * compare-and-set lost), reads it again, runs {@code recheck} and re-applies the change, at most
     * {@link #WRITE_TRIES} times with a random pause between, so concurrent runs each land instead
     * of failing. Returns the new version id, or the current one when the change changes nothing.
     */
    private String write(String doing, java.util.function.UnaryOperator<DigestSecret> change, Runnable recheck) {
        // jitter: two runs that lost to the same third one do not retry in step
        Backoff pause = new Backoff(
                Duration.ofSeconds(30),
                Duration.ofMillis(100 + ThreadLocalRandom.current().nextInt(400)),
                Duration.ofSeconds(2));
        for (int attempt = 1; ; attempt++) {
            DigestSecret next = change.apply(current);
            if (next.equals(current)) return readVersionId;
            try {
                return put(next, doing);
            } catch (SecretVersions.Changed lost) {
                if (attempt >= WRITE_TRIES
                        || !pause.retry(
                                w.progress,
                                "secret " + secretName() + " changed while this command ran; reading it again")) {
                    throw new SecretVersions.NotStored(
                            ExitException.AWS,
                            lost.getMessage() + " (" + attempt + " tries: other runs keep changing it)",
                            "run the command again when the other runs are done",
                            lost);
                }
                reread();
                try {
                    recheck.run();
                } catch (ExitException refused) {
                    // nothing of this run was stored: its write-ahead records may go
                    throw new SecretVersions.NotStored(refused.exitCode(), refused.getMessage(), refused.hint(), lost);
                }
            }
        }
    }

    /** Reads AWSCURRENT again (after another run changed it). */
    private void reread() {
        SecretVersions.Current now = SecretVersions.current(w, secret.arn(), secret.name())
                .orElseThrow(() -> new ExitException(
                        ExitException.AWS,
                        "secret " + secretName() + " has no current value any more (deleted while this command ran?)",
                        "run secure-api setup, then this command again",
                        null));
        if (!DigestSecret.is(now.value())) {
            throw new ExitException(
                    ExitException.AWS,
                    "secret " + secretName()
                            + " no longer holds keys as digests (changed by hand while this command ran?)",
                    "run secure-api setup, then this command again",
                    null);
        }
        current = DigestSecret.parse(now.value(), secretName());
        readVersionId = now.versionId();
    }

    private String put(DigestSecret next, String doing) {
        written = next.writtenGeneration();
        String value = next.toJson();
        if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > DigestSecret.MAX_BYTES) {
            throw ExitException.badInput(
                    doing + ": the value would exceed " + DigestSecret.MAX_BYTES + " bytes",
                    "revoke keys nobody uses first");
        }
        // every key write here ends with a flush (add, revoke, scope, disable, enable, enforce)
        secret = CacheFlush.recordAhead(w, secret, written);
        w.progress.say(doing);
        return SecretVersions.putIfCurrent(w, secret.arn(), secret.name(), value, readVersionId, doing);
    }

    /** The generation of the last value this run stored (the one a flush passes on); -1 before a write. */
    private long written = -1;

    /** Whether the secret holds a key of that name. */
    public boolean holds(String name) {
        return current.has(name);
    }

    /** The flush an earlier run left outstanding (tag on the secret: "generation/time"), if any. */
    public Optional<String> pendingFlush() {
        return CacheFlush.pending(secret);
    }

    /**
     * Completes the flush an earlier run left outstanding, for the value stored now (no write).
     * {@code rerun}: the command that completes it should this attempt fail too.
     */
    public CacheFlush.Result completePendingFlush(String rerun) {
        Instant at = pendingFlush()
                .map(v -> v.substring(v.indexOf('/') + 1))
                .flatMap(t -> {
                    try {
                        return Optional.of(Instant.parse(t));
                    } catch (DateTimeParseException e) {
                        return Optional.empty();
                    }
                })
                .orElseGet(Instant::now);
        requireFunction();
        return CacheFlush.flush(w, secret, at, current.generation(), true, rerun);
    }

    /**
     * Flushes the caches after this run's write (add or revoke), passing the generation it stored;
     * the bundled function must exist (else the window is the caches' own). {@code rerun}: the
     * command that completes the flush if a step fails.
     */
    public CacheFlush.Result flush(Instant writtenAt, String rerun) {
        long generation = written >= 0 ? written : current.generation();
        try {
            requireFunction();
        } catch (ExitException e) {
            // the write is done: record the flush it still needs, so verify shows it and a rerun completes it
            throw new ExitException(
                    e.exitCode(),
                    e.getMessage() + CacheFlush.recordPending(w, secret, generation, writtenAt),
                    e.hint(),
                    e);
        }
        return CacheFlush.flush(w, secret, writtenAt, generation, true, rerun);
    }

    private void requireFunction() {
        if (Reader.of(w).function().wiring().function().isEmpty()) {
            throw new ExitException(
                    ExitException.AWS,
                    "Lambda function " + w.functionName() + " not found in " + w.region()
                            + ": its key cache could not be emptied",
                    "run secure-api setup: it deploys the bundled authorizer again",
                    null);
        }
    }

    /** How long caches could accept a removed key without a flush: the authorizer TTL plus the function's key cache. */
    public int unflushedWindowSeconds() {
        int ttl = w.target.cacheTtl();
        String raw =
                w.function().map(f -> f.env().get(Names.ENV_KEY_CACHE_SECONDS)).orElse(null);
        return ttl + KeyRotation.keyCacheSeconds(raw);
    }

    /** The rows of keys list, sorted by name, with last use read from the authorizer's logs. */
    public List<Row> list(Instant now, LastUsed.Result used) {
        List<Row> rows = new ArrayList<>();
        current.keys().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            DigestSecret.Entry k = e.getValue();
            String last = used.unknown() != null ? "unknown" : used.days().get(e.getKey());
            rows.add(new Row(e.getKey(), k.created(), k.expires(), status(k, now), last, k.routes()));
        });
        return rows;
    }

    public static String status(DigestSecret.Entry k, Instant now) {
        if (k.expires() != null && !now.isBefore(k.expires())) return "expired";
        if (k.rotating()) return "rotating";
        if (k.expires() != null && now.plus(DigestSecret.EXPIRING_WITHIN).isAfter(k.expires())) return "expiring";
        return "active";
    }
}
