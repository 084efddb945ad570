package io.secureapi.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What verify found on one API: the checks in a fixed order, plus notes (information, no
 * status: e.g. how long a revoked key may still be accepted). Printed as text, JSON or JUnit XML.
 */
public record Verification(String apiId, String region, List<Check> checks, List<Note> notes) {
    public static final int SCHEMA_VERSION = 1;

    /** Information for people reading the text checklist; not a check, never fails. */
    public record Note(String id, String message) {}

    public Verification {
        checks = List.copyOf(checks);
        notes = List.copyOf(notes);
    }

    public Verification with(List<Check> more) {
        List<Check> all = new ArrayList<>(checks);
        all.addAll(more);
        return new Verification(apiId, region, all, notes);
    }

    /** The same checks with each fix rewritten by {@code f} (e.g. to carry the run's selection). */
    public Verification withFixes(java.util.function.UnaryOperator<String> f) {
        List<Check> out = new ArrayList<>();
        for (Check c : checks)
            out.add(
                    c.fix() == null
                            ? c
                            : new Check(c.id(), c.status(), c.resource(), c.message(), f.apply(c.fix()), c.details()));
        return new Verification(apiId, region, out, notes);
    }

    public boolean ok() {
        return checks.stream().noneMatch(Check::failed);
    }

    public long count(Check.Status status) {
        return checks.stream().filter(c -> c.status() == status).count();
    }

    /** One line: "2 failed, 1 warning, 11 passed" (", 2 skipped" when the caller could not read some). */
    public String summary() {
        long f = count(Check.Status.FAIL), w = count(Check.Status.WARN), p = count(Check.Status.PASS);
        long s = count(Check.Status.SKIP);
        return f + " failed, " + w + " warning" + (w == 1 ? "" : "s") + ", " + p + " passed"
                + (s == 0 ? "" : ", " + s + " skipped");
    }

    /** The stable --output json document (schemaVersion 1). */
    public Map<String, Object> toJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "verify");
        doc.put("schemaVersion", SCHEMA_VERSION);
        doc.put("apiId", apiId);
        doc.put("region", region);
        doc.put("ok", ok());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("total", checks.size());
        summary.put("passed", count(Check.Status.PASS));
        summary.put("failed", count(Check.Status.FAIL));
        summary.put("warnings", count(Check.Status.WARN));
        summary.put("skipped", count(Check.Status.SKIP));
        doc.put("summary", summary);
        List<Object> rows = new ArrayList<>();
        checks.forEach(c -> rows.add(c.toJson()));
        doc.put("checks", rows);
        return doc;
    }
}
