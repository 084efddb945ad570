package io.secureapi.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * One client per service, built on first use and sharing one HTTP client, so a command pays
 * only for the services it touches. Apache is the HTTP client: it sends PATCH (API Gateway v2
 * updates) and starts faster than CRT (README, "Why Apache").
 */
public final class AwsClients implements AutoCloseable {
    private final AwsSettings settings;
    private final List<ExecutionInterceptor> interceptors;
    private final CallCounter counter = new CallCounter();
    private SdkHttpClient http;
    private AwsCredentialsProvider credentials;
    private ApiGatewayV2Client apigw;
    private LambdaClient lambda;
    private SecretsManagerClient secrets;
    private IamClient iam;
    private StsClient sts;
    private final List<AutoCloseable> opened = new ArrayList<>();

    public AwsClients(AwsSettings settings, List<ExecutionInterceptor> interceptors) {
        this.settings = settings;
        this.interceptors = List.copyOf(interceptors);
    }

    public AwsSettings settings() {
        return settings;
    }

    public String region() {
        return settings.region();
    }

    public CallCounter counter() {
        return counter;
    }

    public synchronized ApiGatewayV2Client apigateway() {
        if (apigw == null) apigw = open(() -> configure(ApiGatewayV2Client.builder()).build());
        return apigw;
    }

    public synchronized LambdaClient lambda() {
        if (lambda == null) lambda = open(() -> configure(LambdaClient.builder()).build());
        return lambda;
    }

    public synchronized SecretsManagerClient secrets() {
        if (secrets == null) secrets = open(() -> configure(SecretsManagerClient.builder()).build());
        return secrets;
    }

    public synchronized IamClient iam() {
        // IAM is global: its endpoint lives in the partition's global region.
        if (iam == null) iam = open(() -> configure(IamClient.builder(), Region.AWS_GLOBAL).build());
        return iam;
    }

    public synchronized StsClient sts() {
        if (sts == null) sts = open(() -> configure(StsClient.builder()).build());
        return sts;
    }

    private <T extends AutoCloseable> T open(Supplier<T> s) {
        T client = s.get();
        opened.add(client);
        return client;
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
        return configure(builder, Region.of(settings.region()));
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, Region region) {
        Region effective = region;
        if (region == Region.AWS_GLOBAL && settings.endpoint().isPresent()) {
            effective = Region.of(settings.region());
        } else if (region == Region.AWS_GLOBAL && settings.region().startsWith("cn-")) {
            effective = Region.AWS_CN_GLOBAL;
        } else if (region == Region.AWS_GLOBAL && settings.region().startsWith("us-gov-")) {
            effective = Region.AWS_US_GOV_GLOBAL;
        }
        ClientOverrideConfiguration.Builder override = ClientOverrideConfiguration.builder()
                .retryStrategy(RetryMode.STANDARD)
                .addExecutionInterceptor(counter);
        interceptors.forEach(override::addExecutionInterceptor);
        builder.region(effective)
                .credentialsProvider(credentials())
                .overrideConfiguration(override.build());
        if (builder instanceof software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<?, ?> sync) {
            sync.httpClient(http());
        }
        settings.endpoint().ifPresent(builder::endpointOverride);
        return builder;
    }

    private synchronized SdkHttpClient http() {
        if (http == null) {
            http = ApacheHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(5))
                    .socketTimeout(Duration.ofSeconds(30))
                    .build();
        }
        return http;
    }

    private synchronized AwsCredentialsProvider credentials() {
        if (credentials == null) {
            credentials = settings.profile()
                    .<AwsCredentialsProvider>map(p -> ProfileCredentialsProvider.builder().profileName(p).build())
                    .orElseGet(() -> DefaultCredentialsProvider.builder().build());
        }
        return credentials;
    }

    @Override
    public synchronized void close() {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing on exit: nothing useful to do with a failure here
            }
        }
        if (http != null) http.close();
    }
}
