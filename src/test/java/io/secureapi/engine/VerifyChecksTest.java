package io.secureapi.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.config.Target;
import io.secureapi.keys.ApiKey;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import io.secureapi.model.Verification;
import io.secureapi.pieces.AuthorizerPiece;
import io.secureapi.pieces.FunctionPiece;
import io.secureapi.pieces.InvokePermissionPiece;
import io.secureapi.pieces.KeyDecryptionPiece;
import io.secureapi.pieces.KeyNameForwardingPiece;
import io.secureapi.pieces.Piece;
import io.secureapi.pieces.RoutesPiece;
import io.secureapi.pieces.SecretPiece;
import io.secureapi.pieces.SecretPolicyPiece;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.BundledAuthorizer;
import io.secureapi.support.Json;
import io.secureapi.support.LambdaRuntimes;
import io.secureapi.support.Names;
import io.secureapi.support.PolicyDocument;
import io.secureapi.support.Progress;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** verify's checks on in-memory state: no network. */
public class VerifyChecksTest {
    static final LocalDate TODAY = LocalDate.of(2026, 11, 26);
    static final String FN_ARN = "arn:aws:lambda:us-east-1:111122223333:function:secure-api-authorizer-api1";
    static final String ROLE = "arn:aws:iam::111122223333:role/secure-api-authorizer-api1";
    public static final String SECRET_ARN =
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:secure-api/api1/api-key-AbCdEf";
    static final String OUR_SOURCE = "arn:aws:execute-api:us-east-1:111122223333:api1/authorizers/a1";

    /** A fully converged bundled setup on API api1. */
    public static Wiring converged() {
        Target t = Target.fromConfig("api1", "us-east-1", null);
        Wiring w = new Wiring(t, null, Progress.NONE, null);
        w.advance(b -> b.partition = "aws");
        w.advance(b -> b.account = "111122223333");
        w.advance(b ->
                b.api = new State.Api("api1", "amp", "HTTP", "https://api1.execute-api.us-east-1.amazonaws.com", true));
        w.advance(b -> b.function = new State.Function(
                FN_ARN,
                "secure-api-authorizer-api1",
                ROLE,
                Names.RUNTIME,
                "index.handler",
                "Active",
                "Successful",
                BundledAuthorizer.codeSha256(),
                Map.of("SECRET_ARN", SECRET_ARN, "KEY_HEADER", "authorization"),
                Map.of(Names.TAG_MANAGED, "true", Names.TAG_API_ID, "api1"),
                null,
                null));
        w.advance(b -> b.secret =
                new State.Secret(SECRET_ARN, "secure-api/api1/api-key", null, Map.of(Names.TAG_API_ID, "api1")));
        w.advance(b -> b.secretPolicy = PolicyDocument.empty()
                .with(SecretPolicyPiece.desiredStatement(ROLE))
                .toJson());
        w.advance(b -> b.authorizers = List.of(new State.Authorizer(
                "a1",
                "secure-api-key",
                "REQUEST",
                List.of("$request.header.Authorization"),
                "2.0",
                true,
                300,
                w.authorizerUri())));
        w.advance(b -> b.functionPolicy = permissionPolicy(statement("secure-api-invoke-api1", OUR_SOURCE)));
        w.advance(b -> b.routes =
                List.of(route("r1", "$default", "CUSTOM", "a1"), route("r2", "OPTIONS /{proxy+}", "NONE", null)));
        return w;
    }

    static String statement(String sid, String sourceArn) {
        return "{\"Sid\":\"" + sid + "\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"apigateway.amazonaws.com\"},"
                + "\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"" + FN_ARN + "\""
                + (sourceArn == null ? "" : ",\"Condition\":{\"ArnLike\":{\"AWS:SourceArn\":\"" + sourceArn + "\"}}")
                + "}";
    }

