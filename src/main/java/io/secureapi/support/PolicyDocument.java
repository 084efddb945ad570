package io.secureapi.support;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An IAM-style policy document, edited statement by statement so that statements the tool did
 * not write are kept exactly as they were (the SDK's IamPolicyWriter would rewrite them; see src/site/markdown/development.md).
 */
public final class PolicyDocument {
    /** IAM's ArnLike: {@code *} any run of characters, {@code ?} one. */
    public static boolean arnLike(String pattern, String arn) {
        StringBuilder re = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*') re.append(".*");
            else if (c == '?') re.append('.');
            else re.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(arn).matches();
    }

    private final Map<String, Object> doc;

    private PolicyDocument(Map<String, Object> doc) {
        this.doc = doc;
    }

    /** Parses a policy as AWS returns it (IAM returns documents URL-encoded); null or blank is empty. */
    public static PolicyDocument parse(String text) {
        if (text == null || text.isBlank()) return empty();
        String t = text.strip();
        if (t.startsWith("%")) t = URLDecoder.decode(t, StandardCharsets.UTF_8);
        return new PolicyDocument(Json.parseObject(t));
    }

    public static PolicyDocument empty() {
        return new PolicyDocument(Json.parseObject(Policies.load("secret-policy-empty.json")));
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

    /** Puts the statement in place of the one with the same Sid (or appends it); others untouched. */
    public PolicyDocument with(Map<String, Object> statement) {
        String sid = (String) statement.get("Sid");
        List<Object> out = new ArrayList<>();
        boolean replaced = false;
        for (Map<String, Object> st : statements()) {
            if (sid.equals(st.get("Sid"))) {
                if (!replaced) out.add(statement);
                replaced = true;
            } else {
                out.add(st);
            }
        }
        if (!replaced) out.add(statement);
        Map<String, Object> copy = new LinkedHashMap<>(doc);
        copy.putIfAbsent("Version", "2012-10-17");
        copy.put("Statement", out);
        return new PolicyDocument(copy);
    }

    public PolicyDocument without(String sid) {
        List<Object> out = new ArrayList<>();
        statements().stream().filter(st -> !sid.equals(st.get("Sid"))).forEach(out::add);
        Map<String, Object> copy = new LinkedHashMap<>(doc);
        copy.put("Statement", out);
        return new PolicyDocument(copy);
    }

    public int size() {
        return statements().size();
    }

    public String toJson() {
        return Json.write(doc);
    }

    /** Same meaning: AWS may return a one-element list where we wrote a string, and reorder keys. */
    public static boolean sameStatement(Map<String, Object> a, Map<String, Object> b) {
        return normalize(a).equals(normalize(b));
    }

    public boolean sameAs(PolicyDocument other) {
        List<Object> x = new ArrayList<>();
        List<Object> y = new ArrayList<>();
        statements().forEach(s -> x.add(normalize(s)));
        other.statements().forEach(s -> y.add(normalize(s)));
        return x.equals(y);
    }

    @SuppressWarnings("unchecked")
    static Object normalize(Object v) {
        if (v instanceof Map) {
            Map<String, Object> m = new TreeMap<>();
            ((Map<String, Object>) v).forEach((k, val) -> m.put(k, normalize(val)));
            return m;
        }
        if (v instanceof List) {
            List<Object> l = (List<Object>) v;
            if (l.size() == 1) return normalize(l.get(0));
            List<Object> out = new ArrayList<>();
            l.forEach(o -> out.add(normalize(o)));
            out.sort((p, q) -> String.valueOf(p).compareTo(String.valueOf(q)));
            return out;
        }
        return v;
    }

    /** Principals of an Allow statement that let anyone in: "*" or {"AWS": "*"}. */
    @SuppressWarnings("unchecked")
    public static boolean hasWildcardPrincipal(Map<String, Object> st) {
        if (!"Allow".equals(st.get("Effect"))) return false;
        Object p = st.get("Principal");
        if ("*".equals(p)) return true;
        if (p instanceof Map) {
            for (Object v : ((Map<String, Object>) p).values()) {
                if ("*".equals(v) || v instanceof List && ((List<Object>) v).contains("*")) return true;
            }
        }
        return false;
    }
}
