package io.secureapi.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/** One row of a plan: what happens to one piece, and why. Never carries key material. */
public record Change(String piece, String resource, Action action, String detail) {
    public enum Action {
        CREATE, UPDATE, OK, DELETE;

        public String word() {
            return name().toLowerCase();
        }
    }

    public static Change ok(String piece, String resource, String detail) {
        return new Change(piece, resource, Action.OK, detail);
    }

    public boolean changes() {
        return action != Action.OK;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("piece", piece);
        m.put("resource", resource);
        m.put("action", action.word());
        m.put("detail", detail);
        return m;
    }
}
