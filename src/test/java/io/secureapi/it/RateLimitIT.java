package io.secureapi.it;

import static io.secureapi.it.FaultProxy.Fault.THROTTLE;
import static io.secureapi.it.FaultProxy.rest;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API Gateway's management API allows 10 requests per second per account (burst 40): the tool paces
 * itself below that and retries throttling long enough for a 300-route API to converge in one run.
 */
class RateLimitIT {
    static final String ROUTE = "/v2/apis/[^/]+/routes/[^/]+";

    final Aws aws = new Aws();
    final FaultProxy proxy = FaultProxy.start(LocalAws.endpoint());

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        proxy.close();
    }

    Run viaProxy(String... args) {
        return Run.via(proxy.endpoint(), dir.resolve("secure-api.json"), "", false, args);
    }

    /**
     * What the account does when its API Gateway management quota runs out: a token bucket of 40
     * refilled at 10 per second answers 429 to every request beyond it
     * (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
     */
    static Predicate<FaultProxy.Request> accountQuotaExceeded() {
        return new Predicate<>() {
            double tokens = 40;
            long last = System.nanoTime();

            @Override
            public synchronized boolean test(FaultProxy.Request r) {
                if (!r.path().startsWith("/v2/")) return false;
                long now = System.nanoTime();
                tokens = Math.min(40, tokens + (now - last) / 1e8);
                last = now;
                if (tokens < 1) return true;
                tokens -= 1;
                return false;
            }
        };
    }

    @Test
    void setup_on300Routes_underTheAccountQuota_convergesInOneRun_withoutBeingThrottled() {
        String api = aws.amplifyApi();
        for (int i = 0; i < 298; i++) aws.addRoute(api, "GET /items/r" + i);
        proxy.fail(accountQuotaExceeded(), THROTTLE, -1);
        Run run = viaProxy("setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(proxy.faulted()).as("paced below the quota: never throttled").isEmpty();
        assertThat(run.pages("ApiGatewayV2.GetRoutes"))
                .as("every page of 300 routes read")
                .isGreaterThanOrEqualTo(300 / Run.PAGE_SIZE);
        assertThat(aws.routes(api))
                .hasSize(300)
                .filteredOn(r -> !r.routeKey().startsWith("OPTIONS"))
                .hasSize(299)
                .allMatch(r -> "CUSTOM".equals(r.authorizationTypeAsString()));
    }

    @Test
    void setup_throughABurstOf429s_onOneRouteUpdate_isRetriedToSuccess() {
        String api = aws.amplifyApi();
        for (int i = 0; i < 10; i++) aws.addRoute(api, "GET /items/r" + i);
        // four in a row: more than the SDK's default of three attempts
        proxy.fail(rest("PATCH", ROUTE), THROTTLE, 4);
        Run run = viaProxy("setup", "--api-id", api);
        assertThat(run.exitCode).as(run + "\nfaults: " + proxy.faulted()).isZero();
        assertThat(proxy.faulted()).hasSize(4);
        assertThat(aws.routes(api))
                .filteredOn(r -> !r.routeKey().startsWith("OPTIONS"))
                .hasSize(11)
                .allMatch(r -> "CUSTOM".equals(r.authorizationTypeAsString()));
    }
}
