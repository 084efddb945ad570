package io.secureapi.it;

import static io.secureapi.it.FaultProxy.rest;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizerType;
import software.amazon.awssdk.services.apigatewayv2.model.IntegrationType;
import software.amazon.awssdk.services.apigatewayv2.model.ProtocolType;
import software.amazon.awssdk.services.apigatewayv2.model.Route;

/**
 * What setup learns about the routes before it changes them survives any interruption: an API of
 * 40 routes on a JWT authorizer with scopes, `setup --replace-authorizer` killed (SIGKILL, or
 * interrupted with SIGINT) between two route updates, the same command again, then teardown: every
 * route is back on the JWT authorizer with its scopes.
 *
 * <p>Its tests run at the same time: each has its own API, proxy, process and folder, and most of
 * each one's time is its runs pacing 40 route updates at API Gateway's 10 requests per second.
 */
@Execution(ExecutionMode.CONCURRENT)
class RouteWriteAheadIT {
    static final int ROUTES = 40;
    static final String ROUTE_UPDATE = "/v2/apis/[^/]+/routes/[^/]+";

    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    record JwtApi(String id, String authorizerId) {}

    /** An HTTP API whose 40 routes use a Cognito-style JWT authorizer, each with its own scope. */
    JwtApi jwtApi() {
        String id = aws.apigw
                .createApi(r -> r.name(Aws.unique("jwt")).protocolType(ProtocolType.HTTP))
                .apiId();
        String integration = aws.apigw
                .createIntegration(r -> r.apiId(id)
                        .integrationType(IntegrationType.HTTP_PROXY)
                        .integrationMethod("ANY")
                        .integrationUri("http://container.example.internal:8080/{proxy}")
                        .payloadFormatVersion("1.0"))
                .integrationId();
        String jwt = aws.apigw
                .createAuthorizer(r -> r.apiId(id)
                        .name("cognito")
                        .authorizerType(AuthorizerType.JWT)
                        .identitySource("$request.header.Authorization")
                        .jwtConfiguration(
                                j -> j.audience("client").issuer("https://cognito-idp.us-east-1.amazonaws.com/pool")))
                .authorizerId();
        for (int i = 0; i < ROUTES; i++) {
            int n = i;
            aws.apigw.createRoute(r -> r.apiId(id)
                    .routeKey("GET /r" + n)
                    .target("integrations/" + integration)
                    .authorizationType("JWT")
                    .authorizerId(jwt)
                    .authorizationScopes("read:r" + n, "openid"));
        }
        aws.apigw.createStage(r -> r.apiId(id).stageName("$default").autoDeploy(true));
        return new JwtApi(id, jwt);
    }

    /** Every route is on the JWT authorizer with exactly the scopes it was created with. */
    void allBackOnJwt(JwtApi api) {
        List<Route> routes = aws.routes(api.id());
        assertThat(routes).hasSize(ROUTES);
        for (Route r : routes) {
            String n = r.routeKey().substring("GET /r".length());
            assertThat(r.authorizationTypeAsString()).as(r.routeKey()).isEqualTo("JWT");
            assertThat(r.authorizerId()).as(r.routeKey()).isEqualTo(api.authorizerId());
            assertThat(r.authorizationScopes()).as(r.routeKey()).containsExactlyInAnyOrder("read:r" + n, "openid");
        }
    }

    /** The real main in its own JVM through {@code endpoint}. */
    Process start(String endpoint, Path stdout, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // env --default-signal=INT: a build started in the background (`mvn … &`) ignores SIGINT, and a JVM
        // that inherits the ignore never handles Ctrl-C; the child must see SIGINT as a terminal would send it
        List<String> cmd = new ArrayList<>(List.of(
                "env",
                "--default-signal=INT",
                java,
                // the launcher's flags (scripts/secure-api): a run lasts seconds, C2 and G1 do not pay off
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "io.secureapi.cli.Main"));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--endpoint-url", endpoint, "--region", Aws.REGION, "--config", config().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        pb.environment().put("AWS_ACCESS_KEY_ID", "test");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "test");
        pb.redirectOutput(stdout.toFile())
                .redirectError(dir.resolve(stdout.getFileName() + ".err").toFile());
        return pb.start();
    }

    /** The {@code n}th request matching {@code match} (1-based). */
    static Predicate<FaultProxy.Request> nth(int n, Predicate<FaultProxy.Request> match) {
        AtomicInteger seen = new AtomicInteger();
        return r -> match.test(r) && seen.incrementAndGet() == n;
    }

