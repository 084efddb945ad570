package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;
import static io.secureapi.aws.AwsCall.run;
import static io.secureapi.aws.AwsCall.unlessGone;

import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.DigestSecret;
import io.secureapi.keys.SecretValue;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import io.secureapi.support.Names;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.Tag;

/** The Secrets Manager secret holding the key(s). */
public final class SecretPiece implements Piece {
    @Override
    public String name() {
        return "secret";
    }

    /** The secret's current and previous values: its format decides (digests, a legacy plaintext format to convert, a plain string). */
    public static Snapshot readValues(Wiring w, Snapshot s, String arn) {
        Optional<SecretVersions.Current> read = SecretVersions.current(w, arn, w.target.secretName());
        String current = read.map(SecretVersions.Current::value).orElse(null);
        String versionId = read.map(SecretVersions.Current::versionId).orElse(null);
        // the digest format keeps a rotation's old key inside the current version: AWSPREVIOUS no longer matters
        String previous = current != null && DigestSecret.is(current)
                ? null
                : stageValue(w, arn, SecretValue.PREVIOUS).orElse(null);
        return s.with(b -> {
            b.secretValue = current;
            b.secretVersionId = versionId;
            b.previousSecretValue = previous;
        });
    }

    /** The bundled authorizer's secret still holds plaintext keys (to be converted by {@link SecretFormatPiece}). */
    static boolean legacy(Wiring w) {
        return !plain(w) && w.secretValue().map(v -> !DigestSecret.is(v)).orElse(false);
    }

    /**
     * The keys this run stores: the plan's decision, from the secret's value as read. Apply
     * generates the keys it names (never the plan), writes them ahead, then stores one new version.
     * {@code digests}: the bundled authorizer's format, else the plain string a user's function reads.
     * {@code convert}: the value changes format (legacy plaintext keys to digests, every key kept;
     * or a JSON value to the plain string a user's function compares).
     * {@code generateLive}: a new live key (the secret has no current value).
     * {@code storeSupplied}: the supplied key becomes the live key (in digests the old one stays accepted, retiring).
     * {@code addDev}: a new development key.
     */
    record Keys(boolean digests, boolean convert, boolean generateLive, boolean storeSupplied, boolean addDev) {
        /** Whether a new version is needed. */
        boolean changes() {
            return convert || generateLive || storeSupplied || addDev;
        }
    }

    /** The keys decided, and why (the plan's detail); {@code why} empty when no new version is needed. */
    record KeyPlan(Keys keys, List<String> why) {}

    /** Create the secret holding {@code keys}. */
    record Create(String name, Keys keys) implements Change.Diff {}

    /**
     * Whether applying {@code c} may generate a key: a new live or development key, or the keys of
     * a restored secret, which are decided only once it is restored (setup --no-new-key refuses then).
     */
    public static boolean mayGenerateKey(Change c) {
        if (c.diff() instanceof Create d)
            return d.keys().generateLive() || d.keys().addDev();
        if (c.diff() instanceof Update d)
            return d.keys() == null || d.keys().generateLive() || d.keys().addDev();
        if (c.diff() instanceof SecretFormatPiece.Convert d)
            return d.keys().generateLive() || d.keys().addDev();
        return false;
    }

    /**
     * A new version of secret {@code arn} holding {@code keys}; {@code restore} it first when it is
     * scheduled for deletion. Such a secret's value cannot be read until it is restored, so its keys
     * are decided then ({@code keys} null), as Terraform leaves a value "known after apply".
     */
    record Update(String arn, boolean restore, Keys keys) implements Change.Diff {}

    /** Schedule the deletion of secret {@code arn}, restorable for {@code recoveryDays}. */
    record ScheduleDeletion(String arn, int recoveryDays) implements Change.Diff {}

