package io.secureapi.keys;

import io.secureapi.error.ExitException;
import java.time.Instant;
import java.util.List;

/**
 * rotate-key in the digest format, as pure steps on a {@link DigestSecret}: the overlap lives in
 * the current version (the old digest, retiring), never in AWSPREVIOUS, and each name rotates on
 * its own. Every refusal is exit 2, before any write.
 */
public final class DigestRotation {
    private DigestRotation() {}

    /** The key of {@code name} becomes {@code key}; the old one retires (accepted until finish). With {@code force}, an unfinished rotation's old key is dropped. */
    public static DigestSecret rotate(
            DigestSecret d, String secretName, String name, ApiKey key, Instant now, boolean force) {
        DigestSecret.Entry old = d.get(name);
        if (old == null) throw noKey(d, secretName, name);
        if (old.rotating() && !force) {
            throw ExitException.badInput(
                    "a previous rotation of the " + name + " key of secret " + secretName + " is not finished: its old "
                            + "key is still accepted, and rotating again would make it stop working at once",
                    "if you have the new key, give it to the consumer (Bubble for live and dev), then run secure-api rotate-key --finish --key "
                            + name + "; if nobody has it, secure-api rotate-key --discard-current --key " + name
                            + " makes the old key the only one again");
        }
        String owner = d.nameOf(key);
        if (owner != null && !owner.equals(name)) {
            throw ExitException.badInput(
                    "the supplied key is the " + owner + " key of secret " + secretName + "; the " + name
                            + " key must differ from it",
                    "supply another key, or omit the key option and secure-api generates one");
        }
        // an expiry still ahead is the consumer's contract: the new key keeps it
        Instant expires = old.expires() != null && old.expires().isAfter(now) ? old.expires() : null;
        DigestSecret.Entry next = d.entryFor(key, now, expires)
                .withRetiring(new DigestSecret.Retiring(old.digest(), old.created(), old.expires()));
        return d.with(name, next);
    }

    /** Whether {@code key} is already the current key of {@code name} (a rerun with the same supplied key). */
    public static boolean isCurrent(DigestSecret d, String name, ApiKey key) {
        DigestSecret.Entry e = d.get(name);
        return e != null && e.digest().equals(d.digest(key.reveal()));
    }

    /** The old key of {@code name} stops being accepted. */
    public static DigestSecret finish(DigestSecret d, String name) {
        return d.with(name, d.get(name).withRetiring(null));
    }

    /** Undoes an unfinished rotation whose new key nobody has: the retiring key becomes the key of {@code name} again. */
    public static DigestSecret discard(DigestSecret d, String secretName, String name) {
        DigestSecret.Entry e = d.get(name);
        if (e == null) throw noKey(d, secretName, name);
        if (!e.rotating()) {
            throw ExitException.badInput(
                    "the " + name + " key of secret " + secretName + " has no unfinished rotation to discard",
                    "nothing to undo; see the keys with secure-api keys list");
        }
        DigestSecret.Retiring r = e.retiring();
        return d.with(name, new DigestSecret.Entry(r.digest(), r.created(), r.expires(), null));
    }

    /** Names with an unfinished rotation, in stored order. */
    public static List<String> rotating(DigestSecret d) {
        return d.keys().entrySet().stream()
                .filter(e -> e.getValue().rotating())
                .map(java.util.Map.Entry::getKey)
                .toList();
    }

    public static ExitException noKey(DigestSecret d, String secretName, String name) {
        if (SecretValue.DEV.equals(name)) {
            return ExitException.badInput(
                    "secret " + secretName + " has no development key to rotate",
                    "add one with: secure-api setup --dev-key");
        }
        return DigestSecret.unknown(name, secretName, d);
    }
}
