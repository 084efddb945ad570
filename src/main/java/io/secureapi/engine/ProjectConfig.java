package io.secureapi.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
public record ProjectConfig(String apiId, String region, String functionArn, boolean functionManaged, String secretArn,
        String secretName, String authorizerId, String authorizerName, String header, int cacheTtl,
        List<ProtectedRoute> routes, List<String> excludedRoutes, String forwardKeyName) {

    /** Without a forwarded key-name header. */
    public ProjectConfig(String apiId, String region, String functionArn, boolean functionManaged, String secretArn,
            String secretName, String authorizerId, String authorizerName, String header, int cacheTtl,
            List<ProtectedRoute> routes, List<String> excludedRoutes) {
        this(apiId, region, functionArn, functionManaged, secretArn, secretName, authorizerId, authorizerName, header, cacheTtl,
                routes, excludedRoutes, null);
    }

    /** Without routes deliberately left out of protection. */
    public ProjectConfig(String apiId, String region, String functionArn, boolean functionManaged, String secretArn,
            String secretName, String authorizerId, String authorizerName, String header, int cacheTtl,
            List<ProtectedRoute> routes) {
        this(apiId, region, functionArn, functionManaged, secretArn, secretName, authorizerId, authorizerName, header, cacheTtl,
                routes, List.of());
    }

    public ProjectConfig {
        excludedRoutes = excludedRoutes == null ? List.of() : List.copyOf(excludedRoutes);
    }

    public static final String DEFAULT_FILE = "secure-api.json";

    public record ProtectedRoute(String routeKey, String routeId, State.Authorization before) {
    }

    public static Optional<ProjectConfig> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw ExitException.badInput("cannot read config " + file + ": " + e.getMessage(), "check the file's permissions, or pass --config");
        }
        try {
            return Optional.of(fromJson(Json.parseObject(text)));
        } catch (RuntimeException e) {
            throw ExitException.badInput("config " + file + " is not a valid secure-api config (" + e.getMessage() + ")",
                    "fix or delete it and run secure-api setup --api-id ID again");
        }
    }

    public void write(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(file, Json.pretty(toJson()) + "\n");
        } catch (IOException e) {
            throw new ExitException(ExitException.FAILED, "cannot write config " + file + ": " + e.getMessage(),
                    "check the folder's permissions, or pass --config", e);
        }
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
            if (r.before().authorizerId() != null) before.put("authorizerId", r.before().authorizerId());
            if (!r.before().scopes().isEmpty()) before.put("authorizationScopes", r.before().scopes());
            rm.put("before", before);
            rs.add(rm);
        }
        m.put("routes", rs);
        // routes a --routes choice left public on purpose: a rerun keeps them so, verify allows them
        m.put("excludedRoutes", excludedRoutes);
        // the header setup --forward-key-name maps on every integration (verify checks it, teardown removes it)
        if (forwardKeyName != null) m.put("forwardKeyName", forwardKeyName);
        return m;
    }

    @SuppressWarnings("unchecked")
    static ProjectConfig fromJson(Map<String, Object> m) {
        List<ProtectedRoute> routes = new ArrayList<>();
        for (Object o : (List<Object>) m.getOrDefault("routes", List.of())) {
            Map<String, Object> r = (Map<String, Object>) o;
            Map<String, Object> b = (Map<String, Object>) r.getOrDefault("before", Map.of());
            routes.add(new ProtectedRoute(str(r, "routeKey"), str(r, "routeId"), new State.Authorization(
                    (String) b.getOrDefault("authorizationType", "NONE"), (String) b.get("authorizerId"),
                    (List<String>) b.getOrDefault("authorizationScopes", List.of()))));
        }
        String apiId = str(m, "apiId");
        if (apiId == null || apiId.isBlank()) throw new IllegalArgumentException("apiId missing");
        Object ttl = m.getOrDefault("cacheTtl", (long) Names.DEFAULT_CACHE_TTL);
        return new ProjectConfig(apiId, str(m, "region"), str(m, "functionArn"),
                Boolean.TRUE.equals(m.get("functionManaged")), str(m, "secretArn"), str(m, "secretName"),
                str(m, "authorizerId"), str(m, "authorizerName"), str(m, "header"), ((Number) ttl).intValue(), routes,
                (List<String>) m.getOrDefault("excludedRoutes", List.of()), str(m, "forwardKeyName"));
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        if (v != null && !(v instanceof String)) throw new IllegalArgumentException(k + " must be a string");
        return (String) v;
    }

    public Optional<ProtectedRoute> route(String routeId) {
        return routes.stream().filter(r -> r.routeId().equals(routeId)).findFirst();
    }
}