    /**
     * For the bundled authorizer: the digest value this run stores (the current value as digests,
     * converted from a legacy format with every key kept, plus what this run adds), and why. Pure:
     * it names the keys to generate and never generates one.
     */
    static KeyPlan digestPlan(Wiring w) {
        String name = w.target.secretName();
        List<String> why = new ArrayList<>();
        Optional<String> cur = w.secretValue();
        DigestSecret d = digests(w, Instant.now());
        boolean convert = cur.isPresent() && !DigestSecret.is(cur.get());
        if (convert) {
            long rotating = d.keys().values().stream()
                    .filter(DigestSecret.Entry::rotating)
                    .count();
            why.add("store its " + d.keys().size() + " plaintext key"
                    + (d.keys().size() == 1 ? "" : "s") + " ("
                    + String.join(", ", d.keys().keySet())
                    + ") as digests, no key changed"
                    + (rotating > 0 ? " (the unfinished rotation's old key stays accepted)" : ""));
        }
        boolean generateLive = cur.isEmpty() && w.target.suppliedKey().isEmpty() && !d.has(SecretValue.LIVE);
        if (generateLive) why.add("store a new key: it has no current value");
        boolean storeSupplied = false;
        if (w.target.suppliedKey().isPresent()) {
            ApiKey supplied = w.target.suppliedKey().get();
            String owner = d.nameOf(supplied);
            if (!SecretValue.LIVE.equals(owner)) {
                if (owner != null) {
                    throw ExitException.badInput(
                            "the supplied key is the " + owner + " key of secret " + name
                                    + "; the live key must differ from it",
                            "supply another key, or omit the key option and secure-api generates one");
                }
                DigestSecret.Entry old = d.get(SecretValue.LIVE);
                if (old != null && old.rotating()) {
                    throw ExitException.badInput(
                            "the live key of secret " + name
                                    + " has an unfinished rotation: replacing it now would stop "
                                    + "the old key, which the front end may still send",
                            "run secure-api rotate-key --finish first, then run setup again");
                }
                storeSupplied = true;
                why.add(
                        old == null
                                ? "store the supplied key as the live key"
                                : "store the supplied key as the live key; the old one stays accepted until rotate-key --finish");
            }
        }
        boolean addDev = w.target.devKey() && !d.has(SecretValue.DEV);
        if (addDev) why.add("add a development key");
        return new KeyPlan(new Keys(true, convert, generateLive, storeSupplied, addDev), why);
    }

    /** The secret's value as digests: as stored, converted from a legacy format (every key kept), or empty. */
    private static DigestSecret digests(Wiring w, Instant now) {
        Optional<String> cur = w.secretValue();
        if (cur.isPresent() && DigestSecret.is(cur.get())) return DigestSecret.parse(cur.get(), w.target.secretName());
        if (cur.isPresent())
            // adopting never invents keys: only values that look like keys carry over, any other field stops setup
            return DigestSecret.migrate(
                    SecretValue.legacyKeys(cur.get(), w.target.secretName(), true),
                    SecretValue.legacyKeys(w.previousSecretValue().orElse(null), w.target.secretName(), false),
                    now);
        return DigestSecret.empty();
    }

    /**
     * Makes {@code keys} true on the secret's value as the snapshot holds it: generates the keys
     * they name, then stores one new version. Nothing is stored when they change nothing.
     */
    static Snapshot store(Wiring w, State.Secret s, Keys keys) {
        if (!keys.changes()) return w.snapshot();
        Instant now = Instant.now();
        ApiKey live = keys.generateLive() ? ApiKey.generate(SecretValue.LIVE) : null;
        ApiKey dev = keys.addDev() ? ApiKey.generate(SecretValue.DEV) : null;
        if (live != null) w.keys.live = live;
        if (dev != null) w.keys.dev = dev;
        String value;
        if (keys.digests()) {
            DigestSecret d = digests(w, now);
            if (live != null) d = d.with(SecretValue.LIVE, d.entryFor(live, now, null));
            if (keys.storeSupplied()) {
                DigestSecret.Entry old = d.get(SecretValue.LIVE);
                DigestSecret.Entry e = d.entryFor(w.target.suppliedKey().orElseThrow(), now, null);
                if (old != null)
                    e = e.withRetiring(new DigestSecret.Retiring(old.digest(), old.created(), old.expires()));
                d = d.with(SecretValue.LIVE, e);
            }
            if (dev != null) d = d.with(SecretValue.DEV, d.entryFor(dev, now, null));
            value = d.toJson();
        } else {
            Map<String, String> k = SecretValue.keys(w.secretValue().orElse(null));
            if (live != null) k.put(SecretValue.LIVE, live.reveal());
            if (keys.storeSupplied())
                k.put(SecretValue.LIVE, w.target.suppliedKey().orElseThrow().reveal());
            if (dev != null) k.put(SecretValue.DEV, dev.reveal());
            value = SecretValue.format(k, true);
        }
        return put(w, s, value, live, dev);
    }

