package io.secureapi.aws;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.apache.http.HttpHost;
import org.apache.http.conn.socket.ConnectionSocketFactory;
import org.apache.http.protocol.HttpContext;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.account.AccountClient;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * One client per service, built on first use and sharing one HTTP client, so a command pays
 * only for the services it touches. Apache is the HTTP client: it sends PATCH (API Gateway v2
 * updates) and starts faster than CRT (src/site/markdown/speed.md, "Why Apache").
 */
public final class AwsClients implements AutoCloseable {
    private final AwsSettings settings;
    private final List<ExecutionInterceptor> interceptors;
    private final CallCounter counter = new CallCounter();
    // Built on a thread of its own from the start: TLS setup (trust store, public suffix list) is the
    // slowest part of a cold start, and it overlaps with building the service clients.
    private final CompletableFuture<SdkHttpClient> http;
    private final Lazy<AwsCredentialsProvider> credentials = new Lazy<>(this::newCredentials);
    // One lock per client, so the concurrent reads of Setup build their clients in parallel.
    // API Gateway's management API allows about 10 requests per second per account: paced here,
    // with more attempts than other clients, so a 300-route API converges in one run.
    private final RateLimit apigwPace = RateLimit.apiGatewayManagement();
    private final RateLimit deployments = RateLimit.apiGatewayDeployments();
    private final Lazy<ApiGatewayV2Client> apigw =
            new Lazy<>(() -> paced(configure(ApiGatewayV2Client.builder())).build());
    private final Lazy<LambdaClient> lambda =
            new Lazy<>(() -> configure(LambdaClient.builder()).build());
    private final Lazy<software.amazon.awssdk.services.apigateway.ApiGatewayClient> restApis =
            new Lazy<>(() -> configure(software.amazon.awssdk.services.apigateway.ApiGatewayClient.builder())
                    .build());
    private final Lazy<SecretsManagerClient> secrets =
            new Lazy<>(() -> configure(SecretsManagerClient.builder()).build());
    // IAM is global: its endpoint lives in the partition's global region.
    private final Lazy<IamClient> iam =
            new Lazy<>(() -> configure(IamClient.builder(), Region.AWS_GLOBAL).build());
    private final Lazy<StsClient> sts =
            new Lazy<>(() -> configure(StsClient.builder()).build());
    private final Lazy<KmsClient> kms =
            new Lazy<>(() -> configure(KmsClient.builder()).build());
    // scan --regions all in the aws partition only (ListRegions): the Account API's endpoint there is
    // global, its rules pick it from any region of the partition
    private final Lazy<AccountClient> account =
            new Lazy<>(() -> configure(AccountClient.builder()).build());
    private final Lazy<CloudWatchLogsClient> logs =
            new Lazy<>(() -> configure(CloudWatchLogsClient.builder()).build());

    public AwsClients(AwsSettings settings, List<ExecutionInterceptor> interceptors) {
        Warmup.finish(); // from here on, only the command's threads initialise the SDK's classes
        this.settings = settings;
        this.interceptors = List.copyOf(interceptors);
        boolean plainHttp = settings.endpoint() != null
                && "http".equalsIgnoreCase(settings.endpoint().getScheme());
        this.http = buildHttp(plainHttp);
    }

