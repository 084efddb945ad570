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

    public Target {
        excludedRoutes = excludedRoutes == null ? List.of() : List.copyOf(excludedRoutes);
    }

    /**
     * What verify, rotate-key and teardown work against: the names secure-api.json recorded for
     * this API, else the defaults. The function is the user's only when the config says so.
     */
    public static Target fromConfig(String apiId, String region, Optional<ProjectConfig> config) {
        Optional<ProjectConfig> same = config.filter(ProjectConfig.forApi(apiId));
        Optional<String> fn = same.filter(c -> !c.functionManaged()).map(ProjectConfig::functionArn).filter(s -> s != null && !s.isBlank());
        String secret = same.map(ProjectConfig::secretName).filter(s -> s != null && !s.isBlank()).orElse(Names.defaultSecretName(apiId));
        String authorizer = same.map(ProjectConfig::authorizerName).filter(s -> s != null && !s.isBlank())
                .orElse(Names.DEFAULT_AUTHORIZER_NAME);
        String header = same.map(ProjectConfig::header).filter(s -> s != null && !s.isBlank()).orElse(Names.DEFAULT_HEADER);
        int ttl = same.map(ProjectConfig::cacheTtl).orElse(Names.DEFAULT_CACHE_TTL);
        return builder(apiId, region).function(fn.orElse(null)).secretName(secret).authorizerName(authorizer).header(header)
                .cacheTtl(ttl).excludedRoutes(same.map(ProjectConfig::excludedRoutes).orElse(List.of())).build();
    }

    public Target withSecretName(String name) {
        return toBuilder().secretName(name).build();
    }

    public Target withoutFunction() {
        return toBuilder().function(null).build();
    }

    public Target withFunction(String functionArn) {
        return toBuilder().function(functionArn).build();
    }

    public boolean managedFunction() {
        return function.isEmpty();
    }

    public String identitySource() {
        return "$request.header." + header;
    }

    /** A target with the defaults for everything but the API and region (a managed function, every route, no key supplied). */
    public static Builder builder(String apiId, String region) {
        return new Builder(apiId, region);
    }

    public Builder toBuilder() {
        return builder(apiId, region).function(function.orElse(null)).secretName(secretName).authorizerName(authorizerName)
                .header(header).cacheTtl(cacheTtl).routes(routes.orElse(null)).replaceAuthorizer(replaceAuthorizer).devKey(devKey)
                .suppliedKey(suppliedKey.orElse(null)).excludedRoutes(excludedRoutes);
    }

    /** Named choices instead of a twelve-argument constructor; null means "none" for function, routes and key. */
    public static final class Builder {
        private final String apiId;
        private final String region;
        private String function;
        private String secretName;
        private String authorizerName = Names.DEFAULT_AUTHORIZER_NAME;
        private String header = Names.DEFAULT_HEADER;
        private int cacheTtl = Names.DEFAULT_CACHE_TTL;
        private List<String> routes;
        private boolean replaceAuthorizer;
        private boolean devKey;
        private ApiKey suppliedKey;
        private List<String> excludedRoutes = List.of();

        private Builder(String apiId, String region) {
            this.apiId = apiId;
            this.region = region;
            this.secretName = Names.defaultSecretName(apiId);
        }

        /** The user's function (name or ARN); null for the bundled one secure-api manages. */
        public Builder function(String v) {
            function = v;
            return this;
        }

        public Builder secretName(String v) {
            secretName = v;
            return this;
        }

        public Builder authorizerName(String v) {
            authorizerName = v;
            return this;
        }

        public Builder header(String v) {
            header = v;
            return this;
        }

        public Builder cacheTtl(int v) {
            cacheTtl = v;
            return this;
        }

        /** The route keys to protect; null for every route but OPTIONS ones and the excluded ones. */
        public Builder routes(List<String> v) {
            routes = v;
            return this;
        }

        public Builder replaceAuthorizer(boolean v) {
            replaceAuthorizer = v;
            return this;
        }

        public Builder devKey(boolean v) {
            devKey = v;
            return this;
        }

        public Builder suppliedKey(ApiKey v) {
            suppliedKey = v;
            return this;
        }

        public Builder excludedRoutes(List<String> v) {
            excludedRoutes = v;
            return this;
        }

        public Target build() {
            return new Target(apiId, region, Optional.ofNullable(function), secretName, authorizerName, header, cacheTtl,
                    Optional.ofNullable(routes), replaceAuthorizer, devKey, Optional.ofNullable(suppliedKey), excludedRoutes);
        }
    }
}