    static String permissionPolicy(String... statements) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[" + String.join(",", statements) + "]}";
    }

    public static State.Route route(String id, String key, String type, String authorizer) {
        return new State.Route(id, key, type, authorizer, List.of());
    }

    public static Map<String, Check> run(Wiring w, String... allowPublic) {
        Verification v = Verify.of(w).check(new Check.Options(Set.of(allowPublic), TODAY));
        Map<String, Check> byId = new java.util.LinkedHashMap<>();
        v.checks().forEach(c -> byId.put(c.id(), c));
        return byId;
    }

    @Test
    void converged_everyCheckPasses() {
        Map<String, Check> c = run(converged());
        assertThat(c.values())
                .allSatisfy(x -> assertThat(x.status()).as(x.toString()).isEqualTo(Check.Status.PASS));
        assertThat(c.keySet())
                .containsExactly(
                        "api.http",
                        "secret.exists",
                        "secret.current-value",
                        "secret.not-deleted",
                        "secret-policy.grants-role",
                        "secret-policy.no-wildcard",
                        "function.exists",
                        "function.active",
                        "function.env",
                        "function.runtime",
                        "function.bundled",
                        "authorizer.contract",
                        "permission.scoped",
                        "routes.protected",
                        "cors.preflight");
    }

    @Test
    void eachPiece_checksOnlyWhatItIsAbout() {
        Wiring w = converged();
        Map<Class<?>, List<String>> ids = new java.util.LinkedHashMap<>();
        for (Piece p : Verify.pieces())
            ids.put(
                    p.getClass(),
                    p.check(w, new Check.Options(Set.of(), TODAY)).stream()
                            .map(Check::id)
                            .toList());
        assertThat(ids.get(SecretPiece.class))
                .containsExactly("secret.exists", "secret.current-value", "secret.not-deleted");
        assertThat(ids.get(SecretPolicyPiece.class))
                .containsExactly("secret-policy.grants-role", "secret-policy.no-wildcard");
        assertThat(ids.get(FunctionPiece.class))
                .containsExactly(
                        "function.exists", "function.active", "function.env", "function.runtime", "function.bundled");
        assertThat(ids.get(AuthorizerPiece.class)).containsExactly("authorizer.contract");
        assertThat(ids.get(InvokePermissionPiece.class)).containsExactly("permission.scoped");
        assertThat(ids.get(RoutesPiece.class)).containsExactly("routes.protected");
        assertThat(ids.get(KeyDecryptionPiece.class)).as("AWS-managed key").isEmpty();
        assertThat(ids.get(KeyNameForwardingPiece.class))
                .as("no --forward-key-name")
                .isEmpty();
    }

    @Test
    void secretScheduledForDeletion_leavesOutTheChecksOfWhatItHolds() {
        Wiring w = converged();
        w.advance(b -> b.secretValue = "{\"live\":\"sak_live_" + "x".repeat(40) + "\"}");
        w.advance(b -> b.kmsKeyUnreadable = "AccessDenied on kms:DescribeKey");
        assertThat(run(w).keySet())
                .contains("secret-policy.grants-role", "secret-policy.no-wildcard", "secret.kms", "secret.plaintext");
        w.advance(b -> b.secret = new State.Secret(
                SECRET_ARN,
                "secure-api/api1/api-key",
                Instant.parse("2026-12-03T00:00:00Z"),
                Map.of(Names.TAG_API_ID, "api1")));
        Map<String, Check> c = run(w);
        assertThat(c.get("secret.not-deleted").status()).isEqualTo(Check.Status.FAIL);
        assertThat(c.keySet())
                .doesNotContain(
                        "secret-policy.grants-role",
                        "secret-policy.no-wildcard",
                        "secret.kms",
                        "secret.plaintext",
                        "keys.expiring")
                .contains("function.exists", "routes.protected", "cors.preflight");
    }

    @Test
    void permission_withoutSourceArn_warns_andForAnotherAuthorizer_fails() {
        Wiring w = converged();
        w.advance(b -> b.functionPolicy = permissionPolicy(statement("secure-api-invoke-api1", null)));
        assertThat(run(w).get("permission.scoped").status()).isEqualTo(Check.Status.WARN);
        assertThat(run(w).get("permission.scoped").message()).contains("no SourceArn");

        w.advance(b -> b.functionPolicy = permissionPolicy(
                statement("secure-api-invoke-api1", "arn:aws:execute-api:us-east-1:111122223333:api1/*")));
        assertThat(run(w).get("permission.scoped").status()).isEqualTo(Check.Status.WARN);

        w.advance(b -> b.functionPolicy = permissionPolicy(statement(
                "secure-api-invoke-api1", "arn:aws:execute-api:us-east-1:111122223333:api1/authorizers/old")));
        Check c = run(w).get("permission.scoped");
        assertThat(c.status()).isEqualTo(Check.Status.FAIL);
        assertThat(c.message()).contains("authorizers/old").contains("cannot call");
    }

    @Test
    void permission_otherApisStatementsAreNotBroader() {
        Wiring w = converged();
        w.advance(b -> b.functionPolicy = permissionPolicy(
                statement("secure-api-invoke-api1", OUR_SOURCE),
                statement("other", "arn:aws:execute-api:us-east-1:111122223333:otherapi/*")));
        assertThat(run(w).get("permission.scoped").status()).isEqualTo(Check.Status.PASS);
    }

    @Test
    void arnLike_matchesIamWildcards() {
        assertThat(PolicyDocument.arnLike("arn:aws:execute-api:*:*:api1/*", OUR_SOURCE.replace("111122223333", "1")))
                .isTrue();
        assertThat(PolicyDocument.arnLike("arn:aws:execute-api:us-east-1:111122223333:api1/authorizers/a?", OUR_SOURCE))
                .isTrue();
        assertThat(PolicyDocument.arnLike("arn:aws:execute-api:us-east-1:111122223333:api2/*", OUR_SOURCE))
                .isFalse();
        assertThat(PolicyDocument.arnLike("arn:aws:execute-api:us-east-1:111122223333:api1.+", OUR_SOURCE))
                .as("regex characters are literal")
                .isFalse();
    }

    @Test
    void wildcardPrincipal_failsUnconditioned_warnsConditioned() {
        Wiring w = converged();
        String open =
                "{\"Sid\":\"Open\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}";
        w.advance(b -> b.secretPolicy = PolicyDocument.parse(w.secretPolicy().get())
                .with(Json.parseObject(open))
                .toJson());
        assertThat(run(w).get("secret-policy.no-wildcard").status()).isEqualTo(Check.Status.FAIL);
        String org = open.replace(
                "\"Resource\":\"*\"",
                "\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-1\"}}");
        w.advance(b -> b.secretPolicy = PolicyDocument.parse(w.secretPolicy().get())
                .with(Json.parseObject(org))
                .toJson());
        Check c = run(w).get("secret-policy.no-wildcard");
        assertThat(c.status()).isEqualTo(Check.Status.WARN);
        assertThat(c.message()).contains("Open");
    }

    @Test
    void routes_listEveryUnprotectedOne_optionsNeverFail_allowPublicSkips() {
        Wiring w = converged();
        w.advance(b -> b.authorizers = List.of(
                w.authorizers().get(0),
                new State.Authorizer("j1", "cognito", "JWT", List.of(), null, false, null, null)));
        w.advance(b -> b.routes = List.of(
                route("r1", "$default", "CUSTOM", "a1"),
                route("r2", "OPTIONS /{proxy+}", "NONE", null),
                route("r3", "OPTIONS /x", "JWT", "j1"),
                route("r4", "GET /health", "NONE", null),
                route("r5", "POST /a", "NONE", null),
                route("r6", "GET /b", "JWT", "j1"),
                route("r7", "GET /c", "AWS_IAM", null)));
        Check c = run(w, "GET /health").get("routes.protected");
        assertThat(c.status()).isEqualTo(Check.Status.FAIL);
        assertThat(c.details())
                .containsExactly(
                        "\"POST /a\": no authorization (public)",
                        "\"GET /b\": JWT authorizer cognito, not secure-api-key",
                        "\"GET /c\": AWS_IAM authorization, not secure-api-key");
        assertThat(c.message()).startsWith("3 of 5 routes");
    }

    @Test
    void cors_protectedAnyProxyWithoutPublicOptions_warns() {
        Wiring w = converged();
        w.advance(b -> b.routes = List.of(
                route("r1", "ANY /{proxy+}", "CUSTOM", "a1"), route("r2", "OPTIONS /{proxy+}", "CUSTOM", "a1")));
        Check c = run(w).get("cors.preflight");
        assertThat(c.status()).isEqualTo(Check.Status.WARN);
        assertThat(c.message()).contains("ANY /{proxy+}").contains("401");
        w.advance(b -> b.api = new State.Api("api1", "amp", "HTTP", null, false));
        assertThat(run(w).get("cors.preflight").status()).isEqualTo(Check.Status.PASS);
    }

    @Test
    void function_inactiveWarns_failedFails_deprecatedRuntimeWarns() {
        Wiring w = converged();
        State.Function f = w.function().get();
        w.advance(b -> b.function = new State.Function(
                f.arn(),
                f.name(),
                f.role(),
                "nodejs16.x",
                f.handler(),
                "Inactive",
                "Successful",
                f.codeSha256(),
                f.env(),
                f.tags(),
                f.version(),
                null));
        Map<String, Check> c = run(w);
        assertThat(c.get("function.active").status()).isEqualTo(Check.Status.WARN);
        assertThat(c.get("function.runtime").status()).isEqualTo(Check.Status.WARN);
        assertThat(c.get("function.runtime").message())
                .contains("runs on nodejs16.x, deprecated since 2024-06-12 (no more security patches)")
                .doesNotContain("runs on nodejs16.x is");
        assertThat(c.get("function.bundled").status())
                .as("runtime drift of the bundled function")
                .isEqualTo(Check.Status.FAIL);
        w.advance(b -> b.function = new State.Function(
                f.arn(),
                f.name(),
                f.role(),
                f.runtime(),
                f.handler(),
                "Active",
                "Failed",
                f.codeSha256(),
                f.env(),
                f.tags(),
                f.version(),
                null));
        assertThat(run(w).get("function.active").status()).isEqualTo(Check.Status.FAIL);
    }

    @Test
    void bundledFunctionNotTaggedOurs_isAFailedCheckNotAnExit() {
        Wiring w = converged();
        State.Function f = w.function().get();
        w.advance(b -> b.function = new State.Function(
                f.arn(),
                f.name(),
                f.role(),
                f.runtime(),
                f.handler(),
                f.state(),
                f.lastUpdateStatus(),
                f.codeSha256(),
                f.env(),
                Map.of(),
                f.version(),
                null));
        Check c = run(w).get("function.bundled");
        assertThat(c.status()).isEqualTo(Check.Status.FAIL);
        assertThat(c.message()).contains("not managed by secure-api");
    }

    @Test
    void runtimes_deprecatedOrWithinNotice_haveAConcern() {
        assertThat(LambdaRuntimes.concern("nodejs14.x", TODAY))
                .get()
                .asString()
                .contains("deprecated since 2023-12-04")
                .contains("blocked since 2026-09-30");
        assertThat(LambdaRuntimes.concern("nodejs22.x", TODAY)).isEmpty();
        assertThat(LambdaRuntimes.concern("nodejs22.x", LocalDate.of(2027, 3, 15)))
                .get()
                .asString()
                .contains("in 46 days")
                .endsWith("per Lambda's schedule as of 2026-04-01");
        assertThat(LambdaRuntimes.concern("nodejs26.x", TODAY)).isEmpty();
        assertThat(LambdaRuntimes.concern(null, TODAY)).isEmpty();
    }

    @Test
    void ttlNote_addsTheFunctionKeyCache() {
        Verification v = Verify.of(converged()).check(new Check.Options(Set.of(), TODAY));
        assertThat(v.notes())
                .singleElement()
                .satisfies(n -> assertThat(n.message()).contains("up to 360 s"));
        assertThat(v.toJson().toString()).doesNotContain("authorizer.ttl");
    }

    @Test
    void probeUrl_isTheEndpointRoot_whenDefaultIsProtected_elseAGetRoutePath() {
        Wiring w = converged();
        assertThat(Verify.of(w).probeUrl()).hasToString("https://api1.execute-api.us-east-1.amazonaws.com/");
        w.advance(b -> b.routes =
                List.of(route("r1", "POST /orders", "CUSTOM", "a1"), route("r2", "GET /items/{id}", "CUSTOM", "a1")));
        assertThat(Verify.of(w).probeUrl())
                .hasToString("https://api1.execute-api.us-east-1.amazonaws.com/items/secure-api-probe");
    }

    @Test
    void probeAnswers_mapToChecks() {
        assertThat(Probe.noKey("GET u", "Authorization", new Probe.Answer(401, null))
                        .status())
                .isEqualTo(Check.Status.PASS);
        assertThat(Probe.noKey("GET u", "Authorization", new Probe.Answer(200, null))
                        .message())
                .contains("open");
        assertThat(Probe.wrongKey("GET u", "Authorization", new Probe.Answer(403, null))
                        .status())
                .isEqualTo(Check.Status.PASS);
        assertThat(Probe.wrongKey("GET u", "Authorization", new Probe.Answer(200, null))
                        .status())
                .isEqualTo(Check.Status.FAIL);
        assertThat(Probe.rightKey("GET u", "Authorization", new Probe.Answer(404, null), "f")
                        .status())
                .isEqualTo(Check.Status.PASS);
        assertThat(Probe.rightKey("GET u", "Authorization", new Probe.Answer(403, null), "f")
                        .status())
                .isEqualTo(Check.Status.FAIL);
        assertThat(Probe.rightKey("GET u", "Authorization", new Probe.Answer(502, null), "f")
                        .status())
                .isEqualTo(Check.Status.WARN);
        assertThat(Probe.rightKey("GET u", "Authorization", new Probe.Answer(0, "ConnectException"), "f")
                        .message())
                .contains("could not reach");
        assertThat(ApiKey.unchecked("sak_live_secret").toString()).doesNotContain("sak_live_secret");
    }
}
