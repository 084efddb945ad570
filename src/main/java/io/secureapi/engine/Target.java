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
