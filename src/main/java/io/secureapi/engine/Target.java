package io.secureapi.engine;

import java.util.List;
import java.util.Optional;

/**
 * What setup should make true for one API: the user's choices after defaults, before any AWS
 * read. {@code routes} empty means "every route but OPTIONS ones and the excluded ones".
 */
public record Target(String apiId, String region, Optional<String> function, String secretName, String authorizerName,
        String header, int cacheTtl, Optional<List<String>> routes, boolean replaceAuthorizer, boolean devKey,
        Optional<ApiKey> suppliedKey, List<String> excludedRoutes) {

    public Target(String apiId, String region, Optional<String> function, String secretName, String authorizerName,
            String header, int cacheTtl, Optional<List<String>> routes, boolean replaceAuthorizer, boolean devKey,
            Optional<ApiKey> suppliedKey) {
        this(apiId, region, function, secretName, authorizerName, header, cacheTtl, routes, replaceAuthorizer, devKey,
                suppliedKey, List.of());
    }

    public Target {
        excludedRoutes = excludedRoutes == null ? List.of() : List.copyOf(excludedRoutes);
    }

    /**
     * What verify, rotate-key and teardown work against: the names secure-api.json recorded for
     * this API, else the defaults. The function is the user's only when the config says so.
     */
    public static Target fromConfig(String apiId, String region, Optional<ProjectConfig> config) {
        Optional<ProjectConfig> same = config.filter(c -> c.apiId().equals(apiId));
        Optional<String> fn = same.filter(c -> !c.functionManaged()).map(ProjectConfig::functionArn).filter(s -> s != null && !s.isBlank());
        String secret = same.map(ProjectConfig::secretName).filter(s -> s != null && !s.isBlank()).orElse(Names.defaultSecretName(apiId));
        String authorizer = same.map(ProjectConfig::authorizerName).filter(s -> s != null && !s.isBlank())
                .orElse(Names.DEFAULT_AUTHORIZER_NAME);
        String header = same.map(ProjectConfig::header).filter(s -> s != null && !s.isBlank()).orElse(Names.DEFAULT_HEADER);
        int ttl = same.map(ProjectConfig::cacheTtl).orElse(Names.DEFAULT_CACHE_TTL);
        return new Target(apiId, region, fn, secret, authorizer, header, ttl, Optional.empty(), false, false, Optional.empty(),
                same.map(ProjectConfig::excludedRoutes).orElse(List.of()));
    }

    public Target withSecretName(String name) {
        return new Target(apiId, region, function, name, authorizerName, header, cacheTtl, routes, replaceAuthorizer, devKey,
                suppliedKey, excludedRoutes);
    }

    public Target withoutFunction() {
        return new Target(apiId, region, Optional.empty(), secretName, authorizerName, header, cacheTtl, routes, replaceAuthorizer,
                devKey, suppliedKey, excludedRoutes);
    }

    public Target withFunction(String functionArn) {
        return new Target(apiId, region, Optional.of(functionArn), secretName, authorizerName, header, cacheTtl, routes,
                replaceAuthorizer, devKey, suppliedKey, excludedRoutes);
    }

    public boolean managedFunction() {
        return function.isEmpty();
    }

    public String identitySource() {
        return "$request.header." + header;
    }
}
