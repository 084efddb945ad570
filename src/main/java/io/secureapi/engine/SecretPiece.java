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

    /** The secret's current and previous values: its format decides (digests, a legacy plaintext format to convert, a plain string). */
    static Snapshot readValues(Wiring w, Snapshot s, String arn) {
        String current = stageValue(w, arn, KeyRotation.CURRENT).orElse(null);
        // the digest format keeps a rotation's old key inside the current version: AWSPREVIOUS no longer matters
        String previous = current != null && DigestSecret.is(current) ? null : stageValue(w, arn, KeyRotation.PREVIOUS).orElse(null);
        return s.with(b -> {
            b.secretValue = current;
            b.previousSecretValue = previous;
        });
    }

    /** The bundled authorizer's secret still holds plaintext keys (to be converted by {@link SecretFormatPiece}). */
    static boolean legacy(Wiring w) {
        return !plain(w) && w.secretValue().map(v -> !DigestSecret.is(v)).orElse(false);
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
        Optional<String> cur = w.secretValue();
        if (cur.isPresent() && DigestSecret.is(cur.get())) {
            d = DigestSecret.parse(cur.get(), name);
        } else if (cur.isPresent()) {
            d = DigestSecret.migrate(SecretValue.keys(cur.get()), SecretValue.keys(w.previousSecretValue().orElse(null)), now);
            long rotating = d.keys().values().stream().filter(DigestSecret.Entry::rotating).count();
            why.add("store its " + d.keys().size() + " plaintext key" + (d.keys().size() == 1 ? "" : "s") + " as digests, no key changed"
                    + (rotating > 0 ? " (the unfinished rotation's old key stays accepted)" : ""));
        } else {
            d = DigestSecret.empty();
        }
        if (cur.isEmpty() && w.target.suppliedKey().isEmpty() && !d.has(SecretValue.LIVE)) {
            if (generate) {
                w.keys.live = ApiKey.generate(SecretValue.LIVE);
                d = d.with(SecretValue.LIVE, d.entryFor(w.keys.live, now, null));
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
                w.keys.dev = ApiKey.generate(SecretValue.DEV);
                d = d.with(SecretValue.DEV, d.entryFor(w.keys.dev, now, null));
            }
            why.add("add a development key");
        }
        return new DigestPlan(d, why);
    }

    /** Stores a digest value as a new version (one token per run: an SDK retry cannot make a second version). */
    static Snapshot putDigests(Wiring w, State.Secret s, DigestSecret d, ApiKey newLive, ApiKey newDev) {
        String value = d.toJson();
        String token = UUID.randomUUID().toString();
        // keys made by this write are written ahead (<config>.pending) before AWS stores their digests
        if (newLive != null) w.keys.handover.beforeStore(SecretValue.LIVE, s.arn(), newLive);
        if (newDev != null) w.keys.handover.beforeStore(SecretValue.DEV, s.arn(), newDev);
        run("storing a new version of secret " + w.target.secretName(), w.region(),
                () -> w.aws.secrets().putSecretValue(r -> r.secretId(s.arn()).secretString(value).clientRequestToken(token)));
        if (newLive != null) w.keys.handover.stored(SecretValue.LIVE);
        if (newDev != null) w.keys.handover.stored(SecretValue.DEV);
        return w.snapshot().with(b -> {
            b.previousSecretValue = b.secretValue;
            b.secretValue = value;
        });
    }

    public static Optional<State.Secret> find(Wiring w, String secretId) {
        return ifFound("reading secret " + secretId, w.region(), ResourceNotFoundException.class,
                () -> w.aws.secrets().describeSecret(r -> r.secretId(secretId))).map(d -> {
                    Map<String, String> tags = d.tags() == null ? Map.of()
                            : d.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> a));
                    boolean hasCurrent = d.versionIdsToStages() == null
                            || d.versionIdsToStages().values().stream().anyMatch(stages -> stages.contains(KeyRotation.CURRENT));
                    return new State.Secret(d.arn(), d.name(), d.deletedDate(), tags, hasCurrent, d.kmsKeyId());
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
        if (w.secret().isPresent() && !w.secret().get().hasCurrent() && w.target.suppliedKey().isEmpty() && !keys.containsKey(SecretValue.LIVE)) {
            // a secret with no current value (created empty, or its AWSCURRENT label removed): give it a key
            if (generate) {
                w.keys.live = ApiKey.generate(SecretValue.LIVE);
                keys.put(SecretValue.LIVE, w.keys.live.reveal());
            }
            why.add("store a new key: it has no current value");
        }
        if (w.target.suppliedKey().isPresent() && !w.target.suppliedKey().get().sameAs(keys.get(SecretValue.LIVE))) {
            keys.put(SecretValue.LIVE, w.target.suppliedKey().get().reveal());
            why.add("store the supplied key as a new version");
        }
        if (w.target.devKey() && !keys.containsKey(SecretValue.DEV)) {
            if (generate) {
                w.keys.dev = ApiKey.generate(SecretValue.DEV);
                keys.put(SecretValue.DEV, w.keys.dev.reveal());
            }
            why.add("add a development key");
        }
        if (plain(w) && w.secretValue().map(v -> v.strip().startsWith("{")).orElse(false) && keys.containsKey(SecretValue.LIVE)) {
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
        if (w.previousSecretValue().isEmpty()) return;
        java.util.Collection<String> current = SecretValue.keys(w.secretValue().orElse(null)).values();
        boolean pending = SecretValue.keys(w.previousSecretValue().get()).values().stream()
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
        if (w.secret().isEmpty()) {
            String what = w.target.suppliedKey().isPresent() ? "store the supplied key" : "generate a new key";
            if (w.target.devKey()) what += " and a development key";
            return new Change(name(), name, Change.Action.CREATE, what + (plain(w) ? " (plain string)" : " (stored as digests, never the key)"));
        }
        List<String> why = new ArrayList<>();
        if (w.secret().get().scheduledForDeletion()) why.add("restore it: it is scheduled for deletion");
        if (plain(w)) {
            if (w.secretValue().map(DigestSecret::is).orElse(false) && w.target.suppliedKey().isEmpty()) {
                throw ExitException.badInput("secret " + name + " holds only digests of keys (the bundled authorizer's format), and your function "
                        + "compares the header with one plain-string key", "supply that key with --key-file or --key-stdin (stored as a plain string), "
                        + "or omit --function to keep the bundled authorizer");
            }
            why.addAll(changeKeys(w, SecretValue.keys(w.secretValue().orElse(null)), false));
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
    public Snapshot apply(Wiring w, Change change) {
        String name = w.target.secretName();
        if (change.action() == Change.Action.CREATE) return create(w, name);
        State.Secret s = w.secret().orElseThrow();
        Wiring now = s.scheduledForDeletion() ? restore(w, s) : w;
        return reread(now.on(plain(now) ? storePlain(now, s) : storeDigests(now, s)), s.arn());
    }

    /** Restores a secret scheduled for deletion; then its keys can be read and kept. */
    private static Wiring restore(Wiring w, State.Secret s) {
        run("restoring secret " + w.target.secretName(), w.region(), () -> w.aws.secrets().restoreSecret(r -> r.secretId(s.arn())));
        return w.on(readValues(w, w.snapshot(), s.arn()));
    }

    /** The bundled authorizer's digests; a legacy value waits for the function's new code (secret format): the old code cannot read digests. */
    private static Snapshot storeDigests(Wiring w, State.Secret s) {
        if (legacy(w)) return w.snapshot();
        ApiKey liveBefore = w.keys.live;
        ApiKey devBefore = w.keys.dev;
        DigestPlan p = digestPlan(w, true);
        if (p.why().isEmpty()) return w.snapshot();
        return putDigests(w, s, p.next(), w.keys.live != liveBefore ? w.keys.live : null, w.keys.dev != devBefore ? w.keys.dev : null);
    }

    /** The user's function's plain-string key. */
    private static Snapshot storePlain(Wiring w, State.Secret s) {
        Map<String, String> keys = SecretValue.keys(w.secretValue().orElse(null));
        if (changeKeys(w, keys, true).isEmpty()) return w.snapshot();
        String value = SecretValue.format(keys, plain(w));
        String token = UUID.randomUUID().toString();
        if (w.keys.live != null) w.keys.handover.beforeStore(SecretValue.LIVE, s.arn(), w.keys.live);
        if (w.keys.dev != null) w.keys.handover.beforeStore(SecretValue.DEV, s.arn(), w.keys.dev);
        run("storing a new version of secret " + w.target.secretName(), w.region(),
                () -> w.aws.secrets().putSecretValue(r -> r.secretId(s.arn()).secretString(value).clientRequestToken(token)));
        if (w.keys.live != null) w.keys.handover.stored(SecretValue.LIVE);
        if (w.keys.dev != null) w.keys.handover.stored(SecretValue.DEV);
        return w.snapshot().with(b -> {
            b.previousSecretValue = b.secretValue;
            b.secretValue = value;
        });
    }

    private static Snapshot reread(Wiring w, String secretId) {
        State.Secret now = find(w, secretId).orElse(null);
        return w.snapshot().with(b -> b.secret = now);
    }

    private Snapshot create(Wiring w, String name) {
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
        if (generated) w.keys.handover.beforeStore(SecretValue.LIVE, name, live);
        if (dev != null) w.keys.handover.beforeStore(SecretValue.DEV, name, dev);
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
            if (created) w.keys.handover.stored(SecretValue.LIVE);
            else w.keys.handover.notStored(SecretValue.LIVE);
        }
        if (dev != null) {
            if (created) w.keys.handover.stored(SecretValue.DEV);
            else w.keys.handover.notStored(SecretValue.DEV);
        }
        if (created) {
            if (w.target.suppliedKey().isEmpty()) w.keys.live = live;
            w.keys.dev = dev;
        } else {
            w.progress.say("secret " + name + " was created meanwhile by another run; using it (its key was shown there)");
        }
        State.Secret now = find(w, name).orElseThrow(() -> new ExitException(ExitException.AWS, "creating secret " + name + " ("
                + w.region() + "): the secret is not readable after creation", "run secure-api setup again; reruns are safe", null));
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
        if (!s.ownedBy(w.apiId())) return Change.ok(name(), name, "no tag " + Names.TAG_API_ID + "=" + w.apiId() + " (not created by secure-api); kept");
        if (w.options.removal().keepSecret()) return Change.ok(name(), name, "kept (--keep-secret)");
        return new Change(name(), name, Change.Action.DELETE, "schedule deletion in " + w.options.removal().recoveryDays()
                + " days (restorable until then)");
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        String arn = w.secret().orElseThrow().arn();
        String name = w.target.secretName();
        long days = w.options.removal().recoveryDays();
        unlessGone("scheduling deletion of secret " + name, w.region(), ResourceNotFoundException.class,
                () -> w.aws.secrets().deleteSecret(r -> r.secretId(arn).recoveryWindowInDays(days)));
        return reread(w, arn);
    }
}