    /**
     * Runs setup until its {@code updates}th route update took effect in AWS (its answer held), then
     * stops it with SIGKILL or SIGINT; returns the exit code.
     */
    int interruptedAfter(int updates, boolean sigkill, String... args) throws Exception {
        Path out = dir.resolve("killed-" + System.nanoTime() + ".out");
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            CountDownLatch held = proxy.hold(nth(updates, rest("PATCH", ROUTE_UPDATE)), true);
            Process p = start(proxy.endpoint(), out, args);
            boolean reached = false;
            for (int i = 0; i < 240 && !reached && p.isAlive(); i++) reached = held.await(500, TimeUnit.MILLISECONDS);
            if (!reached) p.destroyForcibly();
            assertThat(reached)
                    .as("the run reached route update " + updates + ": " + proxy.operations() + "\n"
                            + Files.readString(Path.of(out + ".err")))
                    .isTrue();
            if (sigkill) p.destroyForcibly();
            else
                new ProcessBuilder("kill", "-INT", String.valueOf(p.pid()))
                        .start()
                        .waitFor();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            lastErr = Files.readString(Path.of(out + ".err"));
            return p.exitValue();
        }
    }

    String lastErr;

    static Stream<Arguments> killPoints() {
        return Stream.of(
                Arguments.of(1, true),
                Arguments.of(ROUTES / 2, true),
                Arguments.of(ROUTES - 1, true),
                Arguments.of(1, false),
                Arguments.of(ROUTES / 2, false),
                Arguments.of(ROUTES - 1, false));
    }

    @ParameterizedTest(name = "after {0} route updates, SIGKILL {1}")
    @MethodSource("killPoints")
    void setupInterruptedBetweenRouteUpdates_rerunThenTeardown_putsEveryRouteBackOnItsJwtAuthorizer(
            int updates, boolean sigkill) throws Exception {
        JwtApi api = jwtApi();
        String[] setup = {"setup", "--api-id", api.id(), "--replace-authorizer"};
        int code = interruptedAfter(updates, sigkill, setup);
        if (!sigkill) {
            assertThat(code).as(lastErr).isEqualTo(130);
            assertThat(lastErr).contains("interrupted: wrote " + config());
        }
        long switched = aws.routes(api.id()).stream()
                .filter(r -> "CUSTOM".equals(r.authorizationTypeAsString()))
                .count();
        assertThat(switched).as("the run stopped between two route updates").isEqualTo(updates);
        assertThat(routeRecords())
                .as("the earlier authorization of every route was recorded before the first update")
                .hasSize(ROUTES)
                .allSatisfy(r -> assertThat(before(r)).containsEntry("authorizationType", "JWT"));

        Run rerun = Run.cli(config(), setup);
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(rerun.all()).doesNotContain("no earlier authorization recorded");
        assertThat(routeRecords())
                .as("the rerun keeps each route's recorded earlier state, not what the interrupted run left")
                .hasSize(ROUTES)
                .allSatisfy(r -> {
                    assertThat(before(r)).containsEntry("authorizationType", "JWT");
                    assertThat(before(r)).containsEntry("authorizerId", api.authorizerId());
                    assertThat((List<?>) before(r).get("authorizationScopes")).hasSize(2);
                });

        Run teardown = Run.cli(config(), "teardown", "--yes");
        assertThat(teardown.exitCode).as(teardown.toString()).isZero();
        assertThat(teardown.err).doesNotContain("public");
        allBackOnJwt(api);
        // the routes are on their JWT authorizer again: the way back that teardown prints says so
        assertThat(teardown.out).contains("`secure-api setup --replace-authorizer --config ");
    }

    /**
     * The config lost by hand: the routes already on our authorizer have no knowable earlier state.
     * The plan says so (naming them, shortened), and teardown keeps its contract: NONE, with one
     * warning naming them, shortened; the JSON lists every one.
     */
    @Test
    void configLostByHand_planSaysWhichRoutesHaveNoEarlierState_teardownWarnsInOneShortLine() throws Exception {
        JwtApi api = jwtApi();
        String[] setup = {"setup", "--api-id", api.id(), "--replace-authorizer"};
        assertThat(Run.cli(config(), setup).exitCode).isZero();
        Files.delete(config());

        Run rerun = Run.cli(config(), setup);
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(rerun.out)
                .contains("no earlier authorization recorded for " + ROUTES)
                .contains("… and " + (ROUTES - 5) + " more");
        assertThat(routeRecords()).allSatisfy(r -> assertThat(r).containsEntry("beforeUnknown", true));

        Run dry = Run.cli(config(), "teardown", "--dry-run");
        List<String> warnings =
                dry.err.lines().filter(l -> l.startsWith("warning:")).toList();
        assertThat(warnings).as(dry.toString()).hasSize(2);
        assertThat(warnings.get(0))
                .contains(ROUTES + " routes have no authorization recorded")
                .contains("… and " + (ROUTES - 5) + " more");
        assertThat(warnings).allSatisfy(w -> assertThat(w.length()).isLessThan(400));
        Run json = Run.cli(config(), "teardown", "--dry-run", "--output", "json");
        Map<String, Object> doc = JsonText.parseObject(json.out);
        assertThat((List<?>) doc.get("routesWithoutRecord")).hasSize(ROUTES);
        assertThat((List<?>) doc.get("routesMadePublic")).hasSize(ROUTES);

        assertThat(Run.cli(config(), "teardown", "--yes").exitCode).isZero();
        assertThat(aws.routes(api.id()))
                .allSatisfy(r -> assertThat(r.authorizationTypeAsString()).isEqualTo("NONE"));
    }

    List<Map<String, Object>> routeRecords() throws Exception {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> routes =
                (List<Map<String, Object>>) Aws.configEntry(config()).get("routes");
        return routes;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> before(Map<String, Object> route) {
        return (Map<String, Object>) route.get("before");
    }
}
