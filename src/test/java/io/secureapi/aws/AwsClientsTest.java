package io.secureapi.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import javax.net.ssl.SSLException;
import org.apache.http.HttpHost;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.apigatewayv2.model.GetApisRequest;

class AwsClientsTest {
    @Test
    void httpEndpoint_httpsSlot_failsClosedInsteadOfSendingPlainText() {
        AwsClients.NoTls noTls = new AwsClients.NoTls();
        assertThatThrownBy(() -> noTls.createSocket(null))
                .isInstanceOf(SSLException.class)
                .hasMessageContaining("http://");
        assertThatThrownBy(() -> noTls.connectSocket(
                        1000,
                        null,
                        new HttpHost("example.com", 443, "https"),
                        new InetSocketAddress("127.0.0.1", 443),
                        null,
                        null))
                .isInstanceOf(SSLException.class);
    }

    @Test
    void sameService_askedFromManyThreads_isBuiltOnce() throws Exception {
        AwsSettings settings = new AwsSettings("us-east-1", null, URI.create("http://127.0.0.1:9"));
        try (AwsClients aws = new AwsClients(settings, List.of())) {
            Object[] seen = new Object[4];
            Thread[] threads = new Thread[seen.length];
            for (int i = 0; i < threads.length; i++) {
                int n = i;
                threads[i] = new Thread(() -> seen[n] = aws.apigateway());
                threads[i].start();
            }
            for (Thread t : threads) t.join();
            assertThat(seen).allSatisfy(c -> assertThat(c).isSameAs(seen[0]));
            assertThat(aws.lambda()).isSameAs(aws.lambda());
        }
    }

    @Test
    void closed_beforeTheHttpClientIsReady_doesNotFail() {
        AwsSettings settings = new AwsSettings("us-east-1", null, null);
        new AwsClients(settings, List.of()).close();
    }

    @Test
    void request_waitsForTheHttpClient_andIsCounted() {
        // Nothing listens on port 9: the call fails, but only after it went through the HTTP client.
        // (Credentials: the test run's aws.accessKeyId / aws.secretAccessKey system properties.)
        AwsSettings settings = new AwsSettings("us-east-1", null, URI.create("http://127.0.0.1:9"));
        try (AwsClients aws = new AwsClients(settings, List.of())) {
            assertThatThrownBy(() ->
                            aws.apigateway().getApis(GetApisRequest.builder().build()))
                    .hasMessageContaining("127.0.0.1");
            assertThat(aws.counter().reads()).isEqualTo(1);
            assertThat(aws.counter().writes()).isZero();
        }
    }
}
