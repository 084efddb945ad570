package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.run;
import static io.secureapi.aws.AwsCall.ifFound;
import static io.secureapi.aws.AwsCall.unlessGone;

import io.secureapi.error.ExitException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.Tag;

/** The Secrets Manager secret holding the key(s). */
public final class SecretPiece implements Piece {
    @Override
    public String name() {
        return "secret";
    }

    @Override
    public void read(Wiring w) {
        w.secret = find(w, w.target.secretName());
        w.secretValue = Optional.empty();
        w.previousSecretValue = Optional.empty();
        // always read: its format decides (digests, a legacy plaintext format to convert, a plain string)
        if (w.secret.isPresent() && w.secret.get().deletedDate().isEmpty()) {
            readValues(w, w.secret.get().arn());
        }
    }

    private static void readValues(Wiring w, String arn) {
        w.secretValue = stageValue(w, arn, KeyRotation.CURRENT);
        // the digest format keeps a rotation's old key inside the current version: AWSPREVIOUS no longer matters
        w.previousSecretValue = w.secretValue.map(DigestSecret::is).orElse(false) ? Optional.empty() : stageValue(w, arn, KeyRotation.PREVIOUS);
    }

    /** The bundled authorizer's secret still holds plaintext keys (to be converted by {@link SecretFormatPiece}). */
    static boolean legacy(Wiring w) {
        return !plain(w) && w.secretValue.map(v -> !DigestSecret.is(v)).orElse(false);
    }

    /** The digest value this run stores, and why; {@code why} empty when nothing changes. */
    record DigestPlan(DigestSecret next, List<String> why) {
    }

    /**
     * For the bundled authorizer: the current value as digests (converted from a legacy format, every
     * key kept), plus what this run adds. Generates keys only when {@code generate} (apply).
     */
    static DigestPlan digestPlan(Wiring w, boolean generate) {
        String name = w.target.secretName();
        List<String> why = new ArrayList<>();
        Instant now = Instant.now();
        DigestSecret d;
        Optional<String> cur = w.secretValue;
        if (cur.isPresent() && DigestSecret.is(cur.get())) {
            d = DigestSecret.parse(cur.get(), name);
        } else if (cur.isPresent()) {
            d = DigestSecret.migrate(SecretValue.keys(cur.get()), SecretValue.keys(w.previousSecretValue.orElse(null)), now);
            long rotating = d.keys().values().stream().filter(DigestSecret.Entry::rotating).count();
            why.add("store its " + d.keys().size() + " plaintext key" + (d.keys().size() == 1 ? "" : "s") + " as digests, no key changed"
                    + (rotating > 0 ? " (the unfinished rotation's old key stays accepted)" : ""));
        } else {
            d = DigestSecret.empty();
        }
        if (cur.isEmpty() && w.target.suppliedKey().isEmpty() && !d.has(SecretValue.LIVE)) {
            if (generate) {
                w.newLiveKey = ApiKey.generate(SecretValue.LIVE);
                d = d.with(SecretValue.LIVE, d.entryFor(w.newLiveKey, now, null));
            }
            why.add("store a new key: it has no current value");
        }
        if (w.target.suppliedKey().isPresent()) {
            ApiKey supplied = w.target.suppliedKey().get();
            String owner = d.nameOf(supplied);
            if (!SecretValue.LIVE.equals(owner)) {
                if (owner != null) {
                    throw ExitException.badInput("the supplied key is the " + owner + " key of secret " + name + "; the live key must differ from it",
                            "supply another key, or omit the key option and secure-api generates one");
                }
                DigestSecret.Entry old = d.get(SecretValue.LIVE);
                if (old != null && old.rotating()) {
                    throw ExitException.badInput("the live key of secret " + name + " has an unfinished rotation: replacing it now would stop "
                            + "the old key, which the front end may still send", "run secure-api rotate-key --finish first, then run setup again");
                }
                DigestSecret.Entry e = d.entryFor(supplied, now, null);
                if (old != null) e = e.withRetiring(new DigestSecret.Retiring(old.digest(), old.created(), old.expires()));
                d = d.with(SecretValue.LIVE, e);
                why.add(old == null ? "store the supplied key as the live key"
                        : "store the supplied key as the live key; the old one stays accepted until rotate-key --finish");
            }
        }
        if (w.target.devKey() && !d.has(SecretValue.DEV)) {
            if (generate) {
                w.newDevKey = ApiKey.generate(SecretValue.DEV);
                d = d.with(SecretValue.DEV, d.entryFor(w.newDevKey, now, null));
            }
            why.add("add a development key");
        }
        return new DigestPlan(d, why);
    }

