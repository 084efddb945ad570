package io.secureapi.config;

import io.secureapi.error.ExitException;
import io.secureapi.model.State;
import io.secureapi.support.Names;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * secure-api.json: what setup wired, meant to be committed so CI and teammates need no flags.
 * No key material, ever.
 */
public record ProjectConfig(
        String apiId,
        String region,
        String functionArn,
        boolean functionManaged,
        String secretArn,
        String secretName,
        String authorizerId,
        String authorizerName,
        String header,
        int cacheTtl,
        List<ProtectedRoute> routes,
        List<String> excludedRoutes,
        String forwardKeyName,
        AccessLogs accessLogs) {

    public ProjectConfig {
        excludedRoutes = excludedRoutes == null ? List.of() : List.copyOf(excludedRoutes);
    }

    /** An entry without access logs (setup without --access-logs). */
    public ProjectConfig(
            String apiId,
            String region,
            String functionArn,
            boolean functionManaged,
            String secretArn,
            String secretName,
            String authorizerId,
            String authorizerName,
            String header,
            int cacheTtl,
            List<ProtectedRoute> routes,
            List<String> excludedRoutes,
            String forwardKeyName) {
        this(
                apiId,
                region,
                functionArn,
                functionManaged,
                secretArn,
                secretName,
                authorizerId,
                authorizerName,
                header,
                cacheTtl,
                routes,
                excludedRoutes,
                forwardKeyName,
                null);
    }

    public static final String DEFAULT_FILE = "secure-api.json";

    /**
     * A route on our authorizer and the authorization it had before the first setup; {@code known}
     * false when no run could know it (it was already on our authorizer with nothing recorded, e.g.
     * after the config was lost): then {@code before} is NONE, which teardown restores with a warning.
     */
    public record ProtectedRoute(String routeKey, String routeId, State.Authorization before, boolean known) {
        public ProtectedRoute(String routeKey, String routeId, State.Authorization before) {
            this(routeKey, routeId, before, true);
        }
    }

    /**
     * The one entry of {@code file} (its only entry); several entries need a name: use
     * {@link ConfigFile#read} and {@link ConfigFile#resolve}.
     */
    public static Optional<ProjectConfig> read(Path file) {
        return ConfigFile.read(file).flatMap(f -> f.resolve(null).flatMap(f::entry));
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("apiId", apiId);
        m.put("region", region);
        m.put("functionArn", functionArn);
        m.put("functionManaged", functionManaged);
        m.put("secretArn", secretArn);
        m.put("secretName", secretName);
        m.put("authorizerId", authorizerId);
        m.put("authorizerName", authorizerName);
        m.put("header", header);
        m.put("cacheTtl", cacheTtl);
        List<Object> rs = new ArrayList<>();
        for (ProtectedRoute r : routes) {
            Map<String, Object> rm = new LinkedHashMap<>();
            rm.put("routeKey", r.routeKey());
            rm.put("routeId", r.routeId());
            Map<String, Object> before = new LinkedHashMap<>();
            before.put("authorizationType", r.before().type());
            if (r.before().authorizerId() != null)
                before.put("authorizerId", r.before().authorizerId());
            if (!r.before().scopes().isEmpty())
                before.put("authorizationScopes", r.before().scopes());
            rm.put("before", before);
            // older readers see NONE, today's contract for an unknown earlier state
            if (!r.known()) rm.put("beforeUnknown", true);
            rs.add(rm);
        }
        m.put("routes", rs);
        // routes a --routes choice left public on purpose: a rerun keeps them so, verify allows them
        m.put("excludedRoutes", excludedRoutes);
        // the header setup --forward-key-name maps on every integration (verify checks it, teardown removes it)
        if (forwardKeyName != null) m.put("forwardKeyName", forwardKeyName);
        // setup --access-logs: the log group and each stage's settings before, for teardown and usage
        if (accessLogs != null) m.put("accessLogs", accessLogs.toJson());
        return m;
    }

    /** One entry; a wrong type or value is exit 2 naming {@code where} (the file and entry) and the field. */
    static ProjectConfig fromJson(Map<String, Object> m, String where) {
        List<ProtectedRoute> routes = new ArrayList<>();
        List<Object> rawRoutes = list(m, "routes", where);
        for (int i = 0; i < rawRoutes.size(); i++) {
            String at = "routes[" + i + "]";
            if (!(rawRoutes.get(i) instanceof Map<?, ?> r0)) throw bad(where, at, "must be an object");
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) r0;
            Object b0 = r.getOrDefault("before", Map.of());
            if (!(b0 instanceof Map<?, ?>)) throw bad(where, at + ".before", "must be an object");
            @SuppressWarnings("unchecked")
            Map<String, Object> b = (Map<String, Object>) b0;
            String type = str(b, "authorizationType", where, at + ".before.");
            List<String> scopes = strings(b, "authorizationScopes", where, at + ".before.");
            routes.add(new ProtectedRoute(
                    str(r, "routeKey", where, at + "."),
                    str(r, "routeId", where, at + "."),
                    new State.Authorization(
                            type == null ? "NONE" : type, str(b, "authorizerId", where, at + ".before."), scopes),
                    !Boolean.TRUE.equals(r.get("beforeUnknown"))));
        }
        String apiId = str(m, "apiId", where, "");
        if (apiId == null || apiId.isBlank()) throw bad(where, "apiId", "is missing");
        if (!apiId.matches("[a-z0-9]{1,64}"))
            throw bad(where, "apiId", "is not an API Gateway API id (lower-case letters and digits)");
        checkValue(m, "region", "[a-z]{2}(-[a-z]+)+-\\d+", "is not an AWS region name", where);
        checkValue(m, "secretName", "[A-Za-z0-9/_+=.@-]{1,512}", "is not a valid Secrets Manager name", where);
        checkValue(m, "header", "[A-Za-z0-9!#$%&'*+.^_`|~-]+", "is not a valid HTTP header name", where);
        checkValue(m, "authorizerName", "(?s).{1,128}", "must be 1 to 128 characters", where);
        Object ttl = m.getOrDefault("cacheTtl", (long) Names.DEFAULT_CACHE_TTL);
        if (!(ttl instanceof Number n)
                || n.doubleValue() != Math.rint(n.doubleValue())
                || n.doubleValue() < 0
                || n.doubleValue() > 3600) {
            throw bad(where, "cacheTtl", "must be a whole number of seconds from 0 to 3600");
        }
        Object managed = m.getOrDefault("functionManaged", Boolean.FALSE);
        if (!(managed instanceof Boolean)) throw bad(where, "functionManaged", "must be true or false");
        return new ProjectConfig(
                apiId,
                str(m, "region", where, ""),
                str(m, "functionArn", where, ""),
                (Boolean) managed,
                str(m, "secretArn", where, ""),
                str(m, "secretName", where, ""),
                str(m, "authorizerId", where, ""),
                str(m, "authorizerName", where, ""),
                str(m, "header", where, ""),
                n.intValue(),
                routes,
                strings(m, "excludedRoutes", where, ""),
                str(m, "forwardKeyName", where, ""),
                AccessLogs.fromJson(m.get("accessLogs"), where));
    }

    /** A present, non-empty string value must match; empty or absent falls back to the default. */
    private static void checkValue(Map<String, Object> m, String k, String regex, String what, String where) {
        String v = str(m, k, where, "");
        if (v != null && !v.isEmpty() && !v.matches(regex)) throw bad(where, k, "\"" + v + "\" " + what);
    }

    private static ExitException bad(String where, String field, String what) {
        return ExitException.badInput(
                where + ": field \"" + field + "\" " + what,
                "fix that field (or delete the entry and run secure-api setup again), or pass --config for another file");
    }

    private static String str(Map<String, Object> m, String k, String where, String prefix) {
        Object v = m.get(k);
        if (v != null && !(v instanceof String)) throw bad(where, prefix + k, "must be a string");
        return (String) v;
    }

    private static List<Object> list(Map<String, Object> m, String k, String where) {
        Object v = m.get(k);
        if (v == null) return List.of();
        if (!(v instanceof List<?> l)) throw bad(where, k, "must be a list");
        return new ArrayList<>(l);
    }

    private static List<String> strings(Map<String, Object> m, String k, String where, String prefix) {
        Object v = m.get(k);
        if (v == null) return List.of();
        if (!(v instanceof List<?> l) || l.stream().anyMatch(x -> !(x instanceof String))) {
            throw bad(where, prefix + k, "must be a list of strings");
        }
        return l.stream().map(String.class::cast).toList();
    }

    public Optional<ProtectedRoute> route(String routeId) {
        return routes.stream().filter(r -> r.routeId().equals(routeId)).findFirst();
    }

    /** The one rule for "the config entry of this API": use as {@code config.filter(ProjectConfig.forApi(apiId))}. */
    public static java.util.function.Predicate<ProjectConfig> forApi(String apiId) {
        return c -> c.apiId().equals(apiId);
    }
}
