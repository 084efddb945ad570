package io.secureapi.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.error.ExitException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Planning on in-memory state: no network. */
class PlanningTest {
    static final String FN_ARN = "arn:aws-cn:lambda:cn-north-1:111122223333:function:my-auth";

    static Target target(Optional<String> fn, Optional<List<String>> routes, boolean replace) {
        return Target.builder("api1", "cn-north-1").function(fn.orElse(null)).secretName("secure-api/api1/api-key")
                .authorizerName("secure-api-key").header("Authorization").cacheTtl(300).routes(routes.orElse(null))
                .replaceAuthorizer(replace).build();
    }

    static Wiring wiring(Target t) {
        Wiring w = new Wiring(t, null, Progress.NONE, null);
        w.advance(b -> b.partition = "aws-cn");
        w.advance(b -> b.account = "111122223333");
        w.advance(b -> b.api = new State.Api("api1", "amp", "HTTP", "https://api1.execute-api.cn-north-1.amazonaws.com.cn", true));
        w.advance(b -> b.function = new State.Function(FN_ARN, "my-auth", "arn:aws-cn:iam::111122223333:role/r", "nodejs20.x",
                "index.handler", "Active", "Successful", "x", Map.of("A", "1"), Map.of(), null));
        return w;
    }

    static State.Route route(String id, String key, String type, String authorizer) {
        return new State.Route(id, key, type, authorizer, List.of());
    }

    @Test
    void routes_byDefault_protectAllButOptions() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        w.advance(b -> b.routes = List.of(route("r1", "$default", "NONE", null), route("r2", "OPTIONS /{proxy+}", "NONE", null),
                route("r3", "GET /a", "NONE", null)));
        Change c = new RoutesPiece().plan(w);
        assertThat(c.action()).isEqualTo(Change.Action.UPDATE);
        assertThat(c.detail()).contains("protect 2 of 2").contains("$default").contains("GET /a").doesNotContain("OPTIONS");
    }

    @Test
    void routes_onForeignAuthorizer_refusedUnlessReplace() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        w.advance(b -> b.authorizers = List.of(new State.Authorizer("j1", "cognito", "JWT", List.of(), null, false, null, null)));
        w.advance(b -> b.routes = List.of(route("r1", "GET /x", "JWT", "j1")));
        assertThatThrownBy(() -> new RoutesPiece().plan(w)).isInstanceOf(ExitException.class)
                .hasMessageContaining("GET /x").hasMessageContaining("cognito")
                .satisfies(e -> assertThat(((ExitException) e).exitCode()).isEqualTo(2));
        Wiring replace = wiring(target(Optional.of("my-auth"), Optional.empty(), true));
        replace.advance(b -> b.authorizers = w.snapshot().authorizers());
        replace.advance(b -> b.routes = w.snapshot().routes());
        assertThat(new RoutesPiece().plan(replace).detail()).contains("replacing 1 other authorization");
    }

    @Test
    void routes_alreadyOurs_areOkAndKeepRecordedBefore() {
        Target t = target(Optional.of("my-auth"), Optional.empty(), false);
        ProjectConfig previous = new ProjectConfig("api1", "cn-north-1", FN_ARN, false, "s", "n", "a1", "secure-api-key",
                "Authorization", 300, List.of(new ProjectConfig.ProtectedRoute("GET /x", "r1",
                        new State.Authorization("JWT", "j1", List.of("read")))));
        Wiring w = new Wiring(t, null, Progress.NONE, previous);
        w.advance(b -> b.authorizers = List.of(new State.Authorizer("a1", "secure-api-key", "REQUEST", List.of(), "2.0", true, 300, null)));
        w.advance(b -> b.routes = List.of(route("r1", "GET /x", "CUSTOM", "a1")));
        assertThat(new RoutesPiece().plan(w).action()).isEqualTo(Change.Action.OK);
        assertThat(RoutesPiece.before(w).get("r1")).isEqualTo(new State.Authorization("JWT", "j1", List.of("read")));
    }

    @Test
    void authorizer_usesPartitionFromFunctionArn_andListsDifferences() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        assertThat(w.authorizerUri()).isEqualTo("arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/" + FN_ARN + "/invocations");
        w.advance(b -> b.authorizers = List.of(new State.Authorizer("a1", "secure-api-key", "REQUEST", List.of("$request.header.X"), "1.0", false,
                0, w.authorizerUri())));
        Change c = new AuthorizerPiece().plan(w);
        assertThat(c.action()).isEqualTo(Change.Action.UPDATE);
        assertThat(c.detail()).contains("identity source").contains("payload format").contains("simple responses").contains("TTL");
        assertThat(InvokePermissionPiece.desiredSourceArn(w)).isEqualTo("arn:aws-cn:execute-api:cn-north-1:111122223333:api1/authorizers/a1");
    }

    @Test
    void secretPolicy_keepsForeignStatements_andDetectsWildcards() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        w.advance(b -> b.secretPolicy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Other\",\"Effect\":\"Allow\","
                + "\"Principal\":{\"AWS\":\"*\"},\"Action\":\"secretsmanager:DescribeSecret\",\"Resource\":\"*\"}]}");
        Change c = new SecretPolicyPiece().plan(w);
        assertThat(c.action()).isEqualTo(Change.Action.CREATE);
        assertThat(c.detail()).contains("1 other statement kept");
        PolicyDocument merged = PolicyDocument.parse(w.secretPolicy().get()).with(SecretPolicyPiece.desiredStatement(w.roleArn()));
        assertThat(merged.statements()).hasSize(2);
        assertThat(merged.statement("Other")).isPresent();
        assertThat(PolicyDocument.hasWildcardPrincipal(merged.statement("Other").get())).isTrue();
        w.advance(b -> b.secretPolicy = merged.toJson());
        assertThat(new SecretPolicyPiece().plan(w).action()).isEqualTo(Change.Action.OK);
    }

    @Test
    void envVar_mergesAndReportsKeptVariables() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        w.advance(b -> b.secret = new State.Secret("arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:s-AbCdEf", "s",
                null, Map.of()));
        Change c = new EnvVarPiece().plan(w);
        assertThat(c.action()).isEqualTo(Change.Action.CREATE);
        assertThat(c.detail()).contains("add SECRET_ARN").contains("1 other variable kept");
    }

    @Test
    void plan_toStringAndJson_neverCarryAKey() {
        ApiKey key = ApiKey.generate("live");
        assertThat(key.toString()).doesNotContain(key.reveal());
        Target t = Target.builder("api1", "us-east-1").secretName("s").authorizerName("a").header("Authorization").cacheTtl(300)
                .suppliedKey(key).build();
        assertThat(t.toString()).doesNotContain(key.reveal());
        Wiring w = wiring(t);
        Plan p = new Plan(List.of(new SecretPiece().plan(w)));
        assertThat(p.toString() + Json.write(p.toJson())).doesNotContain(key.reveal());
    }
}
