package io.secureapi.config;

import io.secureapi.keys.ApiKey;
import io.secureapi.support.Names;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What setup should make true for one API: the user's choices after defaults, before any AWS
 * read. {@code routes} empty means "every route but OPTIONS ones and the excluded ones".
 * A class, not a record: function, routes and key may be absent, held as null and answered as
 * Optional (Optional is a return type only), so a record's accessors would answer null.
 */
public final class Target {
    private final String apiId;
    private final String region;
    private final String function;
    private final String secretName;
    private final String authorizerName;
    private final String header;
    private final int cacheTtl;
    private final List<String> routes;
    private final boolean replaceAuthorizer;
    private final boolean devKey;
    private final ApiKey suppliedKey;
    private final List<String> excludedRoutes;

    private Target(Builder b) {
        apiId = b.apiId;
        region = b.region;
        function = b.function;
        secretName = b.secretName;
        authorizerName = b.authorizerName;
        header = b.header;
        cacheTtl = b.cacheTtl;
        routes = b.routes == null ? null : List.copyOf(b.routes);
        replaceAuthorizer = b.replaceAuthorizer;
        devKey = b.devKey;
        suppliedKey = b.suppliedKey;
        excludedRoutes = b.excludedRoutes == null ? List.of() : List.copyOf(b.excludedRoutes);
    }

    public String apiId() {
        return apiId;
    }

    public String region() {
        return region;
    }

    /** The user's function (name or ARN); empty for the bundled one secure-api manages. */
    public Optional<String> function() {
        return Optional.ofNullable(function);
    }

    public String secretName() {
        return secretName;
    }

    public String authorizerName() {
        return authorizerName;
    }

    public String header() {
        return header;
    }

    public int cacheTtl() {
        return cacheTtl;
    }

    /** The route keys to protect; empty for every route but OPTIONS ones and the excluded ones. */
    public Optional<List<String>> routes() {
        return Optional.ofNullable(routes);
    }

    public boolean replaceAuthorizer() {
        return replaceAuthorizer;
    }

    public boolean devKey() {
        return devKey;
    }

    public Optional<ApiKey> suppliedKey() {
        return Optional.ofNullable(suppliedKey);
    }

    public List<String> excludedRoutes() {
        return excludedRoutes;
    }

    /** A value, as the record it was: equal when every choice is. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Target t
                && Objects.equals(apiId, t.apiId)
                && Objects.equals(region, t.region)
                && Objects.equals(function, t.function)
                && Objects.equals(secretName, t.secretName)
                && Objects.equals(authorizerName, t.authorizerName)
                && Objects.equals(header, t.header)
                && cacheTtl == t.cacheTtl
                && Objects.equals(routes, t.routes)
                && replaceAuthorizer == t.replaceAuthorizer
                && devKey == t.devKey
                && Objects.equals(suppliedKey, t.suppliedKey)
                && excludedRoutes.equals(t.excludedRoutes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                apiId,
                region,
                function,
                secretName,
                authorizerName,
                header,
                cacheTtl,
                routes,
                replaceAuthorizer,
                devKey,
                suppliedKey,
                excludedRoutes);
    }

    /** Every choice; a supplied key shows as its own redacted toString. */
    @Override
    public String toString() {
        return "Target[apiId=" + apiId + ", region=" + region + ", function=" + function + ", secretName=" + secretName
                + ", authorizerName=" + authorizerName + ", header=" + header + ", cacheTtl=" + cacheTtl + ", routes="
                + routes
                + ", replaceAuthorizer=" + replaceAuthorizer + ", devKey=" + devKey + ", suppliedKey=" + suppliedKey
                + ", excludedRoutes=" + excludedRoutes + "]";
    }

    /**
     * What verify, rotate-key and teardown work against: the names secure-api.json recorded for
     * this API, else the defaults. The function is the user's only when the config says so.
     */
    public static Target fromConfig(String apiId, String region, ProjectConfig config) {
        Optional<ProjectConfig> same = Optional.ofNullable(config).filter(ProjectConfig.forApi(apiId));
        Optional<String> fn = same.filter(c -> !c.functionManaged())
                .map(ProjectConfig::functionArn)
                .filter(s -> s != null && !s.isBlank());
        String secret = same.map(ProjectConfig::secretName)
                .filter(s -> s != null && !s.isBlank())
                .orElse(Names.defaultSecretName(apiId));
        String authorizer = same.map(ProjectConfig::authorizerName)
                .filter(s -> s != null && !s.isBlank())
                .orElse(Names.DEFAULT_AUTHORIZER_NAME);
        String header = same.map(ProjectConfig::header)
                .filter(s -> s != null && !s.isBlank())
                .orElse(Names.DEFAULT_HEADER);
        int ttl = same.map(ProjectConfig::cacheTtl).orElse(Names.DEFAULT_CACHE_TTL);
        return builder(apiId, region)
                .function(fn.orElse(null))
                .secretName(secret)
                .authorizerName(authorizer)
                .header(header)
                .cacheTtl(ttl)
                .excludedRoutes(same.map(ProjectConfig::excludedRoutes).orElse(List.of()))
                .build();
    }

    public Target withSecretName(String name) {
        return toBuilder().secretName(name).build();
    }

    public Target withFunction(String functionArn) {
        return toBuilder().function(functionArn).build();
    }

    public boolean managedFunction() {
        return function == null;
    }

    public String identitySource() {
        return "$request.header." + header;
    }

    /** A target with the defaults for everything but the API and region (a managed function, every route, no key supplied). */
    public static Builder builder(String apiId, String region) {
        return new Builder(apiId, region);
    }

    public Builder toBuilder() {
        return builder(apiId, region)
                .function(function)
                .secretName(secretName)
                .authorizerName(authorizerName)
                .header(header)
                .cacheTtl(cacheTtl)
                .routes(routes)
                .replaceAuthorizer(replaceAuthorizer)
                .devKey(devKey)
                .suppliedKey(suppliedKey)
                .excludedRoutes(excludedRoutes);
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
            return new Target(this);
        }
    }
}
