package io.secureapi.it;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads the bundled authorizer's digest secret the test's own way: HMAC-SHA-256 of a key under
 * the secret's salt, computed here with javax.crypto, not by the tool's code.
 */
final class Digests {
    private Digests() {}

    static Map<String, Object> doc(String value) {
        Map<String, Object> d = JsonText.parseObject(value);
        if (!"secure-api-digests".equals(d.get("format")))
            throw new AssertionError("not the digest format: the secret holds plaintext");
        return d;
    }

    static String hmac(String saltHex, String key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(HexFormat.of().parseHex(saltHex), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> entry(String value, String name) {
        return (Map<String, Object>) ((Map<String, Object>) doc(value).get("keys")).get(name);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> keys(String value) {
        return (Map<String, Object>) doc(value).get("keys");
    }

    /**
     * The digest format keeps no key, so a test cannot read the live key back from AWS: it finds, among
     * the generated keys in {@code texts} (output, key files), the one whose digest is the current live
     * key. A plain-string or legacy secret answers directly. Never found: a marker no output contains.
     */
    static String liveKeyAmong(String secretValue, String... texts) {
        if (!secretValue.contains("secure-api-digests")) {
            return secretValue.strip().startsWith("{")
                    ? String.valueOf(JsonText.parseObject(secretValue).get("live"))
                    : secretValue;
        }
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("sak_live_[0-9A-Za-z]{49}").matcher(String.join("\n", texts));
        while (m.find()) {
            if (isCurrent(secretValue, "live", m.group())) return m.group();
        }
        return "(no key whose digest is the current live key)";
    }

    /** Whether {@code key} is the current key of {@code name} (not only its retiring one). */
    static boolean isCurrent(String value, String name, String key) {
        Map<String, Object> e = entry(value, name);
        return e != null && hmac((String) doc(value).get("salt"), key).equals(e.get("digest"));
    }

    /** Whether {@code key} is the retiring (old, still accepted) key of {@code name}. */
    @SuppressWarnings("unchecked")
    static boolean isRetiring(String value, String name, String key) {
        Map<String, Object> e = entry(value, name);
        if (e == null || !(e.get("retiring") instanceof Map)) return false;
        return hmac((String) doc(value).get("salt"), key)
                .equals(((Map<String, Object>) e.get("retiring")).get("digest"));
    }
}