    /**
     * Stores a value as the new current version, only if the current version is still the one read
     * (a key added meanwhile by keys add or rotate-key is never dropped): otherwise exit 3, nothing changed.
     */
    private static Snapshot put(Wiring w, State.Secret s, String value, ApiKey newLive, ApiKey newDev) {
        String name = w.target.secretName();
        // keys made by this write are written ahead (<config>.pending) before AWS stores them
        if (newLive != null) w.keys.handover.beforeStore(SecretValue.LIVE, s.arn(), newLive);
        if (newDev != null) w.keys.handover.beforeStore(SecretValue.DEV, s.arn(), newDev);
        String version;
        try {
            version = SecretVersions.putIfCurrent(
                    w, s.arn(), name, value, w.snapshot().secretVersionId(), "storing a new version of secret " + name);
        } catch (SecretVersions.NotStored notCurrent) {
            // read back: not current (after any other failure AWS may hold the keys, and their records stay)
            if (newLive != null) w.keys.handover.notStored(SecretValue.LIVE);
            if (newDev != null) w.keys.handover.notStored(SecretValue.DEV);
            throw notCurrent;
        }
        if (newLive != null) w.keys.handover.stored(SecretValue.LIVE);
        if (newDev != null) w.keys.handover.stored(SecretValue.DEV);
        return w.snapshot().with(b -> {
            b.previousSecretValue = b.secretValue;
            b.secretValue = value;
            b.secretVersionId = version;
        });
    }

