package io.secureapi.support;

/** Every name and tag the tool gives AWS resources, in one place. */
public final class Names {
    public static final String TAG_API_ID = "secure-api:api-id";
    public static final String TAG_MANAGED = "secure-api:managed";
    public static final String ENV_SECRET_ARN = "SECRET_ARN";
    public static final String ENV_KEY_HEADER = "KEY_HEADER";
    /** How long the authorizer caches the secret, in seconds (optional; the authorizer has a default). */
    public static final String ENV_KEY_CACHE_SECONDS = "KEY_CACHE_SECONDS";

    public static final String SECRET_POLICY_SID = "SecureApiAuthorizerRead";
    public static final String ROLE_POLICY_NAME = "secure-api-authorizer-logs";
    /** The bundled role's second inline policy: kms:Decrypt on a customer-managed key of the secret. */
    public static final String ROLE_KMS_POLICY_NAME = "secure-api-authorizer-kms";
    /** The newest Node.js runtime Lambda offers (nodejs22.x is deprecated on 2027-04-30: LambdaRuntimes). */
    public static final String RUNTIME = "nodejs24.x";

    public static final String HANDLER = "index.handler";
    public static final String DEFAULT_AUTHORIZER_NAME = "secure-api-key";
    public static final String DEFAULT_HEADER = "Authorization";
    public static final int DEFAULT_CACHE_TTL = 300;

    private Names() {}

    public static String defaultSecretName(String apiId) {
        return "secure-api/" + apiId + "/api-key";
    }

    public static String managedFunctionName(String apiId) {
        return "secure-api-authorizer-" + apiId;
    }

    public static String managedRoleName(String apiId) {
        return "secure-api-authorizer-" + apiId;
    }

    public static String permissionStatementId(String apiId) {
        return "secure-api-invoke-" + apiId;
    }
}
