package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Route scopes through the stand-in gateway with API Gateway's result cache on (300 s): the first
 * scoped key makes the authorizer cache per key, method and path, so an allow for one request is
 * never served for another; keys scope takes effect through the flush; setup keeps the identity
 * sources while a key is scoped.
 */
class ScopesIT {
    final Aws aws = new Aws();
    final HttpClient http = HttpClient.newHttpClient();
    final Gateways gateways = new Gateways();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    @AfterEach
    void stop() throws Exception {
        gateways.stopAll();
    }

    String cachingGateway(String secretArn, String api) throws IOException {
        return gateways.start(dir, secretArn, Gateways.caching(api));
    }

    int call(String url, String method, String path, String key) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(url + path))
                                .header("Authorization", key)
                                .method(method, HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> check(Run run, String id) {
        for (Object o : (List<Object>) JsonText.parseObject(run.out).get("checks")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (id.equals(c.get("id"))) return c;
        }
        return null;
    }

    List<String> identitySources(String api) {
        return aws.apigw.getAuthorizers(r -> r.apiId(api)).items().stream()
                .filter(a -> a.name().equals("secure-api-key"))
                .findFirst()
                .orElseThrow()
                .identitySource();
    }

    @Test
    void aCachedAllowForOnePathNeverServesAnother_scopeChangesWithinTheFlush_setupKeepsTheSources() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("live.key").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        assertThat(identitySources(api)).containsExactly("$request.header.Authorization");
        String secretArn = (String) Aws.configEntry(config()).get("secretArn");
        String url = cachingGateway(secretArn, api);

        // bad patterns: exit 2, nothing written
        Run bad = Run.cli(config(), "keys", "add", "orders", "--routes", "GET /orders/*/x");
        assertThat(bad.exitCode).as(bad.toString()).isEqualTo(2);
        assertThat(bad.err).contains("not a route pattern");
        assertThat(bad.writes()).isEmpty();

        Run add = Run.cli(
                config(),
                "keys",
                "add",
                "orders",
                "--routes",
                "GET /orders/*,post /orders",
                "--key-out",
                dir.resolve("orders.key").toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        assertThat(identitySources(api))
                .as("set before the key was written")
                .containsExactly("$request.header.Authorization", "$context.httpMethod", "$context.path");
        String key = Files.readString(dir.resolve("orders.key")).strip();

        assertThat(call(url, "GET", "/orders/1", key)).isEqualTo(200);
        assertThat(call(url, "DELETE", "/orders/1", key))
                .as("the cached allow for GET /orders/1 does not serve DELETE")
                .isEqualTo(403);
        assertThat(call(url, "GET", "/admin", key)).isEqualTo(403);
        assertThat(call(url, "POST", "/orders", key)).isEqualTo(200);
        assertThat(call(url, "GET", "/orders/%2e%2e/admin", key)).isEqualTo(403);
        assertThat(call(url, "GET", "/orders/1", key))
                .as("still cached: allowed")
                .isEqualTo(200);
        assertThat(call(url, "GET", "/admin", "")).as("no key: 401").isEqualTo(401);

        Run list = Run.cli(config(), "keys", "list", "--no-last-used", "--output", "json");
        assertThat(list.exitCode).as(list.toString()).isZero();
        assertThat(list.out).contains("\"routes\"").contains("GET /orders/*").contains("POST /orders");

        // a narrower scope: the cached allow for GET /orders/1 goes with the flush
        Run scope = Run.cli(config(), "keys", "scope", "orders", "--routes", "POST /orders");
        assertThat(scope.exitCode).as(scope.toString()).isZero();
        assertThat(scope.out).contains("Caches emptied");
        assertThat(call(url, "GET", "/orders/1", key)).isEqualTo(403);
        assertThat(call(url, "POST", "/orders", key)).isEqualTo(200);

        // setup (as the Amplify hook runs it) keeps the per-request identity sources
        Run again = Run.cli(config(), "setup", "--api-id", api);
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(identitySources(api))
                .containsExactly("$request.header.Authorization", "$context.httpMethod", "$context.path");
        Run verify = Run.cli(config(), "verify", "--output", "json");
        assertThat(check(verify, "authorizer.cache-per-request")).containsEntry("status", "pass");

        // narrowed by hand: verify fails, and setup (which reads the scoped key) widens them again
        String authorizerId = aws.apigw.getAuthorizers(r -> r.apiId(api)).items().stream()
                .filter(a -> a.name().equals("secure-api-key"))
                .findFirst()
                .orElseThrow()
                .authorizerId();
        aws.apigw.updateAuthorizer(
                r -> r.apiId(api).authorizerId(authorizerId).identitySource("$request.header.Authorization"));
        Run narrowed = Run.cli(config(), "verify", "--output", "json");
        assertThat(narrowed.exitCode).as(narrowed.toString()).isEqualTo(1);
        assertThat(check(narrowed, "authorizer.cache-per-request")).containsEntry("status", "fail");
        Run restore = Run.cli(config(), "setup", "--api-id", api);
        assertThat(restore.exitCode).as(restore.toString()).isZero();
        assertThat(identitySources(api))
                .containsExactly("$request.header.Authorization", "$context.httpMethod", "$context.path");

        // every route again
        Run all = Run.cli(config(), "keys", "scope", "orders", "--all-routes");
        assertThat(all.exitCode).as(all.toString()).isZero();
        assertThat(call(url, "DELETE", "/orders/1", key)).isEqualTo(200);
    }
}
