package io.secureapi.pieces;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.config.ProjectConfig;
import io.secureapi.config.Target;
import io.secureapi.engine.Setup;
import io.secureapi.engine.VerifyChecksTest;
import io.secureapi.error.ExitException;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.DigestSecret;
import io.secureapi.model.Change;
import io.secureapi.model.Plan;
import io.secureapi.model.State;
import io.secureapi.support.Json;
import io.secureapi.support.PolicyDocument;
import io.secureapi.support.Progress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Planning on in-memory state: no network. */
class PlanningTest {
    static final String FN_ARN = "arn:aws-cn:lambda:cn-north-1:111122223333:function:my-auth";

    static Target target(Optional<String> fn, Optional<List<String>> routes, boolean replace) {
        return Target.builder("api1", "cn-north-1")
                .function(fn.orElse(null))
                .secretName("secure-api/api1/api-key")
                .authorizerName("secure-api-key")
                .header("Authorization")
                .cacheTtl(300)
                .routes(routes.orElse(null))
                .replaceAuthorizer(replace)
                .build();
    }

    static Wiring wiring(Target t) {
        Wiring w = new Wiring(t, null, Progress.NONE, null);
        w.advance(b -> b.partition = "aws-cn");
        w.advance(b -> b.account = "111122223333");
        w.advance(b -> b.api =
                new State.Api("api1", "amp", "HTTP", "https://api1.execute-api.cn-north-1.amazonaws.com.cn", true));
        w.advance(b -> b.function = new State.Function(
                FN_ARN,
                "my-auth",
                "arn:aws-cn:iam::111122223333:role/r",
                "nodejs20.x",
                "index.handler",
                "Active",
                "Successful",
                "x",
                Map.of("A", "1"),
                Map.of(),
                null,
                null));
        return w;
    }

    static State.Route route(String id, String key, String type, String authorizer) {
        return new State.Route(id, key, type, authorizer, List.of());
    }

