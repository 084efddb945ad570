package io.secureapi.pieces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.config.Target;
import io.secureapi.engine.Teardown;
import io.secureapi.engine.Verify;
import io.secureapi.engine.VerifyChecksTest;
import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import io.secureapi.support.Progress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Stages, deployments and the catch-all route, planned and checked on in-memory state: no network. */
class StagesPlanningTest {
    /** What ExportApi (OAS30, JSON, with extensions) answers for a stage whose deployment protects $default only. */
    static final String EXPORT_DEFAULT_PROTECTED = """
            {"openapi": "3.0.1", "info": {"title": "amp", "version": "1"},
             "paths": {
               "/$default": {"x-amazon-apigateway-any-method": {"isDefaultRoute": true, "security": [{"secure-api-key": []}],
                   "x-amazon-apigateway-integration": {"type": "http_proxy"}}},
               "/{proxy+}": {"options": {"responses": {"default": {"description": "Default response"}}}},
               "/items": {"get": {"security": [{"secure-api-key": []}]}}
             },
             "components": {"securitySchemes": {"secure-api-key": {"type": "apiKey", "name": "Authorization", "in": "header",
                 "x-amazon-apigateway-authorizer": {"type": "request", "identitySource": "$request.header.Authorization"}}}}}
            """;

    static final String EXPORT_NOTHING_PROTECTED = """
            {"openapi": "3.0.1", "paths": {"/$default": {"x-amazon-apigateway-any-method": {"isDefaultRoute": true}},
              "/items": {"get": {}}}}
            """;

    static Wiring converged() {
        Wiring w = VerifyChecksTest.converged();
        w.advance(b -> b.routes = List.of(
                route("r1", "$default", "CUSTOM", "a1"),
                route("r2", "OPTIONS /{proxy+}", "NONE", null),
                route("r3", "GET /items", "CUSTOM", "a1")));
        return w;
    }

    static State.Route route(String id, String key, String type, String authorizer) {
        return new State.Route(id, key, type, authorizer, List.of());
    }

    static Wiring withStage(Wiring w, String export) {
        w.advance(b -> b.stages = List.of(new State.Stage("prod", false, "d1")));
        w.advance(b -> b.deployed = Map.of("prod", StagesPiece.Deployed.fromOpenApi(export)));
        return w;
    }

    @Test
    void export_readsRouteKeysAndTheirAuthorizers() {
        StagesPiece.Deployed d = StagesPiece.Deployed.fromOpenApi(EXPORT_DEFAULT_PROTECTED);
        assertThat(d.routes().keySet()).containsExactlyInAnyOrder("$default", "OPTIONS /{proxy+}", "GET /items");
        assertThat(d.protects("$default", "secure-api-key")).isTrue();
        assertThat(d.protects("OPTIONS /{proxy+}", "secure-api-key")).isFalse();
        assertThat(d.uses("secure-api-key")).isTrue();
        assertThat(StagesPiece.Deployed.fromOpenApi(EXPORT_NOTHING_PROTECTED).uses("secure-api-key"))
                .isFalse();
    }

    @Test
    void manualStage_servingRoutesUnprotected_needsDeployment_andIsRefusedWithoutTheFlag() {
        Wiring w = withStage(converged(), EXPORT_NOTHING_PROTECTED);
        StagesPiece stages = new StagesPiece();
        List<Change> rows = stages.planRows(w, List.of());
        assertThat(rows).hasSize(1);
        Change row = rows.get(0);
        assertThat(row.changes()).isTrue();
        assertThat(row.resource()).contains("stage prod");
        assertThat(row.detail())
                .contains("\"$default\"")
                .contains("\"GET /items\"")
                .contains("also releases any other undeployed change");
        assertThat(row.diff(StagesPiece.Deployment.class).stage()).isEqualTo("prod");
        assertThatThrownBy(() -> StagesPiece.refuseWithoutFlag(
                        w, rows, "setup", "would keep serving routes without the protection"))
                .isInstanceOf(ExitException.class)
                .hasMessageContaining("stage prod")
                .hasMessageContaining("api1")
                .hasMessageContaining("us-east-1")
                .satisfies(e -> {
                    assertThat(((ExitException) e).exitCode()).isEqualTo(2);
                    assertThat(((ExitException) e).hint()).contains("--deploy-stages");
                });
        StagesPiece.refuseWithoutFlag(w.with(w.options.withDeployStages(true)), rows, "setup", "x");
        assertThat(StagesPiece.deployments(rows))
                .extracting(StagesPiece.Deployment::stage)
                .containsExactly("prod");
    }

