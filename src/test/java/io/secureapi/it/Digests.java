package io.secureapi.it;

import io.secureapi.engine.Json;
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
    private Digests() {
    }

    static Map<String, Object> doc(String value) {
        Map<String, Object> d = Json.parseObject(value);
        if (!"secure-api-digests".equals(d.get("format"))) throw new AssertionError("not the digest format: the secret holds plaintext");
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
        return hmac((String) doc(value).get("salt"), key).equals(((Map<String, Object>) e.get("retiring")).get("digest"));
    }
}