    @Test
    void routes_byDefault_protectAllButOptions() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        w.advance(b -> b.routes = List.of(
                route("r1", "$default", "NONE", null),
                route("r2", "OPTIONS /{proxy+}", "NONE", null),
                route("r3", "GET /a", "NONE", null)));
        Change c = new RoutesPiece().plan(w);
        assertThat(c.action()).isEqualTo(Change.Action.UPDATE);
        assertThat(c.detail())
                .contains("protect 2 of 2")
                .contains("$default")
                .contains("GET /a")
                .doesNotContain("OPTIONS");
        assertThat(c.diff(RoutesPiece.Protect.class).routes())
                .extracting(State.Route::id)
                .containsExactly("r1", "r3");
    }

    @Test
    void routes_onForeignAuthorizer_refusedUnlessReplace() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        w.advance(b -> b.authorizers =
                List.of(new State.Authorizer("j1", "cognito", "JWT", List.of(), null, false, null, null)));
        w.advance(b -> b.routes = List.of(route("r1", "GET /x", "JWT", "j1")));
        assertThatThrownBy(() -> new RoutesPiece().plan(w))
                .isInstanceOf(ExitException.class)
                .hasMessageContaining("GET /x")
                .hasMessageContaining("cognito")
                .satisfies(e -> assertThat(((ExitException) e).exitCode()).isEqualTo(2));
        Wiring replace = wiring(target(Optional.of("my-auth"), Optional.empty(), true));
        replace.advance(b -> b.authorizers = w.snapshot().authorizers());
        replace.advance(b -> b.routes = w.snapshot().routes());
        assertThat(new RoutesPiece().plan(replace).detail()).contains("replacing 1 other authorization");
    }

    @Test
    void routes_alreadyOurs_areOkAndKeepRecordedBefore() {
        Target t = target(Optional.of("my-auth"), Optional.empty(), false);
        ProjectConfig previous = new ProjectConfig(
                "api1",
                "cn-north-1",
                FN_ARN,
                false,
                "s",
                "n",
                "a1",
                "secure-api-key",
                "Authorization",
                300,
                List.of(new ProjectConfig.ProtectedRoute(
                        "GET /x", "r1", new State.Authorization("JWT", "j1", List.of("read")))),
                List.of(),
                null,
                null);
        Wiring w = new Wiring(t, null, Progress.NONE, previous);
        w.advance(b -> b.authorizers =
                List.of(new State.Authorizer("a1", "secure-api-key", "REQUEST", List.of(), "2.0", true, 300, null)));
        w.advance(b -> b.routes = List.of(route("r1", "GET /x", "CUSTOM", "a1")));
        assertThat(new RoutesPiece().plan(w).action()).isEqualTo(Change.Action.OK);
        assertThat(RoutesPiece.before(w).get("r1")).isEqualTo(new State.Authorization("JWT", "j1", List.of("read")));
    }

    @Test
    void authorizer_usesPartitionFromFunctionArn_andListsDifferences() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        assertThat(w.authorizerUri())
                .isEqualTo(
                        "arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/" + FN_ARN + "/invocations");
        w.advance(b -> b.authorizers = List.of(new State.Authorizer(
                "a1", "secure-api-key", "REQUEST", List.of("$request.header.X"), "1.0", false, 0, w.authorizerUri())));
        Change c = new AuthorizerPiece().plan(w);
        assertThat(c.action()).isEqualTo(Change.Action.UPDATE);
        assertThat(c.detail())
                .contains("identity source")
                .contains("payload format")
                .contains("simple responses")
                .contains("TTL");
        AuthorizerPiece.Update u = c.diff(AuthorizerPiece.Update.class);
        assertThat(u.from().id()).isEqualTo("a1");
        assertThat(u.to())
                .isEqualTo(
                        new AuthorizerPiece.Settings(List.of("$request.header.Authorization"), 300, w.authorizerUri()));
        assertThat(InvokePermissionPiece.desiredSourceArn(w))
                .isEqualTo("arn:aws-cn:execute-api:cn-north-1:111122223333:api1/authorizers/a1");
    }

    @Test
    void secretPolicy_keepsForeignStatements_andDetectsWildcards() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        w.advance(
                b -> b.secretPolicy =
                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Other\",\"Effect\":\"Allow\","
                                + "\"Principal\":{\"AWS\":\"*\"},\"Action\":\"secretsmanager:DescribeSecret\",\"Resource\":\"*\"}]}");
        Change c = new SecretPolicyPiece().plan(w);
        assertThat(c.action()).isEqualTo(Change.Action.CREATE);
        assertThat(c.detail()).contains("1 other statement kept");
        assertThat(c.diff()).isEqualTo(new SecretPolicyPiece.Allow("arn:aws-cn:iam::111122223333:role/r"));
        PolicyDocument merged =
                PolicyDocument.parse(w.secretPolicy().get()).with(SecretPolicyPiece.desiredStatement(w.roleArn()));
        assertThat(merged.statements()).hasSize(2);
        assertThat(merged.statement("Other")).isPresent();
        assertThat(PolicyDocument.hasWildcardPrincipal(merged.statement("Other").get()))
                .isTrue();
        w.advance(b -> b.secretPolicy = merged.toJson());
        assertThat(new SecretPolicyPiece().plan(w).action()).isEqualTo(Change.Action.OK);
    }

    @Test
    void envVar_mergesAndReportsKeptVariables() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        w.advance(b -> b.secret = new State.Secret(
                "arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:s-AbCdEf", "s", null, Map.of()));
        Change c = new EnvVarPiece().plan(w);
        assertThat(c.action()).isEqualTo(Change.Action.CREATE);
        assertThat(c.detail()).contains("add SECRET_ARN").contains("1 other variable kept");
        assertThat(c.diff())
                .isEqualTo(new EnvVarPiece.Vars(
                        Map.of(),
                        Map.of("SECRET_ARN", "arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:s-AbCdEf")));
    }

    /** A new API with the bundled authorizer: nothing of secure-api's there yet. */
    static Wiring newApi() {
        Wiring w = new Wiring(Target.fromConfig("api1", "us-east-1", null), null, Progress.NONE, null);
        w.advance(b -> {
            b.partition = "aws";
            b.account = "111122223333";
            b.api = new State.Api("api1", "amp", "HTTP", "https://api1.execute-api.us-east-1.amazonaws.com", true);
            b.routes = List.of(
                    route("r1", "$default", "NONE", null),
                    route("r2", "OPTIONS /{proxy+}", "NONE", null),
                    route("r3", "GET /a", "NONE", null));
        });
        return w;
    }

    /** Each piece's setup change, as Setup plans them (the stages' rows aside). */
    static Map<String, Change> planned(Wiring w) {
        Map<String, Change> out = new java.util.LinkedHashMap<>();
        Setup.pieces(w.target).stream()
                .filter(p -> !(p instanceof StagesPiece))
                .forEach(p -> out.put(p.name(), p.plan(w)));
        return out;
    }

    @Test
    void newApi_planCarriesWhatApplyDoes_andLeavesValuesKnownAfterApplyToIt() {
        Wiring w = newApi();
        Map<String, Change> c = planned(w);
        String role = "arn:aws:iam::111122223333:role/secure-api-authorizer-api1";
        assertThat(c.get("secret").diff())
                .isEqualTo(new SecretPiece.Create(
                        "secure-api/api1/api-key", new SecretPiece.Keys(true, false, true, false, false)));
        assertThat(c.get("execution role").diff(ExecutionRolePiece.Put.class).create())
                .isTrue();
        assertThat(c.get("log group").diff())
                .isEqualTo(new LogGroupPiece.Retention("/aws/lambda/secure-api-authorizer-api1", true, null, 90));
        assertThat(c.get("authorizer function").diff())
                .isEqualTo(new FunctionPiece.Create("secure-api-authorizer-api1", role));
        // created with the function, SECRET_ARN from the secret created just before: nothing to apply on its own
        assertThat(c.get("env var").action()).isEqualTo(Change.Action.CREATE);
        assertThat(c.get("env var").applies()).isFalse();
        assertThat(c.get("secret policy").diff()).isEqualTo(new SecretPolicyPiece.Allow(role));
        assertThat(c.get("authorizer").diff())
                .isEqualTo(new AuthorizerPiece.Create("secure-api-key", AuthorizerPiece.Settings.of(w)));
        // the authorizer's ARN is known after apply
        assertThat(c.get("invoke permission").diff()).isEqualTo(new InvokePermissionPiece.Allow(null));
        assertThat(c.get("routes").diff(RoutesPiece.Protect.class).routes())
                .extracting(State.Route::key)
                .containsExactly("$default", "GET /a");
        assertThat(c.values().stream().filter(x -> !x.changes()))
                .allSatisfy(x -> assertThat(x.applies()).as(x.toString()).isFalse());
        Plan p = new Plan(List.copyOf(c.values()));
        assertThat(p.toTable() + Json.write(p.toJson()) + p.changes())
                .doesNotContain("Keys[")
                .doesNotContain("Protect[")
                .doesNotContain("Settings[");
    }

    @Test
    void envVar_ofANewSecret_isResolvedAtApply() {
        Wiring w = wiring(target(Optional.of("my-auth"), Optional.empty(), false));
        Change c = new EnvVarPiece().plan(w);
        assertThat(c.detail()).contains("SECRET_ARN");
        assertThat(c.diff(EnvVarPiece.Vars.class).to()).containsEntry("SECRET_ARN", EnvVarPiece.NEW_SECRET);
    }

    static final String LIVE = "sak_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    @Test
    void secret_plansWhichKeysApplyGenerates_andARestoredOneDecidesOnceReadable() {
        Wiring w = newApi();
        String arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:secure-api/api1/api-key-AbCdEf";
        DigestSecret d = DigestSecret.empty();
        String digests = d.with("live", d.entryFor(ApiKey.of(LIVE, "test"), java.time.Instant.now(), null))
                .toJson();
        w.advance(b -> {
            b.secret = new State.Secret(arn, "secure-api/api1/api-key", null, Map.of());
            b.secretValue = digests;
        });
        Wiring dev = w.with(w.target.toBuilder().devKey(true).build());
        Change add = new SecretPiece().plan(dev);
        assertThat(add.detail()).isEqualTo("add a development key");
        assertThat(add.diff())
                .isEqualTo(new SecretPiece.Update(arn, false, new SecretPiece.Keys(true, false, false, false, true)));
        assertThat(new SecretFormatPiece().plan(dev).applies()).isFalse();

        // a secret scheduled for deletion cannot be read: its keys are decided once it is restored
        dev.advance(b -> {
            b.secret = new State.Secret(arn, "secure-api/api1/api-key", java.time.Instant.now(), Map.of());
            b.secretValue = null;
        });
        assertThat(new SecretPiece().plan(dev).diff()).isEqualTo(new SecretPiece.Update(arn, true, null));
        Change format = new SecretFormatPiece().plan(dev);
        assertThat(format.changes()).isFalse();
        assertThat(format.diff()).isEqualTo(new SecretFormatPiece.ConvertIfLegacy());
    }

    @Test
    void legacySecret_isConvertedByTheFormatPiece_asPlanned() {
        Wiring w = newApi();
        w.advance(b -> {
            b.secret = new State.Secret(
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:s-AbCdEf", "s", null, Map.of());
            b.secretValue = Json.write(Map.of("live", LIVE));
        });
        assertThat(new SecretPiece().plan(w).applies()).isFalse();
        Change c = new SecretFormatPiece().plan(w);
        assertThat(c.detail()).contains("as digests");
        assertThat(c.diff())
                .isEqualTo(new SecretFormatPiece.Convert(new SecretPiece.Keys(true, true, false, false, false)));
        assertThat(c.toString() + Json.write(c.toJson())).doesNotContain(LIVE);
    }

    @Test
    void teardown_plansWhatEachRemovalRemoves() {
        Wiring w = VerifyChecksTest.converged();
        assertThat(new RoutesPiece()
                        .planRemoval(w)
                        .diff(RoutesPiece.Unprotect.class)
                        .routes())
                .containsExactly(new RoutesPiece.Restore(
                        VerifyChecksTest.route("r1", "$default", "CUSTOM", "a1"), State.Authorization.NONE, false));
        assertThat(new AuthorizerPiece().planRemoval(w).diff()).isEqualTo(new AuthorizerPiece.Delete(List.of("a1")));
        assertThat(new SecretPiece().planRemoval(w).diff())
                .isEqualTo(new SecretPiece.ScheduleDeletion(VerifyChecksTest.SECRET_ARN, 7));
        assertThat(new FunctionPiece().planRemoval(w).diff())
                .isEqualTo(new FunctionPiece.Delete("secure-api-authorizer-api1"));
        assertThat(new EnvVarPiece().planRemoval(w).applies())
                .as("goes with the bundled function")
                .isFalse();
    }

    @Test
    void plan_toStringAndJson_neverCarryAKey() {
        ApiKey key = ApiKey.generate("live");
        assertThat(key.toString()).doesNotContain(key.reveal());
        Target t = Target.builder("api1", "us-east-1")
                .secretName("s")
                .authorizerName("a")
                .header("Authorization")
                .cacheTtl(300)
                .suppliedKey(key)
                .build();
        assertThat(t.toString()).doesNotContain(key.reveal());
        Wiring w = wiring(t);
        Plan p = new Plan(List.of(new SecretPiece().plan(w)));
        assertThat(p.toString() + Json.write(p.toJson())).doesNotContain(key.reveal());
    }

    @Test
    void snapshot_toString_neverShowsTheSecretsValues() {
        ApiKey key = ApiKey.generate("live");
        Snapshot s = Snapshot.EMPTY.with(b -> {
            b.secretValue = key.reveal();
            b.previousSecretValue = "{\"live\":\"" + key.reveal() + "\"}";
        });
        assertThat(s.toString()).doesNotContain(key.reveal()).contains("values redacted");
        assertThat(wiring(Target.builder("api1", "us-east-1").build())
                        .on(s)
                        .snapshot()
                        .toString())
                .doesNotContain(key.reveal());
    }
}