    @Test
    void manualStage_servingTheProtection_isOk_unlessRoutesOrAuthorizerChange() {
        Wiring w = withStage(converged(), EXPORT_DEFAULT_PROTECTED);
        StagesPiece stages = new StagesPiece();
        List<Change> converged = stages.planRows(w, List.of());
        assertThat(converged).allSatisfy(c -> assertThat(c.changes()).isFalse());
        assertThat(StagesPiece.deployments(converged)).isEmpty();
        StagesPiece.refuseWithoutFlag(w, converged, "setup", "x"); // converged: no flag needed

        Change ttl = new Change("authorizer", "authorizer secure-api-key", Change.Action.UPDATE, "TTL 300 → 60 s");
        List<Change> rows = stages.planRows(w, List.of(ttl));
        assertThat(rows.get(0).changes()).isTrue();
        assertThat(rows.get(0).detail()).contains("reach it only through a deployment");
    }

    @Test
    void manualStage_servingTheProtection_needsDeployment_whenTheKeyNameMappingChanges() {
        Wiring w = withStage(converged(), EXPORT_DEFAULT_PROTECTED);
        Change mapping = new Change(
                new KeyNameForwardingPiece().name(), "integration abc", Change.Action.UPDATE, "forward the key name");
        assertThat(new StagesPiece().planRows(w, List.of(mapping)).get(0).changes())
                .isTrue();
    }

    @Test
    void autoDeployStages_needNothing_andStageWithoutDeploymentServesNothing() {
        Wiring w = converged();
        w.advance(
                b -> b.stages = List.of(new State.Stage("$default", true, "d0"), new State.Stage("beta", false, null)));
        StagesPiece stages = new StagesPiece();
        List<Change> rows = stages.planRows(w, List.of(new Change("routes", "r", Change.Action.UPDATE, "protect 1")));
        assertThat(rows).hasSize(2).allSatisfy(c -> assertThat(c.changes()).isFalse());
        assertThat(rows.get(0).detail()).contains("$default").contains("AutoDeploy on");
        assertThat(rows.get(1).detail()).contains("serves nothing");
    }

    @Test
    void deploymentStillServingADeletedPublicRoute_isAGap() {
        Wiring w = withStage(converged(), """
                {"openapi": "3.0.1", "paths": {"/$default": {"x-amazon-apigateway-any-method": {"security": [{"secure-api-key": []}]}},
                  "/items": {"get": {"security": [{"secure-api-key": []}]}}, "/old": {"delete": {}}}}
                """);
        assertThat(new StagesPiece().planRows(w, List.of()).get(0).detail()).contains("\"DELETE /old\"");
    }

    @Test
    void verify_stageDeployed_failsNamingTheStage_passesWhenServed_andIsLeftOutWithoutManualStages() {
        Wiring w = withStage(converged(), EXPORT_NOTHING_PROTECTED);
        Check c = VerifyChecksTest.run(w).get("stage.deployed");
        assertThat(c.status()).isEqualTo(Check.Status.FAIL);
        assertThat(c.message()).contains("stage prod");
        assertThat(c.fix()).isEqualTo("run secure-api setup --deploy-stages");
        assertThat(c.details()).anySatisfy(d -> assertThat(d).contains("\"$default\""));

        assertThat(VerifyChecksTest.run(withStage(converged(), EXPORT_DEFAULT_PROTECTED))
                        .get("stage.deployed")
                        .status())
                .isEqualTo(Check.Status.PASS);
        Wiring auto = converged();
        auto.advance(b -> b.stages = List.of(new State.Stage("$default", true, "d0")));
        assertThat(VerifyChecksTest.run(auto)).doesNotContainKey("stage.deployed");
    }

