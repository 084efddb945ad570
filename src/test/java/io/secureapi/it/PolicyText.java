package io.secureapi.it;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Test-side reading of a resource or IAM policy as AWS returns it (IAM's come URL-encoded), through {@link JsonText}. */
public final class PolicyText {
    private final Map<String, Object> doc;

    private PolicyText(Map<String, Object> doc) {
        this.doc = doc;
    }

    /** Null or blank (no policy at all) reads as a policy without statements. */
    public static PolicyText parse(String text) {
        if (text == null || text.isBlank()) return new PolicyText(Map.of());
        String t = text.strip();
        if (t.startsWith("%")) t = URLDecoder.decode(t, StandardCharsets.UTF_8);
        return new PolicyText(JsonText.parseObject(t));
    }

    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> statements() {
        Object s = doc.get("Statement");
        List<Map<String, Object>> out = new ArrayList<>();
        if (s instanceof Map) out.add((Map<String, Object>) s);
        else if (s instanceof List) ((List<Object>) s).forEach(o -> out.add((Map<String, Object>) o));
        return out;
    }

    public Optional<Map<String, Object>> statement(String sid) {
        return statements().stream().filter(st -> sid.equals(st.get("Sid"))).findFirst();
    }

    public int size() {
        return statements().size();
    }
}
