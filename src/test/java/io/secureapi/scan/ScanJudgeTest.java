package io.secureapi.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** scan's judgement of one API's routes, on in-memory state. */
class ScanJudgeTest {
    static Scan.RouteRead route(String key, String type, String authorizer) {
        return new Scan.RouteRead(key, type, authorizer);
    }

    @Test
    void judge_sortsRoutesIntoPublicAllowedAndOther_neverCountingOptions() {
        var routes = List.of(
                route("$default", "NONE", null),
                route("OPTIONS /{proxy+}", "NONE", null),
                route("GET /health", "NONE", null),
                route("GET /me", "JWT", "j1"),
                route("GET /admin", "AWS_IAM", null),
                route("POST /x", "CUSTOM", "other"),
                route("POST /y", "CUSTOM", "ours"));
        var authorizers = List.of(
                new Scan.AuthorizerRead("j1", "cognito", "JWT", null),
                new Scan.AuthorizerRead(
                        "other",
                        "legacy-auth",
                        "REQUEST",
                        "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
                                + "arn:aws:lambda:eu-west-1:123456789012:function:legacy/invocations"),
                new Scan.AuthorizerRead(
                        "ours",
                        "renamed",
                        "REQUEST",
                        "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
                                + "arn:aws:lambda:eu-west-1:123456789012:function:secure-api-authorizer-abc/invocations"));
        Scan.ApiFinding f = Scan.judge(
                "abc",
                "shop",
                "eu-west-1",
                routes,
                authorizers,
                Set.of(new Scan.Allowed("abc", "GET /health"), new Scan.Allowed("zzz", "$default")),
                List.of());
        assertThat(f.publicRoutes()).containsExactly("$default");
        assertThat(f.allowedPublicRoutes()).containsExactly("GET /health");
        assertThat(f.otherAuthorizerRoutes()).containsExactly("GET /admin", "GET /me", "POST /x");
        assertThat(f.otherAuthorizerTypes())
                .containsEntry("GET /me", "JWT")
                .containsEntry("POST /x", "CUSTOM (legacy-auth)");
        assertThat(f.protectedBySecureApi())
                .as("a route on the bundled function's authorizer")
                .isTrue();
        assertThat(f.ok()).isFalse();
    }

    @Test
    void judge_anEntryOfTheConfig_marksItOurs_andItsAuthorizerNameCounts() {
        var routes = List.of(route("$default", "CUSTOM", "a1"));
        var authorizers =
                List.of(new Scan.AuthorizerRead("a1", "my-key", "REQUEST", "arn:aws:lambda:eu-west-1:1:function:mine"));
        Scan.ApiFinding none = Scan.judge("abc", "shop", "eu-west-1", routes, authorizers, Set.of(), List.of());
        assertThat(none.protectedBySecureApi()).isFalse();
        assertThat(none.otherAuthorizerRoutes()).containsExactly("$default");
        Scan.ApiFinding configured = Scan.judge(
                "abc",
                "shop",
                "eu-west-1",
                routes,
                authorizers,
                Set.of(),
                List.of(new Scan.Configured("abc", "eu-west-1", "my-key")));
        assertThat(configured.protectedBySecureApi()).isTrue();
        assertThat(configured.otherAuthorizerRoutes()).isEmpty();
        assertThat(configured.ok()).isTrue();
        Scan.ApiFinding otherRegion = Scan.judge(
                "abc",
                "shop",
                "us-east-1",
                routes,
                authorizers,
                Set.of(),
                List.of(new Scan.Configured("abc", "eu-west-1", "my-key")));
        assertThat(otherRegion.protectedBySecureApi())
                .as("the same id in another region is another API")
                .isFalse();
    }

    @Test
    void partitions_comeFromTheRegionName() {
        assertThat(Scan.partitionOf("eu-west-1")).isEqualTo("aws");
        assertThat(Scan.partitionOf("cn-north-1")).isEqualTo("aws-cn");
        assertThat(Scan.partitionOf("us-gov-west-1")).isEqualTo("aws-us-gov");
        assertThat(Scan.known("eu-west-1")).isTrue();
        assertThat(Scan.known("mars-north-1")).isFalse();
    }

    @Test
    void partitionRegions_chinaAndGovCloud_areTheSdksOwnList_withoutGlobalOrFipsNames() {
        assertThat(Scan.partitionRegions("aws-cn"))
                .contains("cn-north-1", "cn-northwest-1")
                .allMatch(r -> r.startsWith("cn-"));
        assertThat(Scan.partitionRegions("aws-us-gov"))
                .contains("us-gov-west-1", "us-gov-east-1")
                .allMatch(r -> r.startsWith("us-gov-"));
        assertThat(Scan.partitionRegions("aws")).contains("us-east-1").doesNotContain("aws-global", "cn-north-1");
    }

    @Test
    void judge_servedDeploymentWithAPublicRoute_isPublic_andAFailedAutoDeployIsAFinding() {
        var routes = List.of(route("GET /orders", "JWT", "j1"));
        var authorizers = List.of(new Scan.AuthorizerRead("j1", "cognito", "JWT", null));
        var manual = new Scan.StageRead(
                new io.secureapi.model.State.Stage("prod", false, "d1"),
                java.util.Map.of("GET /orders", List.of(), "OPTIONS /{proxy+}", List.of()));
        var failedAuto = new Scan.StageRead(
                new io.secureapi.model.State.Stage("$default", true, "d2", "Unable to deploy: bad integration"), null);
        var fineAuto = new Scan.StageRead(
                new io.secureapi.model.State.Stage(
                        "beta", true, "d3", "Successfully deployed stage with deployment ID 'd3'"),
                null);
        Scan.ApiFinding f = Scan.judge(
                "abc",
                "shop",
                "eu-west-1",
                routes,
                authorizers,
                List.of(manual, failedAuto, fineAuto),
                Set.of(),
                List.of());
        assertThat(f.publicRoutes()).containsExactly("GET /orders");
        assertThat(f.stageFindings()).hasSize(2);
        // in the order of the stages as read
        assertThat(f.stageFindings().get(0)).contains("prod", "d1", "GET /orders");
        assertThat(f.stageFindings().get(1)).contains("$default", "Unable to deploy: bad integration");
        assertThat(f.ok()).isFalse();

        Scan.ApiFinding allowed = Scan.judge(
                "abc",
                "shop",
                "eu-west-1",
                routes,
                authorizers,
                List.of(manual, fineAuto),
                Set.of(new Scan.Allowed("abc", "GET /orders")),
                List.of());
        assertThat(allowed.ok()).isTrue();
        assertThat(allowed.allowedPublicRoutes()).containsExactly("GET /orders");
    }
}