    @Test
    void teardown_stageWhoseDeploymentUsesOurAuthorizer_needsDeployment() {
        Wiring w = withStage(converged(), EXPORT_DEFAULT_PROTECTED);
        StagesPiece stages = new StagesPiece();
        List<Change> rows = stages.removalRows(w);
        assertThat(rows.get(0).changes()).isTrue();
        assertThat(rows.get(0).detail()).contains("secure-api-key");
        assertThat(StagesPiece.deployments(rows))
                .extracting(StagesPiece.Deployment::stage)
                .containsExactly("prod");
        assertThatThrownBy(() -> StagesPiece.refuseWithoutFlag(
                        w, rows, "teardown", "would keep serving secure-api's authorizer"))
                .hasMessageContaining("stage prod")
                .satisfies(e -> assertThat(((ExitException) e).hint()).contains("teardown --deploy-stages"));

        Wiring clean = withStage(converged(), EXPORT_NOTHING_PROTECTED);
        assertThat(new StagesPiece().removalRows(clean))
                .allSatisfy(c -> assertThat(c.changes()).isFalse());
    }

    @Test
    void teardown_deploysRightAfterTheRoutesAreRestored() {
        List<String> order = Teardown.pieces(Target.fromConfig("api1", "us-east-1", null)).stream()
                .map(Piece::name)
                .toList();
        assertThat(order.indexOf("stages")).isEqualTo(order.indexOf("routes") + 1);
        assertThat(order.indexOf("stages")).isLessThan(order.indexOf("authorizer"));
    }

    @Test
    void urls_defaultStageIsTheEndpoint_otherStagesOneEach() {
        Wiring w = converged();
        w.advance(
                b -> b.stages = List.of(new State.Stage("$default", true, "d0"), new State.Stage("prod", false, "d1")));
        assertThat(StagesPiece.urls(w))
                .extracting(StagesPiece.Url::url)
                .containsExactly("https://api1.execute-api.us-east-1.amazonaws.com");
        w.advance(b -> b.stages = List.of(new State.Stage("prod", false, "d1"), new State.Stage("beta", true, "d2")));
        assertThat(StagesPiece.urls(w))
                .extracting(StagesPiece.Url::url)
                .containsExactly(
                        "https://api1.execute-api.us-east-1.amazonaws.com/prod",
                        "https://api1.execute-api.us-east-1.amazonaws.com/beta");
        w.advance(b -> b.api = new State.Api("api1", "amp", "HTTP", null, false));
        w.advance(b -> b.stages = List.of());
        assertThat(StagesPiece.urls(w).get(0).url()).isEqualTo("https://api1.execute-api.us-east-1.amazonaws.com");
    }

    @Test
    void probeUrl_withoutADefaultStage_goesUnderTheFirstStagesPath() {
        Wiring w = converged();
        assertThat(Verify.of(w).probeUrl().toString()).isEqualTo("https://api1.execute-api.us-east-1.amazonaws.com/");
        w.advance(b -> b.stages = List.of(new State.Stage("prod", false, "d1"), new State.Stage("beta", true, "d2")));
        assertThat(Verify.of(w).probeUrl().toString())
                .isEqualTo("https://api1.execute-api.us-east-1.amazonaws.com/prod/");
        w.advance(
                b -> b.stages = List.of(new State.Stage("prod", false, "d1"), new State.Stage("$default", true, "d2")));
        assertThat(Verify.of(w).probeUrl().toString()).isEqualTo("https://api1.execute-api.us-east-1.amazonaws.com/");
    }

    // the catch-all route

    static Target routesTarget(Optional<List<String>> routes, List<String> excluded) {
        return Target.builder("api1", "us-east-1")
                .secretName("secure-api/api1/api-key")
                .authorizerName("secure-api-key")
                .header("Authorization")
                .cacheTtl(300)
                .routes(routes.orElse(null))
                .excludedRoutes(excluded)
                .build();
    }

