package io.secureapi.keys;

import io.secureapi.error.ExitException;
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

    /**
     * The keys a legacy value (written before the digest format) holds, for adopting it: a plain
     * string is the one live key; in a JSON object, only a string that looks like a key (at least
     * {@link ApiKey#MIN_LENGTH} characters, as --key-file has always required) or one under a name
     * secure-api wrote (live, dev). Any other field means the secret holds something else (a
     * database's credentials, say): {@code strict} makes that exit 2 naming the field (never its
     * value); otherwise it is left out.
     */
    public static Map<String, String> legacyKeys(String raw, String secretName, boolean strict) {
        Map<String, String> keys = new LinkedHashMap<>();
        if (raw == null) return keys;
        String t = raw.strip();
        Map<String, Object> doc = null;
        if (t.startsWith("{")) {
            try {
                doc = Json.parseObject(t);
            } catch (IllegalArgumentException notJson) {
                // a plain-string key that happens to start with "{"
            }
        }
        if (doc == null) {
            keys.put(LIVE, raw);
            return keys;
        }
        for (Map.Entry<String, Object> e : doc.entrySet()) {
            String name = e.getKey();
            boolean ours = name.equals(LIVE) || name.equals(DEV);
            if (e.getValue() instanceof String s && (ours || s.strip().length() >= ApiKey.MIN_LENGTH)) {
                keys.put(name, s);
            } else if (strict) {
                String shown = name.length() > 40 ? name.substring(0, 40) + "…" : name;
                throw ExitException.badInput(
                        "secret " + secretName + " has a field \"" + shown + "\" that is not an API key (keys are"
                                + " strings of at least " + ApiKey.MIN_LENGTH + " characters, or secure-api's live and"
                                + " dev); adopting it would make that value a key, so nothing was changed",
                        "pass --secret-name for a secret that holds only API keys (or a new name, and setup creates"
                                + " it), or remove that field from the secret if it is not needed");
            }
        }
        return keys;
    }

    public static String format(Map<String, String> keys, boolean plain) {
        if (plain) return keys.get(LIVE);
        return Json.write(keys);
    }
}
