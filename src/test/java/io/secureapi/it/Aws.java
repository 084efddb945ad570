package io.secureapi.it;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.IntegrationType;
import software.amazon.awssdk.services.apigatewayv2.model.ProtocolType;
import software.amazon.awssdk.services.apigatewayv2.model.Route;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The test's own view of the emulator: plain SDK clients (not the tool's) to build fixtures and
 * to read the resulting AWS state back.
 */
public final class Aws {
    public static final String REGION = "us-east-1";
    private static final SdkHttpClient HTTP = ApacheHttpClient.create();

    public final String region;
    public final ApiGatewayV2Client apigw;
    public final LambdaClient lambda;
    public final SecretsManagerClient secrets;
    public final IamClient iam;
    public final software.amazon.awssdk.services.apigateway.ApiGatewayClient restApis;

    public Aws() {
        this(REGION);
    }

    /**
     * Clients in {@code region}. A test whose commands read every HTTP API of their region (scan, and
     * setup's check that no other API's authorizer reads an untagged secret) runs in a region of its
     * own, which no other test class uses: those reads then take the time of its own fixtures, not of
     * the hundreds of APIs the rest of the suite leaves in us-east-1 (each paced at 10 requests per second).
     */
    public Aws(String region) {
        this.region = region;
        apigw = build(ApiGatewayV2Client.builder(), region);
        lambda = build(LambdaClient.builder(), region);
        secrets = build(SecretsManagerClient.builder(), region);
        iam = build(IamClient.builder(), region);
        restApis = build(software.amazon.awssdk.services.apigateway.ApiGatewayClient.builder(), region);
    }

    static <B extends AwsClientBuilder<B, C>, C> C build(B b) {
        return build(b, REGION);
    }

    static <B extends AwsClientBuilder<B, C>, C> C build(B b, String region) {
        b.region(Region.of(region))
                .endpointOverride(URI.create(LocalAws.endpoint()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
        ((software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<?, ?>) b).httpClient(HTTP);
        return b.build();
    }

    /** An API as Amplify's serverless containers create it: $default → HTTP_PROXY, OPTIONS /{proxy+}, $default stage, CORS. */
    public String amplifyApi() {
        String id = apigw.createApi(
                        r -> r.name("amplify-" + UUID.randomUUID().toString().substring(0, 8))
                                .protocolType(ProtocolType.HTTP)
                                .corsConfiguration(c -> c.allowOrigins("*")
                                        .allowHeaders("authorization", "content-type")
                                        .allowMethods("GET", "POST", "PUT", "DELETE", "OPTIONS")))
                .apiId();
        String integration = apigw.createIntegration(r -> r.apiId(id)
                        .integrationType(IntegrationType.HTTP_PROXY)
                        .integrationMethod("ANY")
                        .integrationUri("http://container.example.internal:8080/{proxy}")
                        .payloadFormatVersion("1.0"))
                .integrationId();
        apigw.createRoute(r -> r.apiId(id).routeKey("$default").target("integrations/" + integration));
        apigw.createRoute(r -> r.apiId(id).routeKey("OPTIONS /{proxy+}"));
        apigw.createStage(r -> r.apiId(id).stageName("$default").autoDeploy(true));
        return id;
    }

    public String addRoute(String apiId, String key) {
        return apigw.createRoute(r -> r.apiId(apiId).routeKey(key)).routeId();
    }

    /** Every route, through the (patched) paging. */
    public List<Route> routes(String apiId) {
        List<Route> out = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            var page = apigw.getRoutes(r -> r.apiId(apiId).maxResults("100").nextToken(t));
            out.addAll(page.items());
            token = page.nextToken();
        } while (token != null);
        return out;
    }

    public Route route(String apiId, String key) {
        return routes(apiId).stream()
                .filter(r -> r.routeKey().equals(key))
                .findFirst()
                .orElseThrow();
    }

    /** A user's own hand-wired authorizer function (header vs a plain-string secret), with env vars of its own. */
    /** The ARN of the secret setup makes for {@code apiId}. */
    public String secretArn(String apiId) {
        return secrets.describeSecret(r -> r.secretId("secure-api/" + apiId + "/api-key"))
                .arn();
    }

    /** Function {@code name}'s environment variables as Lambda holds them now. */
    public Map<String, String> env(String name) {
        return lambda.getFunctionConfiguration(r -> r.functionName(name))
                .environment()
                .variables();
    }

    public String userFunction(String name, Map<String, String> env) {
        String roleName = name + "-role";
        String roleArn = iam.createRole(r -> r.roleName(roleName)
                        .assumeRolePolicyDocument(
                                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},"
                                        + "\"Action\":\"sts:AssumeRole\"}]}"))
                .role()
                .arn();
        return lambda.createFunction(r -> r.functionName(name)
                        .runtime("nodejs14.x")
                        .handler("index.handler")
                        .role(roleArn)
                        .code(c -> c.zipFile(SdkBytes.fromByteArray(emptyZip())))
                        .environment(e -> e.variables(new LinkedHashMap<>(env))))
                .functionArn();
    }

    static byte[] emptyZip() {
        try {
            var bytes = new java.io.ByteArrayOutputStream();
            try (var zip = new java.util.zip.ZipOutputStream(bytes)) {
                zip.putNextEntry(new java.util.zip.ZipEntry("index.mjs"));
                zip.write("export const handler = async () => ({ isAuthorized: false });\n".getBytes());
                zip.closeEntry();
            }
            return bytes.toByteArray();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The one entry of a secure-api.json (the file holds {"schemaVersion", "envs": {NAME: entry}}). */
    @SuppressWarnings("unchecked")
    public static java.util.Map<String, Object> configEntry(java.nio.file.Path config) {
        return configEntry(config, null);
    }

    /** Entry {@code name} of a secure-api.json; null name: its only entry. */
    @SuppressWarnings("unchecked")
    public static java.util.Map<String, Object> configEntry(java.nio.file.Path config, String name) {
        try {
            var doc = JsonText.parseObject(java.nio.file.Files.readString(config));
            var envs = (java.util.Map<String, Object>) doc.get("envs");
            if (name != null) return (java.util.Map<String, Object>) envs.get(name);
            if (envs.size() != 1) throw new AssertionError("expected one entry in " + config + ": " + envs.keySet());
            return (java.util.Map<String, Object>) envs.values().iterator().next();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