    /** Stores a digest value as a new version (one token per run: an SDK retry cannot make a second version). */
    static void putDigests(Wiring w, State.Secret s, DigestSecret d, ApiKey newLive, ApiKey newDev) {
        String value = d.toJson();
        String token = UUID.randomUUID().toString();
        // keys made by this write are written ahead (<config>.pending) before AWS stores their digests
        if (newLive != null) w.handover.beforeStore(SecretValue.LIVE, s.arn(), newLive);
        if (newDev != null) w.handover.beforeStore(SecretValue.DEV, s.arn(), newDev);
        run("storing a new version of secret " + w.target.secretName(), w.region(),
                () -> w.aws.secrets().putSecretValue(r -> r.secretId(s.arn()).secretString(value).clientRequestToken(token)));
        if (newLive != null) w.handover.stored(SecretValue.LIVE);
        if (newDev != null) w.handover.stored(SecretValue.DEV);
        w.previousSecretValue = w.secretValue;
        w.secretValue = Optional.of(value);
    }

    public static Optional<State.Secret> find(Wiring w, String secretId) {
        return call("reading secret " + secretId, w.region(), () -> {
            try {
                DescribeSecretResponse d = w.aws.secrets().describeSecret(r -> r.secretId(secretId));
                w.secretKmsKeyId = d.kmsKeyId();
                Map<String, String> tags = d.tags() == null ? Map.of()
                        : d.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> a));
                boolean hasCurrent = d.versionIdsToStages() == null
                        || d.versionIdsToStages().values().stream().anyMatch(stages -> stages.contains(KeyRotation.CURRENT));
                return Optional.of(new State.Secret(d.arn(), d.name(), Optional.ofNullable(d.deletedDate()), tags, hasCurrent));
            } catch (ResourceNotFoundException e) {
                return Optional.empty();
            }
        });
    }

    static Optional<String> stageValue(Wiring w, String arn, String stage) {
        return ifFound("reading the " + stage + " value of secret " + w.target.secretName(), w.region(), ResourceNotFoundException.class,
                () -> w.aws.secrets().getSecretValue(r -> r.secretId(arn).versionStage(stage)).secretString());
    }

    /**
     * Puts into {@code keys} what this run stores, and says why; empty when no new version is needed.
     * Generates the dev key only when {@code generate} (apply), so planning stays pure.
     */
    private static List<String> changeKeys(Wiring w, Map<String, String> keys, boolean generate) {
        List<String> why = new ArrayList<>();
        if (w.secret.isPresent() && !w.secret.get().hasCurrent() && w.target.suppliedKey().isEmpty() && !keys.containsKey(SecretValue.LIVE)) {
            // a secret with no current value (created empty, or its AWSCURRENT label removed): give it a key
            if (generate) {
                w.newLiveKey = ApiKey.generate(SecretValue.LIVE);
                keys.put(SecretValue.LIVE, w.newLiveKey.reveal());
            }
            why.add("store a new key: it has no current value");
        }
        if (w.target.suppliedKey().isPresent() && !w.target.suppliedKey().get().sameAs(keys.get(SecretValue.LIVE))) {
            keys.put(SecretValue.LIVE, w.target.suppliedKey().get().reveal());
            why.add("store the supplied key as a new version");
        }
        if (w.target.devKey() && !keys.containsKey(SecretValue.DEV)) {
            if (generate) {
                w.newDevKey = ApiKey.generate(SecretValue.DEV);
                keys.put(SecretValue.DEV, w.newDevKey.reveal());
            }
            why.add("add a development key");
        }
        if (plain(w) && w.secretValue.map(v -> v.strip().startsWith("{")).orElse(false) && keys.containsKey(SecretValue.LIVE)) {
            // switched from the bundled function: the user's function compares the header with the whole value
            if (keys.containsKey(SecretValue.DEV)) {
                throw ExitException.badInput("secret " + w.target.secretName() + " holds a development key, and your function "
                        + "reads one plain-string key", "omit --function to keep the bundled authorizer, or use another --secret-name");
            }
            why.add("store the live key as a plain string (your function reads one)");
        }
        if (!why.isEmpty()) refuseIfRotationUnfinished(w, keys);
        return why;
    }

    /** A new version moves AWSPREVIOUS: never while it holds a key the front end may still use. */
    private static void refuseIfRotationUnfinished(Wiring w, Map<String, String> next) {
        if (w.previousSecretValue.isEmpty()) return;
        java.util.Collection<String> current = SecretValue.keys(w.secretValue.orElse(null)).values();
        boolean pending = SecretValue.keys(w.previousSecretValue.get()).values().stream()
                .anyMatch(k -> !current.contains(k) && !next.containsValue(k));
        if (pending) {
            throw ExitException.badInput("secret " + w.target.secretName() + " has an unfinished key rotation: a new version now "
                    + "would stop the previous key, which the front end may still send",
                    KeyRotation.UNFINISHED_NEXT + "; then run setup again");
        }
    }

    @Override
    public Change plan(Wiring w) {
        String name = w.target.secretName();
        if (w.secret.isEmpty()) {
            String what = w.target.suppliedKey().isPresent() ? "store the supplied key" : "generate a new key";
            if (w.target.devKey()) what += " and a development key";
            return new Change(name(), name, Change.Action.CREATE, what + (plain(w) ? " (plain string)" : " (stored as digests, never the key)"));
        }
        List<String> why = new ArrayList<>();
        if (w.secret.get().deletedDate().isPresent()) why.add("restore it: it is scheduled for deletion");
        if (plain(w)) {
            if (w.secretValue.map(DigestSecret::is).orElse(false) && w.target.suppliedKey().isEmpty()) {
                throw ExitException.badInput("secret " + name + " holds only digests of keys (the bundled authorizer's format), and your function "
                        + "compares the header with one plain-string key", "supply that key with --key-file or --key-stdin (stored as a plain string), "
                        + "or omit --function to keep the bundled authorizer");
            }
            why.addAll(changeKeys(w, SecretValue.keys(w.secretValue.orElse(null)), false));
        } else if (!legacy(w)) {
            why.addAll(digestPlan(w, false).why());
        }
        if (why.isEmpty()) return Change.ok(name(), name, legacy(w) ? "exists; keys stored as digests after the function update (secret format)"
                : "exists; key left as is");
        return new Change(name(), name, Change.Action.UPDATE, String.join("; ", why));
    }

    private static boolean plain(Wiring w) {
        return !w.target.managedFunction();
    }

    @Override
    public void apply(Wiring w, Change change) {
        String name = w.target.secretName();
        if (change.action() == Change.Action.CREATE) {
            create(w, name);
            return;
        }
        State.Secret s = w.secret.orElseThrow();
        if (s.deletedDate().isPresent()) {
            run("restoring secret " + name, w.region(), () -> w.aws.secrets().restoreSecret(r -> r.secretId(s.arn())));
        }
        if (s.deletedDate().isPresent()) readValues(w, s.arn()); // restored: now its keys can be kept
        if (!plain(w)) {
            // a legacy value waits for the function's new code (secret format): the old code cannot read digests
            if (!legacy(w)) {
                ApiKey liveBefore = w.newLiveKey;
                ApiKey devBefore = w.newDevKey;
                DigestPlan p = digestPlan(w, true);
                if (!p.why().isEmpty()) {
                    putDigests(w, s, p.next(), w.newLiveKey != liveBefore ? w.newLiveKey : null, w.newDevKey != devBefore ? w.newDevKey : null);
                }
            }
            w.secret = find(w, s.arn());
            return;
        }
        Map<String, String> keys = SecretValue.keys(w.secretValue.orElse(null));
        boolean changed = !changeKeys(w, keys, true).isEmpty();
        if (changed) {
            String value = SecretValue.format(keys, plain(w));
            String token = UUID.randomUUID().toString();
            if (w.newLiveKey != null) w.handover.beforeStore(SecretValue.LIVE, s.arn(), w.newLiveKey);
            if (w.newDevKey != null) w.handover.beforeStore(SecretValue.DEV, s.arn(), w.newDevKey);
            run("storing a new version of secret " + name, w.region(),
                    () -> w.aws.secrets().putSecretValue(r -> r.secretId(s.arn()).secretString(value).clientRequestToken(token)));
            if (w.newLiveKey != null) w.handover.stored(SecretValue.LIVE);
            if (w.newDevKey != null) w.handover.stored(SecretValue.DEV);
        }
        w.secret = find(w, s.arn());
    }

    private void create(Wiring w, String name) {
        ApiKey live = w.target.suppliedKey().orElseGet(() -> ApiKey.generate(SecretValue.LIVE));
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        keys.put(SecretValue.LIVE, live.reveal());
        ApiKey dev = null;
        if (w.target.devKey()) {
            dev = ApiKey.generate(SecretValue.DEV);
            keys.put(SecretValue.DEV, dev.reveal());
        }
        DigestSecret digests = DigestSecret.empty();
        digests = digests.with(SecretValue.LIVE, digests.entryFor(live, Instant.now(), null));
        if (dev != null) digests = digests.with(SecretValue.DEV, digests.entryFor(dev, Instant.now(), null));
        // the bundled authorizer gets digests only; the user's function compares a plain string
        String value = plain(w) ? SecretValue.format(keys, true) : digests.toJson();
        // One token per run: an SDK retry after a lost response cannot make a second version.
        String token = UUID.randomUUID().toString();
        boolean generated = w.target.suppliedKey().isEmpty();
        if (generated) w.handover.beforeStore(SecretValue.LIVE, name, live);
        if (dev != null) w.handover.beforeStore(SecretValue.DEV, name, dev);
        boolean created = call("creating secret " + name, w.region(), () -> {
            try {
                w.aws.secrets().createSecret(r -> r.name(name).secretString(value).clientRequestToken(token)
                        .description("API key(s) for API Gateway HTTP API " + w.apiId() + ", managed by secure-api")
                        .tags(Tag.builder().key(Names.TAG_API_ID).value(w.apiId()).build()));
                return true;
            } catch (ResourceExistsException e) {
                return false;
            }
        });
        if (generated) {
            if (created) w.handover.stored(SecretValue.LIVE);
            else w.handover.notStored(SecretValue.LIVE);
        }
        if (dev != null) {
            if (created) w.handover.stored(SecretValue.DEV);
            else w.handover.notStored(SecretValue.DEV);
        }
        if (created) {
            if (w.target.suppliedKey().isEmpty()) w.newLiveKey = live;
            w.newDevKey = dev;
        } else {
            w.progress.say("secret " + name + " was created meanwhile by another run; using it (its key was shown there)");
        }
        w.secret = find(w, name);
        if (created) w.secretValue = Optional.of(value);
        if (w.secret.isEmpty()) {
            throw new ExitException(ExitException.AWS, "creating secret " + name + " (" + w.region() + "): the secret is not readable after creation",
                    "run secure-api setup again; reruns are safe", null);
        }
    }

    // teardown

    @Override
    public Change planRemoval(Wiring w) {
        String name = w.target.secretName();
        if (w.secret.isEmpty()) return Change.ok(name(), name, "not found");
        State.Secret s = w.secret.get();
        if (s.deletedDate().isPresent()) return Change.ok(name(), name, "already scheduled for deletion");
        if (!s.ownedBy(w.apiId())) return Change.ok(name(), name, "no tag " + Names.TAG_API_ID + "=" + w.apiId() + " (not created by secure-api); kept");
        if (w.removal.keepSecret()) return Change.ok(name(), name, "kept (--keep-secret)");
        return new Change(name(), name, Change.Action.DELETE, "schedule deletion in " + w.removal.recoveryDays()
                + " days (restorable until then)");
    }

    @Override
    public void remove(Wiring w, Change change) {
        String arn = w.secret.orElseThrow().arn();
        String name = w.target.secretName();
        long days = w.removal.recoveryDays();
        unlessGone("scheduling deletion of secret " + name, w.region(), ResourceNotFoundException.class,
                () -> w.aws.secrets().deleteSecret(r -> r.secretId(arn).recoveryWindowInDays(days)));
        w.secret = find(w, arn);
    }
}
