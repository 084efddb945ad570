package io.secureapi.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What setup --access-logs did, kept in secure-api.json so teardown can undo exactly that and
 * usage knows where to look: the log group secure-api owns (and whether it created it), and per
 * stage the access-log settings the stage had before (null: logging was off) and the log group
 * whose events usage can read for it (null: the stage's own format lacks fields usage needs).
 */
public record AccessLogs(String logGroup, boolean logGroupCreated, Map<String, StageRecord> stages) {
    public AccessLogs {
        stages = stages == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stages));
    }

    /** A stage's access-log settings as found ({@code before} null: off) and where usage reads it (null: unusable). */
    public record StageRecord(Settings before, String logGroup) {}

    /** A stage's AccessLogSettings: the destination log group's ARN and the single-line format. */
    public record Settings(String destinationArn, String format) {}

    /** The log groups usage queries: each stage's readable group, once each, in stage order. */
    public List<String> logGroups() {
        Set<String> out = new LinkedHashSet<>();
        stages.values().forEach(s -> {
            if (s.logGroup() != null) out.add(s.logGroup());
        });
        return new ArrayList<>(out);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("logGroup", logGroup);
        m.put("logGroupCreated", logGroupCreated);
        Map<String, Object> st = new LinkedHashMap<>();
        stages.forEach((name, s) -> {
            Map<String, Object> sm = new LinkedHashMap<>();
            if (s.before() == null) sm.put("before", null);
            else {
                Map<String, Object> b = new LinkedHashMap<>();
                b.put("destinationArn", s.before().destinationArn());
                b.put("format", s.before().format());
                sm.put("before", b);
            }
            sm.put("logGroup", s.logGroup());
            st.put(name, sm);
        });
        m.put("stages", st);
        return m;
    }

    /** Null when absent; a wrong shape is exit 2 naming {@code where}. */
    @SuppressWarnings("unchecked")
    static AccessLogs fromJson(Object raw, String where) {
        if (raw == null) return null;
        if (!(raw instanceof Map<?, ?> m0)) throw bad(where, "accessLogs", "must be an object");
        Map<String, Object> m = (Map<String, Object>) m0;
        Object group = m.get("logGroup");
        if (!(group instanceof String g) || g.isBlank())
            throw bad(where, "accessLogs.logGroup", "must be a log group name");
        Object created = m.getOrDefault("logGroupCreated", Boolean.FALSE);
        if (!(created instanceof Boolean)) throw bad(where, "accessLogs.logGroupCreated", "must be true or false");
        Object st = m.getOrDefault("stages", Map.of());
        if (!(st instanceof Map<?, ?> stages0)) throw bad(where, "accessLogs.stages", "must be an object");
        Map<String, StageRecord> stages = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : stages0.entrySet()) {
            String at = "accessLogs.stages." + e.getKey();
            if (!(e.getValue() instanceof Map<?, ?> s0)) throw bad(where, at, "must be an object");
            Map<String, Object> s = (Map<String, Object>) s0;
            Settings before = null;
            Object b = s.get("before");
            if (b != null) {
                if (!(b instanceof Map<?, ?> bm)
                        || !(bm.get("destinationArn") instanceof String arn)
                        || !(bm.get("format") instanceof String fmt)) {
                    throw bad(where, at + ".before", "must be null or {destinationArn, format}");
                }
                before = new Settings(arn, fmt);
            }
            Object lg = s.get("logGroup");
            if (lg != null && !(lg instanceof String)) throw bad(where, at + ".logGroup", "must be a string or null");
            stages.put(String.valueOf(e.getKey()), new StageRecord(before, (String) lg));
        }
        return new AccessLogs(g, (Boolean) created, stages);
    }

    private static io.secureapi.error.ExitException bad(String where, String field, String what) {
        return io.secureapi.error.ExitException.badInput(
                where + ": field \"" + field + "\" " + what,
                "fix that field (or delete it and run secure-api setup --access-logs again), or pass --config for another file");
    }
}
