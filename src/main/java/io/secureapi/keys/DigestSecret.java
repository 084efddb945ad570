package io.secureapi.keys;

import io.secureapi.error.ExitException;
import io.secureapi.support.Json;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret value the bundled authorizer reads (format "secure-api-digests", version 1): per
 * named key, the HMAC-SHA-256 of the key under a random salt kept in the secret, when it was
 * created, when it expires, and during a rotation the digest of the key it replaces. Never a key:
 * a leaked secret value gives nothing to send. Immutable; every change returns a new value.
 *
 * <p>{@code generation} counts the writes of the document (absent in older documents = 0): the
 * value {@link #toJson()} stores carries one more than the value it was made from, and a cache
 * flush tells the bundled function that number (KEY_MIN_GENERATION), so an execution environment
 * holding an older key set re-reads instead of answering from it. Version ids cannot be ordered and
 * creation times break when AWSCURRENT is moved back by hand: a counter inside the value does neither.
 */
public record DigestSecret(String salt, Map<String, Entry> keys, long generation) {
    /** A key within this many days of its expiry is "expiring". */
    public static final Duration EXPIRING_WITHIN = Duration.ofDays(14);

    public static ExitException unknown(String name, String secretName, DigestSecret d) {
        return ExitException.badInput(
                "no key named " + name + " in secret " + secretName + " (keys: "
                        + (d.keys().isEmpty()
                                ? "none"
                                : String.join(", ", d.keys().keySet())) + ")",
                "see them with: secure-api keys list");
    }

    public static final String FORMAT = "secure-api-digests";
    public static final int VERSION = 1;
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    /** A SecretString holds at most 65,536 bytes (Secrets Manager quotas, docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html). */
    public static final int MAX_BYTES = 65_536;
    /** Keys that fit even when each has the longest name, an expiry and a retiring digest (see DigestSecretTest). */
    public static final int MAX_KEYS = 190;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    /** The old key of a name during a rotation: accepted until rotate-key --finish. {@code expires} null = never. */
    public record Retiring(String digest, Instant created, Instant expires) {}

    /**
     * A suspended key (keys disable, keys enforce): refused by the authorizer, its digest kept.
     * {@code by}: {@link #BY_OPERATOR} or {@link #BY_ENFORCE} (enforce re-enables only its own).
     */
    public record Disabled(String by, Instant at) {
        public static final String BY_OPERATOR = "operator";
        public static final String BY_ENFORCE = "enforce";

        public boolean byEnforce() {
            return BY_ENFORCE.equals(by);
        }
    }

    /**
     * One named key. {@code expires}, {@code retiring}, {@code routes} (the route scopes, {@link
     * RouteScope}, the key is limited to; null = every route), {@code disabled} (absent = enabled) and
     * {@code quota} (absent = none; the authorizer ignores it, keys enforce reads it) may be null.
     */
    public record Entry(
            String digest,
            Instant created,
            Instant expires,
            Retiring retiring,
            List<String> routes,
            Disabled disabled,
            Quota quota) {
        public Entry {
            routes = routes == null ? null : List.copyOf(routes);
        }

        /** An entry for every route, enabled, without a quota. */
        public Entry(String digest, Instant created, Instant expires, Retiring retiring) {
            this(digest, created, expires, retiring, null, null, null);
        }

        public boolean rotating() {
            return retiring != null;
        }

        public boolean scoped() {
            return routes != null;
        }

        public Entry withDisabled(Disabled d) {
            return new Entry(digest, created, expires, retiring, routes, d, quota);
        }

        public Entry withQuota(Quota q) {
            return new Entry(digest, created, expires, retiring, routes, disabled, q);
        }

        public Entry withRetiring(Retiring r) {
            return new Entry(digest, created, expires, r, routes, disabled, quota);
        }

        /** The same key limited to {@code r} (null: every route). */
        public Entry withRoutes(List<String> r) {
            return new Entry(digest, created, expires, retiring, r, disabled, quota);
        }
    }

    /** Whether any key is limited to routes (the authorizer then needs per-request identity sources). */
    public boolean anyScoped() {
        return keys.values().stream().anyMatch(Entry::scoped);
    }

    public DigestSecret {
        keys = Collections.unmodifiableMap(new LinkedHashMap<>(keys));
        if (generation < 0) throw new IllegalArgumentException("generation < 0");
    }

    /** A value of generation 0 (as read from a document without one). */
    public DigestSecret(String salt, Map<String, Entry> keys) {
        this(salt, keys, 0);
    }

    /** The generation {@link #toJson()} stores: one above this value's. */
    public long writtenGeneration() {
        return generation + 1;
    }

    /** A new, empty value with a fresh 32-byte salt. */
    public static DigestSecret empty() {
        byte[] salt = new byte[32];
        RANDOM.nextBytes(salt);
        return new DigestSecret(HEX.formatHex(salt), Map.of());
    }

    /** Whether a stored value is in this format (anything else is a legacy plaintext format). */
    public static boolean is(String raw) {
        if (raw == null || !raw.strip().startsWith("{")) return false;
        try {
            return FORMAT.equals(Json.parseObject(raw.strip()).get("format"));
        } catch (IllegalArgumentException notJson) {
            return false;
        }
    }

    /**
     * Reads a stored value in this format. A newer version is refused (exit 2): changing what this
     * version does not understand could drop keys. Errors name the secret, never a value.
     */
    @SuppressWarnings("unchecked")
    public static DigestSecret parse(String raw, String secretName) {
        Map<String, Object> doc;
        try {
            doc = Json.parseObject(raw.strip());
        } catch (IllegalArgumentException e) {
            throw corrupt(secretName, "not JSON");
        }
        if (!FORMAT.equals(doc.get("format"))) throw corrupt(secretName, "not the digest format");
        Object v = doc.get("version");
        if (!(v instanceof Long version) || version < 1) throw corrupt(secretName, "no valid version");
        if (version > VERSION) {
            throw ExitException.badInput(
                    "secret " + secretName + " was written by a newer secure-api (digest format version " + version
                            + "; this one knows " + VERSION + ")",
                    "upgrade secure-api, then run it again");
        }
        Object salt = doc.get("salt");
        if (!(salt instanceof String s) || !s.matches("[0-9a-f]{64}")) throw corrupt(secretName, "no valid salt");
        Object g = doc.get("generation");
        long generation = 0;
        if (g != null) {
            if (!(g instanceof Long n) || n < 0 || n > MAX_SAFE_INTEGER)
                throw corrupt(secretName, "no valid generation");
            generation = n;
        }
        Map<String, Entry> keys = new LinkedHashMap<>();
        if (!(doc.get("keys") instanceof Map<?, ?> ks)) throw corrupt(secretName, "no keys object");
        for (Map.Entry<?, ?> e : ks.entrySet()) {
            String name = String.valueOf(e.getKey());
            if (!(e.getValue() instanceof Map<?, ?> m)) throw corrupt(secretName, "key " + name + " is not an object");
            Map<String, Object> k = (Map<String, Object>) m;
            Retiring retiring = null;
            if (k.get("retiring") instanceof Map<?, ?> r) {
                Map<String, Object> rm = (Map<String, Object>) r;
                retiring = new Retiring(
                        digest(rm.get("digest"), secretName, name),
                        instant(rm.get("created"), secretName, name),
                        instant(rm.get("expires"), secretName, name));
            }
            keys.put(
                    name,
                    new Entry(
                            digest(k.get("digest"), secretName, name),
                            instant(k.get("created"), secretName, name),
                            instant(k.get("expires"), secretName, name),
                            retiring,
                            routes(k.get("routes"), secretName, name),
                            disabled(k.get("disabled"), secretName, name),
                            quota(k.get("quota"), secretName, name)));
        }
        return new DigestSecret(s, keys, generation);
    }

    /** The authorizer reads the generation as a JavaScript number: beyond 2^53 - 1 it is unreadable there. */
    static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    private static String digest(Object o, String secret, String name) {
        if (o instanceof String s && s.matches("[0-9a-f]{64}")) return s;
        throw corrupt(secret, "key " + name + " has no valid digest");
    }

    private static List<String> routes(Object o, String secret, String name) {
        if (o == null) return null;
        if (o instanceof List<?> l
                && !l.isEmpty()
                && l.stream().allMatch(r -> r instanceof String s && RouteScope.valid(s)))
            return l.stream().map(String::valueOf).toList();
        throw corrupt(secret, "key " + name + " has unreadable routes");
    }

    private static Instant instant(Object o, String secret, String name) {
        if (o == null) return null;
        try {
            return Instant.parse(String.valueOf(o));
        } catch (RuntimeException e) {
            throw corrupt(secret, "key " + name + " has a timestamp that is not ISO-8601");
        }
    }

    @SuppressWarnings("unchecked")
    private static Disabled disabled(Object o, String secret, String name) {
        if (o == null) return null;
        if (!(o instanceof Map<?, ?> m) || !(m.get("by") instanceof String by))
            throw corrupt(secret, "key " + name + " has an unreadable disabled field");
        return new Disabled(by, instant(((Map<String, Object>) m).get("at"), secret, name));
    }

    private static Quota quota(Object o, String secret, String name) {
        if (o == null) return null;
        if (!(o instanceof Map<?, ?> m)
                || !(m.get("limit") instanceof Long limit)
                || limit < 1
                || !(m.get("period") instanceof String period)
                || Quota.Period.of(period) == null)
            throw corrupt(secret, "key " + name + " has an unreadable quota field");
        return new Quota(limit, Quota.Period.of(period));
    }

    private static ExitException corrupt(String secret, String why) {
        return ExitException.badInput(
                "secret " + secret + " looks like secure-api's digest format but is damaged (" + why + ")",
                "restore an earlier version (aws secretsmanager update-secret-version-stage), or run secure-api rotate-key to store new keys");
    }

    /** HMAC-SHA-256 of the key's UTF-8 bytes under the salt's 32 bytes, lower-case hex. */
    public String digest(String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(HEX.parseHex(salt), "HmacSHA256"));
            return HEX.formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** The name whose current or retiring digest matches this key, or null. Constant-time per comparison. */
    public String nameOf(ApiKey key) {
        byte[] d = digest(key.reveal()).getBytes(StandardCharsets.US_ASCII);
        String found = null;
        for (Map.Entry<String, Entry> e : keys.entrySet()) {
            if (MessageDigest.isEqual(d, e.getValue().digest().getBytes(StandardCharsets.US_ASCII))) found = e.getKey();
            Retiring r = e.getValue().retiring();
            if (r != null && MessageDigest.isEqual(d, r.digest().getBytes(StandardCharsets.US_ASCII)))
                found = e.getKey();
        }
        return found;
    }

    /** Whether a raw key (e.g. a write-ahead record's) is the current or retiring key of some name. */
    public boolean holdsKey(String raw) {
        if (raw == null || raw.isEmpty()) return false;
        String d = digest(raw);
        return keys.values().stream()
                .anyMatch(e -> e.digest().equals(d)
                        || e.retiring() != null && e.retiring().digest().equals(d));
    }

    public boolean has(String name) {
        return keys.containsKey(name);
    }

    public Entry get(String name) {
        return keys.get(name);
    }

    /** A new entry for {@code key} under {@code name}, created now (second precision). */
    public Entry entryFor(ApiKey key, Instant now, Instant expires) {
        return new Entry(digest(key.reveal()), now.truncatedTo(ChronoUnit.SECONDS), expires, null);
    }

    public DigestSecret with(String name, Entry entry) {
        Map<String, Entry> k = new LinkedHashMap<>(keys);
        k.put(name, entry);
        return new DigestSecret(salt, k, generation);
    }

    public DigestSecret without(String name) {
        Map<String, Entry> k = new LinkedHashMap<>(keys);
        k.remove(name);
        return new DigestSecret(salt, k, generation);
    }

    /**
     * Compact JSON, as stored; has digests only. It is the one writer of the document, so every
     * stored value has the next generation ({@link #writtenGeneration()}).
     */
    public String toJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", FORMAT);
        doc.put("version", VERSION);
        doc.put("salt", salt);
        doc.put("generation", writtenGeneration());
        Map<String, Object> ks = new LinkedHashMap<>();
        keys.forEach((name, e) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("digest", e.digest());
            m.put("created", text(e.created()));
            m.put("expires", text(e.expires()));
            if (e.retiring() == null) {
                m.put("retiring", null);
            } else {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("digest", e.retiring().digest());
                r.put("created", text(e.retiring().created()));
                r.put("expires", text(e.retiring().expires()));
                m.put("retiring", r);
            }
            if (e.routes() != null) m.put("routes", e.routes());
            // absent when unset: documents without them read exactly as before
            if (e.disabled() != null) {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("by", e.disabled().by());
                dm.put("at", text(e.disabled().at()));
                m.put("disabled", dm);
            }
            if (e.quota() != null) {
                Map<String, Object> q = new LinkedHashMap<>();
                q.put("limit", e.quota().limit());
                q.put("period", e.quota().period().word());
                m.put("quota", q);
            }
            ks.put(name, m);
        });
        doc.put("keys", ks);
        return Json.write(doc);
    }

    private static String text(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /**
     * The legacy value (plaintext named keys or a plain string) as digests, every key kept: each
     * key of AWSPREVIOUS that differs from the current key of its name becomes that name's retiring
     * digest (mid-rotation both keep working); a name only AWSPREVIOUS has is carried over as a key.
     */
    public static DigestSecret migrate(Map<String, String> current, Map<String, String> previous, Instant now) {
        // the authorizer refuses a whole secret with one bad name: never write one, never drop a key silently
        java.util.Set<String> names = new java.util.TreeSet<>(current.keySet());
        names.addAll(previous.keySet());
        for (String name : names) {
            if (!NAME.matcher(name).matches()) {
                throw ExitException.badInput(
                        "the secret holds a plaintext key under a name the digest format does not allow (\""
                                + (name.length() > 40 ? name.substring(0, 40) + "…" : name)
                                + "\"); nothing was changed",
                        "rename it to 1-32 of a-z, 0-9 and - (aws secretsmanager put-secret-value), then run secure-api setup again");
            }
        }
        DigestSecret d = empty();
        Instant t = now.truncatedTo(ChronoUnit.SECONDS);
        for (Map.Entry<String, String> e : current.entrySet()) {
            if (e.getValue() == null || e.getValue().isEmpty()) continue;
            d = d.with(e.getKey(), new Entry(d.digest(e.getValue()), t, null, null));
        }
        for (Map.Entry<String, String> e : previous.entrySet()) {
            String old = e.getValue();
            if (old == null || old.isEmpty() || current.containsValue(old)) continue;
            Entry cur = d.get(e.getKey());
            if (cur == null) {
                d = d.with(e.getKey(), new Entry(d.digest(old), t, null, null));
            } else if (cur.retiring() == null) {
                d = d.with(e.getKey(), cur.withRetiring(new Retiring(d.digest(old), t, null)));
            }
        }
        return d;
    }

    /** Checks a key name before anything is read or written. */
    public static String checkName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ExitException.badInput(
                    what + " \"" + (name == null ? "" : name.length() > 40 ? name.substring(0, 40) + "…" : name)
                            + "\" is not a valid key name",
                    "use 1 to 32 of: lower-case letters, digits and -, starting with a letter or digit (e.g. partner-a)");
        }
        return name;
    }

    @Override
    public String toString() {
        return "DigestSecret[" + keys.keySet() + "]";
    }
}
