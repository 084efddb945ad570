package io.secureapi.keys;

import io.secureapi.support.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The secret's value: a JSON object of named keys ({"live": …, "dev": …}) for the bundled
 * authorizer, or a plain string (one key the function compares the header with) for a user-supplied function.
 * Errors here never quote the value.
 */
public final class SecretValue {
    /** The staging labels Secrets Manager moves on a rotation. */
    public static final String CURRENT = "AWSCURRENT";

    public static final String PREVIOUS = "AWSPREVIOUS";

    public static final String LIVE = "live";
    public static final String DEV = "dev";

    private SecretValue() {}

    /** Named keys of a stored value; a plain string is the one live key. */
    public static Map<String, String> keys(String raw) {
        Map<String, String> keys = new LinkedHashMap<>();
        if (raw == null) return keys;
        String t = raw.strip();
        if (t.startsWith("{")) {
            try {
                for (Map.Entry<String, Object> e : Json.parseObject(t).entrySet()) {
                    if (e.getValue() instanceof String s) keys.put(e.getKey(), s);
                }
                return keys;
            } catch (IllegalArgumentException notJson) {
                // a plain-string key that happens to start with "{": treat it as one key
            }
        }
        keys.put(LIVE, raw);
        return keys;
    }

    public static String format(Map<String, String> keys, boolean plain) {
        if (plain) return keys.get(LIVE);
        return Json.write(keys);
    }
}
