package io.secureapi.keys;

import io.secureapi.error.ExitException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Key material. Its toString never shows the value, so a key can travel through records,
 * plans and log statements without leaking; only {@link #reveal()} gives it out.
 */
public final class ApiKey {
    public static final int MIN_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final String value;

    private ApiKey(String value) {
        this.value = value;
    }

    /** Digit order of the base62 alphabet used by generated keys. */
    public static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    /** 62^43 > 2^256: 43 random base62 characters carry at least 256 bits. */
    public static final int RANDOM_CHARS = 43;

    public static final int CHECKSUM_CHARS = 6;
    /** The shape of a generated key; secret scanners and the authorizer recognise it by this. */
    public static final Pattern SHAPE = Pattern.compile("^sak_[a-z0-9][a-z0-9-]{0,31}_[0-9A-Za-z]{49}$");

    /**
     * {@code sak_<name>_} + 43 base62 characters (≥ 256 bits from SecureRandom) + 6 base62 characters of
     * the CRC32 of everything before them: recognisable by scanners, and a typo is refused without a lookup.
     */
    public static ApiKey generate(String name) {
        StringBuilder b = new StringBuilder("sak_").append(name).append('_');
        while (b.length() < 5 + name.length() + RANDOM_CHARS) {
            // rejection sampling: 248 = 4 × 62, so every character is equally likely
            int x = RANDOM.nextInt(256);
            if (x < 248) b.append(BASE62.charAt(x % 62));
        }
        String prefix = b.toString();
        return new ApiKey(prefix + checksum(prefix));
    }

    /** CRC32 (IEEE, as zlib) of the UTF-8 prefix, big-endian base62, left-padded with 0 to 6 characters. */
    public static String checksum(String prefix) {
        CRC32 crc = new CRC32();
        crc.update(prefix.getBytes(StandardCharsets.UTF_8));
        long v = crc.getValue();
        char[] out = new char[CHECKSUM_CHARS];
        for (int i = CHECKSUM_CHARS - 1; i >= 0; i--) {
            out[i] = BASE62.charAt((int) (v % 62));
            v /= 62;
        }
        return new String(out);
    }

    /** Whether a value has the generated shape; such a value with a wrong checksum is not a key we made. */
    public static boolean hasShape(String value) {
        return value != null && SHAPE.matcher(value).matches();
    }

    public static boolean checksumValid(String value) {
        if (!hasShape(value)) return false;
        int cut = value.length() - CHECKSUM_CHARS;
        return checksum(value.substring(0, cut)).equals(value.substring(cut));
    }

    /** A key the user supplied; the message never repeats the input. */
    public static ApiKey of(String raw, String source) {
        String v = raw == null ? "" : raw.strip();
        if (v.isEmpty()) {
            throw ExitException.badInput(
                    "the key from " + source + " is empty", "give a key of at least " + MIN_LENGTH + " characters");
        }
        if (v.length() < MIN_LENGTH) {
            throw ExitException.badInput(
                    "the key from " + source + " is too short (" + v.length() + " characters; at least " + MIN_LENGTH
                            + " needed)",
                    "use a longer key, or omit the key option and secure-api generates one");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            // A comma would look like a duplicated header to the authorizer; spaces break "Bearer <key>".
            if (c <= 0x20 || c >= 0x7f || c == ',') {
                throw ExitException.badInput(
                        "the key from " + source + " has a character a header value cannot carry "
                                + "(space, comma, control or non-ASCII)",
                        "use letters, digits and -_.~+/= only");
            }
        }
        if (hasShape(v) && !checksumValid(v)) {
            // the authorizer refuses such a value before any lookup, so storing it would make a key that never works
            throw ExitException.badInput(
                    "the key from " + source + " looks like a secure-api key (sak_…) but its checksum is wrong: "
                            + "it was changed or cut short",
                    "copy the whole key again, or omit the key option and secure-api generates one");
        }
        return new ApiKey(v);
    }

    /**
     * A key exactly as a client would send it, unchecked: what verify's probe sends (a wrong or short
     * key included). Still redacted in toString.
     */
    public static ApiKey unchecked(String value) {
        return new ApiKey(value);
    }

    public String reveal() {
        return value;
    }

    public boolean sameAs(String other) {
        return value.equals(other);
    }

    @Override
    public String toString() {
        return "ApiKey[redacted]";
    }
}
