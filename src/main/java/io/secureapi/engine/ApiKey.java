package io.secureapi.engine;

import java.security.SecureRandom;
import java.util.Base64;

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

    /** 256 bits from SecureRandom, URL-safe, with a prefix that makes a leaked key recognisable. */
    public static ApiKey generate(String env) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return new ApiKey("sak_" + env + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** A key the user supplied; the message never repeats the input. */
    public static ApiKey of(String raw, String source) {
        String v = raw == null ? "" : raw.strip();
        if (v.isEmpty()) {
            throw ExitException.badInput("the key from " + source + " is empty", "give a key of at least " + MIN_LENGTH + " characters");
        }
        if (v.length() < MIN_LENGTH) {
            throw ExitException.badInput("the key from " + source + " is too short (" + v.length() + " characters; at least "
                    + MIN_LENGTH + " needed)", "use a longer key, or omit the key option and secure-api generates one");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            // A comma would look like a duplicated header to the authorizer; spaces break "Bearer <key>".
            if (c <= 0x20 || c >= 0x7f || c == ',') {
                throw ExitException.badInput("the key from " + source + " has a character a header value cannot carry "
                        + "(space, comma, control or non-ASCII)", "use letters, digits and -_.~+/= only");
            }
        }
        return new ApiKey(v);
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