    public static Optional<State.Secret> find(Wiring w, String secretId) {
        return ifFound(
                        "reading secret " + secretId,
                        w.region(),
                        ResourceNotFoundException.class,
                        () -> w.aws.secrets().describeSecret(r -> r.secretId(secretId)))
                .map(d -> {
                    Map<String, String> tags = d.tags() == null
                            ? Map.of()
                            : d.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> a));
                    boolean hasCurrent = d.versionIdsToStages() == null
                            || d.versionIdsToStages().values().stream()
                                    .anyMatch(stages -> stages.contains(SecretValue.CURRENT));
                    return new State.Secret(d.arn(), d.name(), d.deletedDate(), tags, hasCurrent, d.kmsKeyId());
                });
    }

    static Optional<String> stageValue(Wiring w, String arn, String stage) {
        return SecretVersions.namingKmsKey(w, () -> stageRead(w, arn, stage));
    }

    private static Optional<String> stageRead(Wiring w, String arn, String stage) {
        return ifFound(
                "reading the " + stage + " value of secret " + w.target.secretName(),
                w.region(),
                ResourceNotFoundException.class,
                () -> w.aws.secrets()
                        .getSecretValue(r -> r.secretId(arn).versionStage(stage))
                        .secretString());
    }

    /**
     * For a user's function: the plain-string key this run stores, and why; {@code why} empty when
     * no new version is needed. Pure: it names the keys to generate and never generates one.
     */
    private static KeyPlan plainPlan(Wiring w) {
        Map<String, String> keys = SecretValue.keys(w.secretValue().orElse(null));
        List<String> why = new ArrayList<>();
        // a secret with no current value (created empty, or its AWSCURRENT label removed): give it a key
        boolean generateLive = w.secret().isPresent()
                && !w.secret().get().hasCurrent()
                && w.target.suppliedKey().isEmpty()
                && !keys.containsKey(SecretValue.LIVE);
        if (generateLive) why.add("store a new key: it has no current value");
        boolean storeSupplied = w.target.suppliedKey().isPresent()
                && !w.target.suppliedKey().get().sameAs(keys.get(SecretValue.LIVE));
        if (storeSupplied) {
            keys.put(SecretValue.LIVE, w.target.suppliedKey().get().reveal());
            why.add("store the supplied key as a new version");
        }
        boolean addDev = w.target.devKey() && !keys.containsKey(SecretValue.DEV);
        if (addDev) why.add("add a development key");
        // switched from the bundled function: the user's function compares the header with the whole value
        boolean convert =
                w.secretValue().map(v -> v.strip().startsWith("{")).orElse(false) && keys.containsKey(SecretValue.LIVE);
        if (convert) {
            if (keys.containsKey(SecretValue.DEV) || addDev) {
                throw ExitException.badInput(
                        "secret " + w.target.secretName() + " holds a development key, and your function "
                                + "reads one plain-string key",
                        "omit --function to keep the bundled authorizer, or use another --secret-name");
            }
            why.add("store the live key as a plain string (your function reads one)");
        }
        if (!why.isEmpty()) refuseIfRotationUnfinished(w, keys);
        return new KeyPlan(new Keys(false, convert, generateLive, storeSupplied, addDev), why);
    }

    /** A new version moves AWSPREVIOUS: never while it holds a key the front end may still use. */
    private static void refuseIfRotationUnfinished(Wiring w, Map<String, String> next) {
        if (w.previousSecretValue().isEmpty()) return;
        java.util.Collection<String> current =
                SecretValue.keys(w.secretValue().orElse(null)).values();
        boolean pending = SecretValue.keys(w.previousSecretValue().get()).values().stream()
                .anyMatch(k -> !current.contains(k) && !next.containsValue(k));
        if (pending) {
            throw ExitException.badInput(
                    "secret " + w.target.secretName() + " has an unfinished key rotation: a new version now "
                            + "would stop the previous key, which the front end may still send",
                    SecretVersions.UNFINISHED_NEXT + "; then run setup again");
        }
    }

    @Override
    public Change plan(Wiring w) {
        String name = w.target.secretName();
        if (w.secret().isEmpty()) {
            String what = w.target.suppliedKey().isPresent() ? "store the supplied key" : "generate a new key";
            if (w.target.devKey()) what += " and a development key";
            Keys keys = new Keys(
                    !plain(w),
                    false,
                    w.target.suppliedKey().isEmpty(),
                    w.target.suppliedKey().isPresent(),
                    w.target.devKey());
            return new Change(
                    name(),
                    name,
                    Change.Action.CREATE,
                    what + (plain(w) ? " (plain string)" : " (stored as digests, never the key)"),
                    new Create(name, keys));
        }
        State.Secret s = w.secret().get();
        List<String> why = new ArrayList<>();
        if (s.scheduledForDeletion()) {
            // its value cannot be read before it is restored: the keys are decided then, and it keeps the ones it holds
            return new Change(
                    name(),
                    name,
                    Change.Action.UPDATE,
                    "restore it: it is scheduled for deletion; then keep the keys it holds"
                            + " (a new key only if it holds none)",
                    new Update(s.arn(), true, null));
        }
        Keys keys = null;
        if (plain(w)) {
            if (w.secretValue().map(DigestSecret::is).orElse(false)
                    && w.target.suppliedKey().isEmpty()) {
                throw ExitException.badInput(
                        "secret " + name
                                + " holds only digests of keys (the bundled authorizer's format), and your function "
                                + "compares the header with one plain-string key",
                        "supply that key with --key-file or --key-stdin (stored as a plain string), "
                                + "or omit --function to keep the bundled authorizer");
            }
            KeyPlan p = plainPlan(w);
            why.addAll(p.why());
            keys = p.keys();
        } else if (!legacy(w)) {
            KeyPlan p = digestPlan(w);
            why.addAll(p.why());
            keys = p.keys();
        }
        if (why.isEmpty())
            return Change.ok(
                    name(),
                    name,
                    legacy(w)
                            ? "exists; keys stored as digests after the function update (secret format)"
                            : "exists; key left as is");
        boolean restore = s.scheduledForDeletion();
        return new Change(
                name(),
                name,
                Change.Action.UPDATE,
                String.join("; ", why),
                new Update(s.arn(), restore, restore ? null : keys));
    }

    private static boolean plain(Wiring w) {
        return !w.target.managedFunction();
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        if (change.diff() instanceof Create c) return create(w, c);
        Update u = change.diff(Update.class);
        State.Secret s = w.secret().orElseThrow();
        Wiring now = w;
        Keys keys = u.keys();
        if (u.restore()) {
            now = restore(w, s);
            // known once restored; a legacy value waits for the function's new code (secret format): the old code
            // cannot read digests
            keys = legacy(now) ? null : (plain(now) ? plainPlan(now) : digestPlan(now)).keys();
        }
        Snapshot stored = keys == null ? now.snapshot() : store(now, s, keys);
        return reread(now.on(stored), u.arn());
    }

    /** Restores a secret scheduled for deletion; then its keys can be read and kept. */
    private static Wiring restore(Wiring w, State.Secret s) {
        run(
                "restoring secret " + w.target.secretName(),
                w.region(),
                () -> w.aws.secrets().restoreSecret(r -> r.secretId(s.arn())));
        return w.on(readValues(w, w.snapshot(), s.arn()));
    }

    private static Snapshot reread(Wiring w, String secretId) {
        State.Secret now = find(w, secretId).orElse(null);
        return w.snapshot().with(b -> b.secret = now);
    }

    private Snapshot create(Wiring w, Create c) {
        String name = c.name();
        Keys k = c.keys();
        ApiKey live = k.storeSupplied() ? w.target.suppliedKey().orElseThrow() : ApiKey.generate(SecretValue.LIVE);
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        keys.put(SecretValue.LIVE, live.reveal());
        ApiKey dev = null;
        if (k.addDev()) {
            dev = ApiKey.generate(SecretValue.DEV);
            keys.put(SecretValue.DEV, dev.reveal());
        }
        DigestSecret digests = DigestSecret.empty();
        digests = digests.with(SecretValue.LIVE, digests.entryFor(live, Instant.now(), null));
        if (dev != null) digests = digests.with(SecretValue.DEV, digests.entryFor(dev, Instant.now(), null));
        // the bundled authorizer gets digests only; the user's function compares a plain string
        String value = k.digests() ? digests.toJson() : SecretValue.format(keys, true);
        // One token per run: an SDK retry after a lost response cannot make a second version.
        String token = UUID.randomUUID().toString();
        boolean generated = k.generateLive();
        if (generated) w.keys.handover.beforeStore(SecretValue.LIVE, name, live);
        if (dev != null) w.keys.handover.beforeStore(SecretValue.DEV, name, dev);
        Map<String, String> tags = Map.of(Names.TAG_API_ID, w.apiId());
        String arn = call("creating secret " + name, w.region(), () -> {
            try {
                return w.aws.secrets()
                        .createSecret(r -> r.name(name)
                                .secretString(value)
                                .clientRequestToken(token)
                                .description(
                                        "API key(s) for API Gateway HTTP API " + w.apiId() + ", managed by secure-api")
                                .tags(tags.entrySet().stream()
                                        .map(t -> Tag.builder()
                                                .key(t.getKey())
                                                .value(t.getValue())
                                                .build())
                                        .toList()))
                        .arn();
            } catch (ResourceExistsException e) {
                return null;
            }
        });
        boolean created = arn != null;
        if (generated) {
            if (created) w.keys.handover.stored(SecretValue.LIVE);
            else w.keys.handover.notStored(SecretValue.LIVE);
        }
        if (dev != null) {
            if (created) w.keys.handover.stored(SecretValue.DEV);
            else w.keys.handover.notStored(SecretValue.DEV);
        }
        if (created) {
            if (generated) w.keys.live = live;
            w.keys.dev = dev;
        } else {
            w.progress.say(
                    "secret " + name + " was created meanwhile by another run; using it (its key was shown there)");
        }
        // Created by this run: CreateSecret's answer and request are the whole description (a current
        // version, the tag, no deletion date, and no KmsKeyId, which DescribeSecret omits for the
        // aws/secretsmanager key: docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html).
        // Created by another run meanwhile: read it.
        State.Secret now = created
                ? new State.Secret(arn, name, null, tags, true, null)
                : find(w, name)
                        .orElseThrow(() -> new ExitException(
                                ExitException.AWS,
                                "creating secret " + name + " (" + w.region()
                                        + "): the secret is not readable after creation",
                                "run secure-api setup again; reruns are safe",
                                null));
        return w.snapshot().with(b -> {
            b.secret = now;
            if (created) b.secretValue = value;
        });
    }

    // teardown

    @Override
    public Change planRemoval(Wiring w) {
        String name = w.target.secretName();
        if (w.secret().isEmpty()) return Change.ok(name(), name, "not found");
        State.Secret s = w.secret().get();
        if (s.scheduledForDeletion()) return Change.ok(name(), name, "already scheduled for deletion");
        if (!s.ownedBy(w.apiId()))
            return Change.ok(
                    name(),
                    name,
                    "no tag " + Names.TAG_API_ID + "=" + w.apiId() + " (not created by secure-api); kept");
        if (w.options.removal().keepSecret()) return Change.ok(name(), name, "kept (--keep-secret)");
        return new Change(
                name(),
                name,
                Change.Action.DELETE,
                "schedule deletion in " + w.options.removal().recoveryDays() + " days (restorable until then)",
                new ScheduleDeletion(s.arn(), w.options.removal().recoveryDays()));
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        ScheduleDeletion d = change.diff(ScheduleDeletion.class);
        String arn = d.arn();
        String name = w.target.secretName();
        long days = d.recoveryDays();
        unlessGone(
                "scheduling deletion of secret " + name,
                w.region(),
                ResourceNotFoundException.class,
                () -> w.aws.secrets().deleteSecret(r -> r.secretId(arn).recoveryWindowInDays(days)));
        return reread(w, arn);
    }

    // verify

    /** The secret exists and is not scheduled for deletion: only then do the checks of its policy, key and value apply. */
    static boolean readable(Wiring w) {
        return w.secret().isPresent() && !w.secret().get().scheduledForDeletion();
    }

    /** secret.exists; once it exists, secret.current-value and secret.not-deleted. */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        String name = w.target.secretName();
        String res = "secret " + name;
        if (w.secret().isEmpty()) {
            return List.of(Check.fail(
                    "secret.exists",
                    res,
                    "secret " + name + " not found in " + w.region() + ": the authorizer has no key to compare with",
                    Check.SETUP_FIX + " (it creates the secret and shows the new key once)"));
        }
        State.Secret s = w.secret().get();
        return List.of(
                Check.pass("secret.exists", res, "secret " + name + " exists"),
                currentValue(s, name, res),
                notDeleted(w, s, name, res));
    }

    private static Check currentValue(State.Secret s, String name, String res) {
        if (s.hasCurrent())
            return Check.pass(
                    "secret.current-value",
                    res,
                    "secret " + name + " has a current value (" + SecretValue.CURRENT + ")");
        return Check.fail(
                "secret.current-value",
                res,
                "secret " + name + " has no " + SecretValue.CURRENT
                        + " version: the authorizer has no key to compare with",
                Check.SETUP_FIX + " (it stores a new key and shows it once)");
    }

    private static Check notDeleted(Wiring w, State.Secret s, String name, String res) {
        if (!s.scheduledForDeletion())
            return Check.pass("secret.not-deleted", res, "secret " + name + " is not scheduled for deletion");
        return Check.fail(
                "secret.not-deleted",
                res,
                "secret " + name + " is scheduled for deletion on " + s.deletedDate()
                        + ": it cannot be read, so the authorizer rejects every request",
                "restore it: aws secretsmanager restore-secret --secret-id " + name + " --region " + w.region()
                        + " (or " + Check.SETUP_FIX + ", which restores it)");
    }
}
