package io.secureapi.support;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimal JSON reader/writer for policy documents and the config file: objects become
 * insertion-ordered maps, so a policy we merge keeps its statements in the user's order.
 */
public final class Json {
    /** Deeper nesting is refused: no document this tool reads nests near it, and a deep one would overflow the stack. */
    public static final int MAX_DEPTH = 64;

    private final String s;
    private final boolean uniqueNames;
    private int i;
    private int depth;

    private Json(String s, boolean uniqueNames) {
        this.s = s;
        this.uniqueNames = uniqueNames;
    }

    public static Object parse(String text) {
        return parse(text, false);
    }

    /**
     * Like {@link #parseObject(String)}, refusing a member name given twice in one object (a second
     * one would silently win): the error names the name and both lines.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObjectUniqueNames(String text) {
        Object v = parse(text, true);
        if (!(v instanceof Map)) throw new IllegalArgumentException("expected a JSON object");
        return (Map<String, Object>) v;
    }

    private static Object parse(String text, boolean uniqueNames) {
        Json p = new Json(text, uniqueNames);
        p.ws();
        Object v = p.value();
        p.ws();
        if (p.i != p.s.length()) throw p.error("trailing characters");
        return v;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new IllegalArgumentException("expected a JSON object");
        return (Map<String, Object>) v;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid JSON at character " + i + ": " + what);
    }

    private void ws() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }

    private Object value() {
        if (i >= s.length()) throw error("unexpected end");
        char c = s.charAt(i);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                return number();
        }
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) throw error("unexpected token");
        i += word.length();
        return v;
    }

    private void deeper() {
        if (++depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
    }

    private int line(int at) {
        int n = 1;
        for (int k = 0; k < at && k < s.length(); k++) if (s.charAt(k) == '\n') n++;
        return n;
    }

    private Map<String, Object> object() {
        deeper();
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Integer> seenAt = uniqueNames ? new java.util.HashMap<>() : null;
        i++;
        ws();
        if (peek('}')) {
            i++;
            depth--;
            return m;
        }
        while (true) {
            ws();
            if (!peek('"')) throw error("expected a member name");
            int at = i;
            String k = string();
            if (seenAt != null) {
                Integer first = seenAt.putIfAbsent(k, at);
                if (first != null) {
                    throw new IllegalArgumentException(
                            "\"" + k + "\" is given twice in one object, on line " + line(first) + " and on line "
                                    + line(at) + "; the second would silently replace the first");
                }
            }
            ws();
            expect(':');
            ws();
            m.put(k, value());
            ws();
            if (peek(',')) {
                i++;
                continue;
            }
            expect('}');
            depth--;
            return m;
        }
    }

    private List<Object> array() {
        deeper();
        List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (peek(']')) {
            i++;
            depth--;
            return l;
        }
        while (true) {
            ws();
            l.add(value());
            ws();
            if (peek(',')) {
                i++;
                continue;
            }
            expect(']');
            depth--;
            return l;
        }
    }

    private boolean peek(char c) {
        return i < s.length() && s.charAt(i) == c;
    }

    private void expect(char c) {
        if (!peek(c)) throw error("expected '" + c + "'");
        i++;
    }

    private String string() {
        i++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) throw error("unterminated string");
            char c = s.charAt(i++);
            if (c == '"') return b.toString();
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) throw error("unterminated escape");
            char e = s.charAt(i++);
            switch (e) {
                case 'n':
                    b.append('\n');
                    break;
                case 't':
                    b.append('\t');
                    break;
                case 'r':
                    b.append('\r');
                    break;
                case 'b':
                    b.append('\b');
                    break;
                case 'f':
                    b.append('\f');
                    break;
                case 'u':
                    if (i + 4 > s.length()) throw error("bad unicode escape");
                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                    break;
                default:
                    b.append(e);
            }
        }
    }

    private Object number() {
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
        if (start == i) throw error("unexpected character");
        BigDecimal d = new BigDecimal(s.substring(start, i));
        try {
            return d.longValueExact();
        } catch (ArithmeticException notIntegral) {
            return d;
        }
    }

    /** Compact JSON, as AWS policy APIs take it. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, -1, 0);
        return b.toString();
    }

    /** Two-space indented JSON, for files people read and commit. */
    public static String pretty(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v, 2, 0);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, int indent, int depth) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String) {
            quote(b, (String) v);
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(',');
                first = false;
                newline(b, indent, depth + 1);
                quote(b, String.valueOf(e.getKey()));
                b.append(indent < 0 ? ":" : ": ");
                write(b, e.getValue(), indent, depth + 1);
            }
            newline(b, indent, depth);
            b.append('}');
        } else if (v instanceof Iterable) {
            List<Object> items = new ArrayList<>();
            ((Iterable<?>) v).forEach(items::add);
            if (items.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append('[');
            for (int k = 0; k < items.size(); k++) {
                if (k > 0) b.append(',');
                newline(b, indent, depth + 1);
                write(b, items.get(k), indent, depth + 1);
            }
            newline(b, indent, depth);
            b.append(']');
        } else {
            // a silent toString() would write "Optional[…]" or an object's address into a file or a policy
            throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private static void newline(StringBuilder b, int indent, int depth) {
        if (indent < 0) return;
        b.append('\n');
        b.append(" ".repeat(indent * depth));
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        b.append('"');
    }
}
