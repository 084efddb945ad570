package io.secureapi.config;

import io.secureapi.error.ExitException;
import io.secureapi.model.State;
import io.secureapi.support.Headers;
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
            // API Gateway v2 Route.AuthorizationType: NONE, AWS_IAM, CUSTOM, JWT
            // (docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-routes-routeid.html)
            if (type != null && !AUTHORIZATION_TYPES.contains(type))
                throw bad(where, at + ".before.authorizationType", "must be one of " + AUTHORIZATION_TYPES);
            List<String> scopes = strings(b, "authorizationScopes", where, at + ".before.");
            checkValue(b, "authorizerId", ID, "is not an API Gateway authorizer id", where, at + ".before.");
            if (type != null
                    && (type.equals("CUSTOM") || type.equals("JWT"))
                    && str(b, "authorizerId", where, "") == null)
                throw bad(where, at + ".before.authorizerId", "is missing (a " + type + " route has an authorizer)");
            String routeKey = str(r, "routeKey", where, at + ".");
            if (routeKey == null || !routeKey.matches(ROUTE_KEY))
                throw bad(where, at + ".routeKey", "is not a route key ($default, or METHOD /path)");
            String routeId = str(r, "routeId", where, at + ".");
            if (routeId == null || !routeId.matches(ID))
                throw bad(where, at + ".routeId", "is not an API Gateway route id");
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
        checkValue(m, "functionArn", FUNCTION_ARN, "is not a Lambda function ARN", where);
        checkValue(m, "secretArn", SECRET_ARN, "is not a Secrets Manager secret ARN", where);
        checkValue(m, "authorizerId", ID, "is not an API Gateway authorizer id", where);
        for (String k : strings(m, "excludedRoutes", where, "")) {
            if (!k.matches(ROUTE_KEY))
                throw bad(where, "excludedRoutes", "has \"" + k + "\", not a route key ($default, or METHOD /path)");
        }
        String fwd = str(m, "forwardKeyName", where, "");
        if (fwd != null) {
            // the rule of setup --forward-key-name, checked against the entry's own key header
            String keyHeader = str(m, "header", where, "");
            Headers.notForwardable(fwd, keyHeader == null ? Names.DEFAULT_HEADER : keyHeader)
                    .ifPresent(why -> {
                        throw bad(where, "forwardKeyName", "\"" + fwd + "\" " + why);
                    });
        }
        Object torn = m.get(TORN_DOWN);
        if (torn != null) {
            // teardown writes the instant it ran; anything else is not a teardown record
            if (!(torn instanceof String t) || !isInstant(t))
                throw bad(where, TORN_DOWN, "must be the ISO instant teardown wrote (e.g. 2026-01-02T03:04:05Z)");
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
        checkValue(m, k, regex, what, where, "");
    }

    private static void checkValue(
            Map<String, Object> m, String k, String regex, String what, String where, String prefix) {
        String v = str(m, k, where, prefix);
        if (v != null && !v.isEmpty() && !v.matches(regex))
            throw bad(where, prefix + k, "\"" + (v.length() > 80 ? v.substring(0, 80) + "…" : v) + "\" " + what);
    }

    private static boolean isInstant(String t) {
        try {
            java.time.Instant.parse(t);
            return true;
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** The marker teardown leaves on an entry: the instant it ran. */
    public static final String TORN_DOWN = "tornDown";

    static final List<String> AUTHORIZATION_TYPES = List.of("NONE", "AWS_IAM", "CUSTOM", "JWT");
    /** API Gateway ids (APIs, routes, authorizers): lower-case letters and digits. */
    static final String ID = "[a-z0-9]{1,64}";
    /** $default, or METHOD /path (HTTP API route keys; ANY is a method here). */
    static final String ROUTE_KEY = "\\$default|[A-Z]+ /\\S*";
    /** arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] (Lambda API reference, FunctionName). */
    static final String FUNCTION_ARN =
            "arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\\d+:\\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?";
    /** arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx. */
    static final String SECRET_ARN =
            "arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\\d+:\\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,519}";

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