    @Test
    void catchAll_keys() {
        assertThat(RoutesPiece.isCatchAll("$default")).isTrue();
        assertThat(RoutesPiece.isCatchAll("ANY /{proxy+}")).isTrue();
        assertThat(RoutesPiece.isCatchAll("ANY /api/{proxy+}")).isFalse();
        assertThat(RoutesPiece.isCatchAll("GET /{proxy+}")).isFalse();
    }

    @Test
    void catchAll_leftPublicByRoutes_isReported() {
        Wiring w = new Wiring(routesTarget(Optional.of(List.of("GET /items")), List.of()), null, Progress.NONE, null);
        w.advance(b -> b.routes = List.of(
                route("r1", "$default", "NONE", null),
                route("r3", "GET /items", "NONE", null),
                route("r4", "ANY /{proxy+}", "NONE", null)));
        assertThat(RoutesPiece.publicCatchAlls(w)).containsExactly("$default", "ANY /{proxy+}");
        Wiring all = new Wiring(routesTarget(Optional.empty(), List.of()), null, Progress.NONE, null);
        all.advance(b -> b.routes = w.snapshot().routes());
        assertThat(RoutesPiece.publicCatchAlls(all)).isEmpty();
    }

    static Wiring excluding(String... excluded) {
        Wiring c = converged();
        Wiring w = new Wiring(routesTarget(Optional.empty(), List.of(excluded)), null, Progress.NONE, null);
        w.advance(b -> b.partition = c.snapshot().partition());
        w.advance(b -> b.account = c.snapshot().account());
        w.advance(b -> b.api = c.snapshot().api());
        w.advance(b -> b.function = c.snapshot().function());
        w.advance(b -> b.secret = c.snapshot().secret());
        w.advance(b -> b.secretPolicy = c.snapshot().secretPolicy());
        w.advance(b -> b.authorizers = c.snapshot().authorizers());
        w.advance(b -> b.functionPolicy = c.snapshot().functionPolicy());
        return w;
    }

    @Test
    void verify_catchAllExcludedBySetup_stillFails_unlessAllowedPublic() {
        Wiring w = excluding("$default");
        w.advance(b ->
                b.routes = List.of(route("r1", "$default", "NONE", null), route("r3", "GET /items", "CUSTOM", "a1")));
        Check c = VerifyChecksTest.run(w).get("routes.protected");
        assertThat(c.status()).isEqualTo(Check.Status.FAIL);
        assertThat(c.message()).contains("\"$default\"");
        assertThat(c.fix()).contains("--allow-public '$default'");
        assertThat(VerifyChecksTest.run(w, "$default").get("routes.protected").status())
                .isEqualTo(Check.Status.PASS);
    }

    @Test
    void verify_otherRouteExcludedBySetup_passes_withoutMentioningAllowPublic() {
        Wiring w = excluding("GET /health");
        w.advance(b ->
                b.routes = List.of(route("r1", "$default", "CUSTOM", "a1"), route("r3", "GET /health", "NONE", null)));
        Check c = VerifyChecksTest.run(w).get("routes.protected");
        assertThat(c.status()).isEqualTo(Check.Status.PASS);
        assertThat(c.message()).contains("GET /health").contains("--routes").doesNotContain("--allow-public");
        assertThat(VerifyChecksTest.run(w).values())
                .noneSatisfy(x -> assertThat(x.message()).contains("allow-public"));
    }

    @Test
    void verify_stagesNeverChangeTheOrderOfTheOtherChecks() {
        Map<String, Check> c = VerifyChecksTest.run(withStage(converged(), EXPORT_DEFAULT_PROTECTED));
        assertThat(List.copyOf(c.keySet())).containsSubsequence("routes.protected", "stage.deployed", "cors.preflight");
        assertThat(Set.copyOf(c.keySet())).contains("stage.deployed");
    }
}
