package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.run;

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
        // the value matters when a key is supplied, a dev key asked for, or the user's function needs a plain string
        boolean needsValue = w.target.suppliedKey().isPresent() || w.target.devKey() || plain(w);
        if (needsValue && w.secret.isPresent() && w.secret.get().deletedDate().isEmpty()) {
            readValues(w, w.secret.get().arn());
        }
    }

    private static void readValues(Wiring w, String arn) {
        w.secretValue = stageValue(w, arn, "AWSCURRENT");
        w.previousSecretValue = stageValue(w, arn, "AWSPREVIOUS");
    }

    public static Optional<State.Secret> find(Wiring w, String secretId) {
        return call("reading secret " + secretId, w.region(), () -> {
            try {
                DescribeSecretResponse d = w.aws.secrets().describeSecret(r -> r.secretId(secretId));
                w.secretKmsKeyId = d.kmsKeyId();
                Map<String, String> tags = d.tags() == null ? Map.of()
                        : d.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value, (a, b) -> a));
                boolean hasCurrent = d.versionIdsToStages() == null
                        || d.versionIdsToStages().values().stream().anyMatch(stages -> stages.contains("AWSCURRENT"));
                return Optional.of(new State.Secret(d.arn(), d.name(), Optional.ofNullable(d.deletedDate()), tags, hasCurrent));
            } catch (ResourceNotFoundException e) {
                return Optional.empty();
            }
        });
    }

    static Optional<String> stageValue(Wiring w, String arn, String stage) {
        return call("reading the " + stage + " value of secret " + w.target.secretName(), w.region(), () -> {
            try {
                return Optional.ofNullable(w.aws.secrets().getSecretValue(r -> r.secretId(arn).versionStage(stage)).secretString());
            } catch (ResourceNotFoundException e) {
                return Optional.empty();
            }
        });
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
            return new Change(name(), name, Change.Action.CREATE, what + (plain(w) ? " (plain string)" : " (JSON of named keys)"));
        }
        List<String> why = new ArrayList<>();
        if (w.secret.get().deletedDate().isPresent()) why.add("restore it: it is scheduled for deletion");
        why.addAll(changeKeys(w, SecretValue.keys(w.secretValue.orElse(null)), false));
        if (why.isEmpty()) return Change.ok(name(), name, "exists; key left as is");
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
        String value = SecretValue.format(keys, plain(w));
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
        call("scheduling deletion of secret " + name, w.region(), () -> {
            try {
                return w.aws.secrets().deleteSecret(r -> r.secretId(arn).recoveryWindowInDays(days));
            } catch (ResourceNotFoundException gone) {
                return null;
            }
        });
        w.secret = find(w, arn);
    }
}
