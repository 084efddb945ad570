package io.secureapi.it;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * Test-side JSON reader: tests read AWS state and the tool's output with the SDK's JSON parser, never
 * with the tool's own {@code Json}, so a bug there cannot hide behind the assertion that uses it.
 * Objects keep their order; integral numbers are {@code Long}, others {@code BigDecimal}.
 */
public final class JsonText {
    private JsonText() {}

    public static Object parse(String text) {
        return value(JsonNode.parser().parse(text));
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) throw new IllegalArgumentException("not a JSON object: " + text);
        return (Map<String, Object>) v;
    }

    private static Object value(JsonNode n) {
        if (n.isNull()) return null;
        if (n.isBoolean()) return n.asBoolean();
        if (n.isString()) return n.asString();
        if (n.isNumber()) {
            BigDecimal d = new BigDecimal(n.asNumber());
            try {
                return d.longValueExact();
            } catch (ArithmeticException notIntegral) {
                return d;
            }
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.asArray().forEach(e -> l.add(value(e)));
            return l;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        n.asObject().forEach((k, v) -> m.put(k, value(v)));
        return m;
    }
}