    private static CompletableFuture<SdkHttpClient> buildHttp(boolean plainHttp) {
        CompletableFuture<SdkHttpClient> f = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        ApacheHttpClient.Builder b = ApacheHttpClient.builder()
                                .connectionTimeout(Duration.ofSeconds(5))
                                .socketTimeout(Duration.ofSeconds(30));
                        // An http:// --endpoint-url (moto, LocalStack) serves every service: no TLS to set up.
                        if (plainHttp) b.socketFactory(new NoTls());
                        f.complete(b.build());
                    } catch (RuntimeException | Error e) {
                        f.completeExceptionally(e);
                    }
                },
                "secure-api-http");
        t.setDaemon(true);
        t.start();
        return f;
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

    public ApiGatewayV2Client apigateway() {
        return apigw.get();
    }

    /** Paces CreateDeployment calls (one every 5 s per account); {@link RateLimit#acquire()} before each. */
    public RateLimit deployments() {
        return deployments;
    }

    public LambdaClient lambda() {
        return lambda.get();
    }

    /** API Gateway v1 (REST APIs): read only, to name the kind of an id that is not an HTTP API. */
    public software.amazon.awssdk.services.apigateway.ApiGatewayClient restApis() {
        return restApis.get();
    }

    public SecretsManagerClient secrets() {
        return secrets.get();
    }

    public IamClient iam() {
        return iam.get();
    }

    public StsClient sts() {
        return sts.get();
    }

    public KmsClient kms() {
        return kms.get();
    }

    public AccountClient account() {
        return account.get();
    }

    public CloudWatchLogsClient logs() {
        return logs.get();
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
        return configure(builder, Region.of(settings.region()));
    }

    private <B extends AwsClientBuilder<B, ?>> B configure(B builder, Region region) {
        Region effective = region;
        if (region == Region.AWS_GLOBAL && settings.endpoint() != null) {
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
        builder.region(effective).credentialsProvider(credentials.get()).overrideConfiguration(override.build());
        if (builder instanceof software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder<?, ?> sync) {
            sync.httpClient(new Deferred(http));
        }
        if (settings.endpoint() != null) builder.endpointOverride(settings.endpoint());
        return builder;
    }

    /** Maximum attempts of an API Gateway call (the SDK's standard mode makes 3). */
    static final int API_GATEWAY_ATTEMPTS = 10;

    /** API Gateway: every attempt paced by the token bucket; throttling retried up to 10 attempts. */
    private <B extends AwsClientBuilder<B, ?>> B paced(B builder) {
        ClientOverrideConfiguration.Builder override = ClientOverrideConfiguration.builder()
                // standard mode, explicitly; no circuit breaker: the pacing, not a retry quota, bounds the load
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(API_GATEWAY_ATTEMPTS)
                        .circuitBreakerEnabled(false)
                        // 10 attempts fit in about a minute when throttled, in seconds when a call fails otherwise
                        .throttlingBackoffStrategy(
                                BackoffStrategy.exponentialDelay(Duration.ofMillis(500), Duration.ofSeconds(20)))
                        .backoffStrategy(
                                BackoffStrategy.exponentialDelay(Duration.ofMillis(100), Duration.ofSeconds(2)))
                        .build())
                .addExecutionInterceptor(counter)
                .addExecutionInterceptor(apigwPace);
        interceptors.forEach(override::addExecutionInterceptor);
        return builder.overrideConfiguration(override.build());
    }

    private AwsCredentialsProvider newCredentials() {
        return settings.profile() != null
                ? ProfileCredentialsProvider.builder()
                        .profileName(settings.profile())
                        .build()
                : DefaultCredentialsProvider.builder().build();
    }

    @Override
    public void close() {
        for (Lazy<? extends AutoCloseable> c :
                List.of(apigw, restApis, lambda, secrets, iam, sts, kms, account, logs)) {
            c.ifBuilt(client -> {
                try {
                    client.close();
                } catch (Exception ignored) {
                    // closing on exit: nothing useful to do with a failure here
                }
            });
        }
        // Not waited for: if it is still being built, it is closed when it is ready.
        http.thenAccept(SdkHttpClient::close);
    }

    /** Built once, on first use, under its own lock. */
    private static final class Lazy<T> {
        private final Supplier<T> make;
        private T value;

        Lazy(Supplier<T> make) {
            this.make = make;
        }

        synchronized T get() {
            if (value == null) value = make.get();
            return value;
        }

        synchronized void ifBuilt(Consumer<T> action) {
            if (value != null) action.accept(value);
        }
    }

    /** The https slot when the endpoint is http: fails closed, never falls back to plain text. */
    static final class NoTls implements ConnectionSocketFactory {
        @Override
        public Socket createSocket(HttpContext context) throws IOException {
            throw new SSLException("TLS is not set up: the endpoint (--endpoint-url) is http://");
        }

        @Override
        public Socket connectSocket(
                int timeout,
                Socket sock,
                HttpHost host,
                InetSocketAddress remote,
                InetSocketAddress local,
                HttpContext context)
                throws IOException {
            throw new SSLException("TLS is not set up: the endpoint (--endpoint-url) is http://");
        }
    }

    /**
     * Hands the SDK the HTTP client before it is ready: the service clients are built meanwhile,
     * and the first request waits for it. Closing is AwsClients' job, not each service client's.
     */
    private static final class Deferred implements SdkHttpClient {
        private final CompletableFuture<SdkHttpClient> client;

        Deferred(CompletableFuture<SdkHttpClient> client) {
            this.client = client;
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            try {
                return client.join().prepareRequest(request);
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw e;
            }
        }

        @Override
        public String clientName() {
            return ApacheHttpClient.CLIENT_NAME;
        }

        @Override
        public void close() {
            // AwsClients closes the one real client
        }
    }
}
