package io.secureapi.model;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One verify result: a stable id, a status, the resource it is about, a message that names it,
 * the fix (on fail and warn), and detail lines (e.g. every unprotected route). Never holds key material.
 */
public record Check(String id, Status status, String resource, String message, String fix, List<String> details) {
    public static final String SETUP_FIX = "run secure-api setup";

    /** --allow-public route keys, and the day runtime deprecation is judged on. */
    public record Options(Set<String> allowPublic, LocalDate today) {
        public Options {
            allowPublic = Set.copyOf(allowPublic);
        }
    }

    public enum Status {
        PASS,
        FAIL,
        WARN,
        /** The caller may not read what the check looks at: neither a pass nor a failure. */
        SKIP;

        public String word() {
            return name().toLowerCase();
        }
    }

    public Check {
        details = details == null ? List.of() : List.copyOf(details);
    }

    public static Check pass(String id, String resource, String message) {
        return new Check(id, Status.PASS, resource, message, null, List.of());
    }

    public static Check fail(String id, String resource, String message, String fix) {
        return new Check(id, Status.FAIL, resource, message, fix, List.of());
    }

    public static Check warn(String id, String resource, String message, String fix) {
        return new Check(id, Status.WARN, resource, message, fix, List.of());
    }

    /** A check the caller may not read: {@code message} names the missing action, {@code fix} the statement that grants it. */
    public static Check skip(String id, String resource, String message, String fix) {
        return new Check(id, Status.SKIP, resource, message, fix, List.of());
    }

    public Check withDetails(List<String> lines) {
        return new Check(id, status, resource, message, fix, lines);
    }

    public boolean failed() {
        return status == Status.FAIL;
    }

    /** The stable JSON shape of one check (documented in src/site/markdown/verify.md; add fields, never rename them). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("status", status.word());
        m.put("resource", resource);
        m.put("message", message);
        m.put("fix", fix);
        m.put("details", details);
        return m;
    }
}
