package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * verify against the emulator: each check passing and failing, read back from AWS state the tests change through the SDK.
 *
 * <p>Its tests run at the same time: each has its own API, folder and names.
 */
@Execution(ExecutionMode.CONCURRENT)
class VerifyIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    /** A freshly protected Amplify-shaped API; returns its id. */
    String protectedApi() {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("key-" + api).toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        return api;
    }

    Map<String, Object> cfg() throws Exception {
        return Aws.configEntry(config());
    }

    /** verify --output json, read-only, as a map of check id → check. */
    static Map<String, Map<String, Object>> checks(Run run) {
        assertThat(run.writes()).as("verify is read-only: " + run.operations).isEmpty();
        Map<String, Object> doc = JsonText.parseObject(run.out);
        assertThat(doc).containsEntry("command", "verify").containsEntry("schemaVersion", 1L);
        Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
        for (Object o : (List<?>) doc.get("checks")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) o;
            assertThat(c).containsKeys("id", "status", "resource", "message", "fix", "details");
            assertThat(byId.put((String) c.get("id"), c)).as("ids are unique").isNull();
        }
        assertThat(doc.get("ok")).isEqualTo(byId.values().stream().noneMatch(c -> "fail".equals(c.get("status"))));
        return byId;
    }

    Run verifyJson(String... args) {
        List<String> a = new ArrayList<>(List.of("verify", "--output", "json"));
        a.addAll(List.of(args));
        return Run.cli(config(), a.toArray(String[]::new));
    }

    static String status(Map<String, Map<String, Object>> checks, String id) {
        assertThat(checks).as("check " + id + " reported").containsKey(id);
        return (String) checks.get(id).get("status");
    }

    static final List<String> CORE = List.of(
            "api.http",
            "secret.exists",
            "secret.current-value",
            "secret.not-deleted",
            "secret-policy.grants-role",
            "secret-policy.no-wildcard",
            "secret.plaintext",
            "function.exists",
            "function.active",
            "function.env",
            "function.runtime",
            "function.bundled",
            "authorizer.contract",
            "permission.scoped",
            "routes.protected",
            "cors.preflight");

    @Test
    void verify_onProtectedApi_passesEveryCheckWithZeroWrites() throws Exception {
        String api = protectedApi();
        Run run = verifyJson();
        assertThat(run.exitCode).as(run.toString()).isZero();
        Map<String, Map<String, Object>> checks = checks(run);
        assertThat(checks.keySet()).containsExactlyElementsOf(CORE);
        for (String id : CORE) {
            if (id.equals("function.runtime")) continue;
            assertThat(status(checks, id)).as(id + ": " + checks.get(id)).isEqualTo("pass");
        }
        // setup deploys nodejs24.x, deprecated 2028-04-30 (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html):
        // it passes until Lambda's 60-day notice period starts, then warns
        String fnArn = (String) cfg().get("functionArn");
        assertThat(aws.lambda
                        .getFunctionConfiguration(r -> r.functionName(fnArn))
                        .runtimeAsString())
                .isEqualTo("nodejs24.x");
        String runtimeStatus = java.time.LocalDate.now(java.time.ZoneOffset.UTC)
                        .isBefore(java.time.LocalDate.parse("2028-04-30").minusDays(60))
                ? "pass"
                : "warn";
        assertThat(status(checks, "function.runtime"))
                .as(checks.get("function.runtime").toString())
                .isEqualTo(runtimeStatus);
        assertThat((String) checks.get("function.runtime").get("message")).contains("nodejs24.x");
        assertThat((String) checks.get("routes.protected").get("message"))
                .contains("1 route")
                .contains("1 OPTIONS route");
        assertThat((String) checks.get("api.http").get("message")).contains(api);

        Run text = Run.cli(config(), "verify");
        assertThat(text.exitCode).as(text.toString()).isZero();
        assertThat(text.writes()).isEmpty();
        assertThat(text.out)
                .contains("pass  routes.protected")
                .contains("OK: 0 failed")
                .contains("info  authorizer.ttl")
                .contains("360 s")
                .doesNotContain("\u001b[");
    }

    @Test
    void verify_withoutConfigOrApiId_exits2BeforeAnyAwsCall() {
        Run run = Run.cli(dir.resolve("none.json"), "verify");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("error: no API id").contains("next:");
        assertThat(run.operations).isEmpty();
    }

    @Test
    void verify_unknownApi_exits2() {
        Run run = Run.cli(dir.resolve("none.json"), "verify", "--api-id", "nosuchapi1");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("nosuchapi1").contains("not found");
        assertThat(run.writes()).isEmpty();
    }

    @Test
    void verify_unprotectedApiWithoutSetup_failsWithoutExit2() {
        String api = aws.amplifyApi();
        Run run = Run.cli(dir.resolve("none.json"), "verify", "--api-id", api, "--output", "json");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        Map<String, Map<String, Object>> checks = checks(run);
        assertThat(status(checks, "api.http")).isEqualTo("pass");
        assertThat(status(checks, "secret.exists")).isEqualTo("fail");
        assertThat(status(checks, "function.exists")).isEqualTo("fail");
        assertThat(status(checks, "authorizer.contract")).isEqualTo("fail");
        assertThat(status(checks, "routes.protected")).isEqualTo("fail");
        assertThat(checks.get("routes.protected").get("details"))
                .asList()
                .containsExactly("\"$default\": no authorization (public)");
        assertThat(checks.get("secret.exists").get("fix")).asString().contains("secure-api setup");
    }

    @Test
    void verify_routeAddedLater_failsListingItUntilAllowedPublic() throws Exception {
        protectedApi();
        String api = (String) cfg().get("apiId");
        aws.addRoute(api, "POST /orders");
        aws.addRoute(api, "OPTIONS /orders");
        Run run = verifyJson();
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        Map<String, Map<String, Object>> checks = checks(run);
        assertThat(status(checks, "routes.protected")).isEqualTo("fail");
        assertThat(checks.get("routes.protected").get("details"))
                .asList()
                .containsExactly("\"POST /orders\": no authorization (public)");
        assertThat(checks.get("routes.protected").get("message"))
                .asString()
                .contains("1 of 2 routes")
                .contains("POST /orders");

        Run text = Run.cli(config(), "verify");
        assertThat(text.exitCode).isEqualTo(1);
        assertThat(text.out)
                .contains("FAIL  routes.protected")
                .contains("- \"POST /orders\": no authorization")
                .contains("fix: run secure-api setup")
                .contains("FAILED: 1 failed");

        Run allowed = verifyJson("--allow-public", "POST /orders", "--allow-public", "GET /nope");
        assertThat(allowed.exitCode).as(allowed.toString()).isZero();
        Map<String, Map<String, Object>> after = checks(allowed);
        assertThat(status(after, "routes.protected")).isEqualTo("pass");
        assertThat(after.get("routes.protected").get("message"))
                .asString()
                .contains("public by --allow-public: POST /orders");
        assertThat(status(after, "routes.allow-public")).isEqualTo("warn");
        assertThat(after.get("routes.allow-public").get("message")).asString().contains("GET /nope");

        assertThat(Run.cli(config(), "setup").exitCode).isZero();
        assertThat(aws.route(api, "POST /orders").authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(Run.cli(config(), "verify").exitCode).as("repaired by setup").isZero();
    }

    @Test
    void verify_everyPage_listsEveryUnprotectedRoute() {
        String api = protectedApi();
        List<String> added = new ArrayList<>();
        for (int i = 0; i < 260; i++) {
            String key = "GET /late/r" + i;
            aws.addRoute(api, key);
            if (i % 40 == 0) added.add("\"" + key + "\": no authorization (public)");
        }
        // protect all but every 40th, so the unprotected ones sit on different pages
        for (var r : aws.routes(api)) {
            if (!r.routeKey().startsWith("GET /late/r")) continue;
            int i = Integer.parseInt(r.routeKey().substring("GET /late/r".length()));
            if (i % 40 != 0) {
                aws.apigw.updateRoute(u -> u.apiId(api)
                        .routeId(r.routeId())
                        .authorizationType("CUSTOM")
                        .authorizerId(aws.route(api, "$default").authorizerId()));
            }
        }
        Run run = verifyJson();
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat(Run.PAGE_SIZE)
                .as("tests page in pages smaller than the fixture")
                .isLessThan(261);
        assertThat(run.pages("ApiGatewayV2.GetRoutes"))
                .as("every page of 261 routes read")
                .isGreaterThanOrEqualTo(261 / Run.PAGE_SIZE);
        Map<String, Map<String, Object>> checks = checks(run);
        assertThat(checks.get("routes.protected").get("details")).asList().containsExactlyInAnyOrderElementsOf(added);
        assertThat(checks.get("routes.protected").get("message")).asString().contains("7 of 261 routes");
    }

    @Test
    void verify_routeLosesAuthorizer_failsNamingIt() throws Exception {
        String api = protectedApi();
        String routeId = aws.route(api, "$default").routeId();
        aws.apigw.updateRoute(r -> r.apiId(api).routeId(routeId).authorizationType("NONE"));
        Map<String, Map<String, Object>> checks = checks(verifyJson());
        assertThat(status(checks, "routes.protected")).isEqualTo("fail");
        assertThat(checks.get("routes.protected").get("details"))
                .asList()
                .containsExactly("\"$default\": no authorization (public)");
        assertThat(status(checks, "cors.preflight"))
                .as("nothing protected, nothing to warn about")
                .isEqualTo("pass");
    }

    @Test
    void verify_routeOnForeignAuthorizer_isAFailedCheckNotAnExit() {
        String api = protectedApi();
        String jwt = aws.apigw
                .createAuthorizer(r -> r.apiId(api)
                        .name("cognito")
                        .authorizerType("JWT")
                        .identitySource("$request.header.Authorization")
                        .jwtConfiguration(
                                j -> j.audience("client").issuer("https://cognito-idp.us-east-1.amazonaws.com/pool")))
                .authorizerId();
        String routeId = aws.addRoute(api, "GET /private");
        aws.apigw.updateRoute(
                r -> r.apiId(api).routeId(routeId).authorizationType("JWT").authorizerId(jwt));
        Run run = verifyJson();
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat(checks(run).get("routes.protected").get("details"))
                .asList()
                .containsExactly("\"GET /private\": JWT authorizer cognito, not secure-api-key");
    }

    @Test
    void verify_optionsRoutesAreNotFailures_butCatchAllWithoutPublicOptionsWarnsAboutCors() throws Exception {
        String api = aws.amplifyApi();
        aws.addRoute(api, "OPTIONS /extra");
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--routes",
                "$default,OPTIONS /{proxy+}",
                "--key-out",
                dir.resolve("k").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        Map<String, Map<String, Object>> withPublicExtra = checks(verifyJson());
        assertThat(status(withPublicExtra, "routes.protected")).isEqualTo("pass");
        assertThat(status(withPublicExtra, "cors.preflight"))
                .as("OPTIONS /extra is public")
                .isEqualTo("pass");

        aws.apigw.deleteRoute(
                r -> r.apiId(api).routeId(aws.route(api, "OPTIONS /extra").routeId()));
        Run run = verifyJson();
        assertThat(run.exitCode).as("a warning does not fail: " + run).isZero();
        Map<String, Map<String, Object>> checks = checks(run);
        assertThat(status(checks, "routes.protected")).isEqualTo("pass");
        assertThat(status(checks, "cors.preflight")).isEqualTo("warn");
        assertThat(checks.get("cors.preflight").get("message"))
                .asString()
                .contains("$default")
                .contains("401");
        assertThat(checks.get("cors.preflight").get("fix")).asString().contains("OPTIONS /{proxy+}");
    }

    @Test
    void verify_permissionRemovedOrBroadened_failsThenWarns() throws Exception {
        String api = protectedApi();
        String fn = (String) cfg().get("functionArn");
        String sid = "secure-api-invoke-" + api;
        aws.lambda.removePermission(r -> r.functionName(fn).statementId(sid));
        Map<String, Map<String, Object>> missing = checks(verifyJson());
        assertThat(status(missing, "permission.scoped")).isEqualTo("fail");
        assertThat(missing.get("permission.scoped").get("message")).asString().contains("no invoke permission");

        aws.lambda.addPermission(r -> r.functionName(fn)
                .statementId("console-added")
                .action("lambda:InvokeFunction")
                .principal("apigateway.amazonaws.com")
                .sourceArn("arn:aws:execute-api:us-east-1:123456789012:" + api + "/*"));
        Map<String, Map<String, Object>> broad = checks(verifyJson());
        assertThat(status(broad, "permission.scoped")).isEqualTo("warn");
        assertThat(broad.get("permission.scoped").get("message"))
                .asString()
                .contains("console-added")
                .contains(api + "/*");

        assertThat(Run.cli(config(), "setup").exitCode).isZero();
        Map<String, Map<String, Object>> both = checks(verifyJson());
        assertThat(status(both, "permission.scoped"))
                .as("scoped, but the broad one is still there")
                .isEqualTo("warn");
        aws.lambda.removePermission(r -> r.functionName(fn).statementId("console-added"));
        assertThat(status(checks(verifyJson()), "permission.scoped")).isEqualTo("pass");
    }

    @Test
    void verify_wildcardPrincipalInSecretPolicy_fails() throws Exception {
        protectedApi();
        String arn = (String) cfg().get("secretArn");
        String policy = aws.secrets.getResourcePolicy(r -> r.secretId(arn)).resourcePolicy();
        String open = policy.replaceFirst(
                "\"Statement\"\\s*:\\s*\\[",
                "\"Statement\":[{\"Sid\":\"Oops\",\"Effect\":\"Allow\",\"Principal\":\"*\","
                        + "\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"},");
        aws.secrets.putResourcePolicy(r -> r.secretId(arn).resourcePolicy(open).blockPublicPolicy(false));
        Run run = verifyJson();
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        Map<String, Map<String, Object>> checks = checks(run);
        assertThat(status(checks, "secret-policy.no-wildcard")).isEqualTo("fail");
        assertThat(checks.get("secret-policy.no-wildcard").get("message"))
                .asString()
                .contains("Oops");
        assertThat(status(checks, "secret-policy.grants-role")).isEqualTo("pass");
    }

    @Test
    void verify_secretPolicyStatementRemoved_failsGrantsRole() throws Exception {
        protectedApi();
        String arn = (String) cfg().get("secretArn");
        aws.secrets.deleteResourcePolicy(r -> r.secretId(arn));
        Map<String, Map<String, Object>> checks = checks(verifyJson());
        assertThat(status(checks, "secret-policy.grants-role")).isEqualTo("fail");
        assertThat(status(checks, "secret-policy.no-wildcard")).isEqualTo("pass");
    }

    @Test
    void verify_secretScheduledForDeletion_fails() throws Exception {
        protectedApi();
        String arn = (String) cfg().get("secretArn");
        aws.secrets.deleteSecret(r -> r.secretId(arn).recoveryWindowInDays(7L));
        Run run = verifyJson();
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        Map<String, Map<String, Object>> checks = checks(run);
        assertThat(status(checks, "secret.exists")).isEqualTo("pass");
        assertThat(status(checks, "secret.not-deleted")).isEqualTo("fail");
        assertThat(checks.get("secret.not-deleted").get("fix")).asString().contains("restore-secret");
    }

    @Test
    void verify_secretGone_failsSecretExists() throws Exception {
        protectedApi();
        String arn = (String) cfg().get("secretArn");
        aws.secrets.deleteSecret(r -> r.secretId(arn).forceDeleteWithoutRecovery(true));
        Map<String, Map<String, Object>> checks = checks(verifyJson());
        assertThat(status(checks, "secret.exists")).isEqualTo("fail");
        assertThat(checks).doesNotContainKeys("secret.current-value", "secret-policy.no-wildcard");
        assertThat(status(checks, "function.env"))
                .as("SECRET_ARN points at a secret that is gone")
                .isEqualTo("fail");
    }

    @Test
    void verify_functionDeleted_isAFailedCheckNotAnExit() throws Exception {
        String api = protectedApi();
        aws.lambda.deleteFunction(r -> r.functionName("secure-api-authorizer-" + api));
        Run run = verifyJson();
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        Map<String, Map<String, Object>> checks = checks(run);
        assertThat(status(checks, "function.exists")).isEqualTo("fail");
        assertThat(checks).doesNotContainKeys("function.env", "permission.scoped");
    }

    @Test
    void verify_envVarAndAuthorizerDrift_fail() throws Exception {
        String api = protectedApi();
        String fn = "secure-api-authorizer-" + api;
        aws.lambda.updateFunctionConfiguration(
                r -> r.functionName(fn).environment(e -> e.variables(Map.of("OTHER", "x"))));
        String authorizerId = (String) cfg().get("authorizerId");
        aws.apigw.updateAuthorizer(r -> r.apiId(api).authorizerId(authorizerId).authorizerResultTtlInSeconds(0));
        Map<String, Map<String, Object>> checks = checks(verifyJson());
        assertThat(status(checks, "function.env")).isEqualTo("fail");
        assertThat(checks.get("function.env").get("message")).asString().contains("SECRET_ARN");
        assertThat(status(checks, "authorizer.contract")).isEqualTo("fail");
        assertThat(checks.get("authorizer.contract").get("message")).asString().contains("TTL 0 s → 300 s");
    }

    @Test
    void verify_userFunctionOnNodejs14_warnsAboutTheRuntimeAndStillPasses() throws Exception {
        String api = aws.amplifyApi();
        String fn = Aws.unique("manual-authorizer");
        aws.userFunction(fn, Map.of("LOG_LEVEL", "info"));
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--function",
                fn,
                "--key-out",
                dir.resolve("k").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        Run run = verifyJson();
        assertThat(run.exitCode).as("warnings do not fail: " + run).isZero();
        Map<String, Map<String, Object>> checks = checks(run);
        assertThat(status(checks, "function.runtime")).isEqualTo("warn");
        assertThat(checks.get("function.runtime").get("message"))
                .asString()
                .contains("nodejs14.x")
                .contains("deprecated");
        assertThat(checks.get("function.runtime").get("fix")).asString().contains("--runtime nodejs24.x");
        assertThat(checks).doesNotContainKey("function.bundled");
        assertThat(status(checks, "function.env")).isEqualTo("pass");
        assertThat(status(checks, "permission.scoped")).isEqualTo("pass");

        Run text = Run.cli(config(), "verify");
        assertThat(text.out)
                .contains("WARN  function.runtime")
                .contains("plus however long your function caches the secret");
    }

    @Test
    void verify_junitReport_isWellFormedXmlWithOneFailurePerFailedCheck() throws Exception {
        String api = protectedApi();
        aws.addRoute(api, "DELETE /admin");
        Path xml = dir.resolve("reports/verify.xml");
        Run run = Run.cli(config(), "verify", "--output", "junit", "--report", xml.toString());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat(run.out).as("the checklist on stdout").contains("FAIL  routes.protected");
        Document doc = parse(Files.readString(xml));
        Element suite = (Element) doc.getElementsByTagName("testsuite").item(0);
        NodeList cases = doc.getElementsByTagName("testcase");
        NodeList failures = doc.getElementsByTagName("failure");
        assertThat(cases.getLength()).isEqualTo(CORE.size());
        assertThat(failures.getLength()).isEqualTo(1);
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        assertThat(suite.getAttribute("tests")).isEqualTo(String.valueOf(CORE.size()));
        Element failed = (Element) failures.item(0).getParentNode();
        assertThat(failed.getAttribute("name")).isEqualTo("routes.protected");
        assertThat(failures.item(0).getTextContent())
                .contains("\"DELETE /admin\"")
                .contains("fix:");

        Run toStdout = Run.cli(config(), "verify", "--output", "junit");
        assertThat(toStdout.exitCode).isEqualTo(1);
        assertThat(parse(toStdout.out).getElementsByTagName("failure").getLength())
                .isEqualTo(1);
        assertThat(toStdout.writes()).isEmpty();
    }

    @Test
    void verify_reportWithJsonAndText_writesTheSameFormatToTheFile() throws Exception {
        protectedApi();
        Path json = dir.resolve("v.json");
        Run run = Run.cli(config(), "verify", "--output", "json", "--report", json.toString());
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(JsonText.parseObject(Files.readString(json))).containsEntry("ok", true);
        assertThat(JsonText.parseObject(run.out)).containsEntry("ok", true);
        Path txt = dir.resolve("v.txt");
        assertThat(Run.cli(config(), "verify", "--report", txt.toString()).exitCode)
                .isZero();
        assertThat(Files.readString(txt)).contains("pass  api.http").doesNotContain("\u001b[");
    }

    @Test
    void verify_badFlags_exit2BeforeAnyAwsCall() throws Exception {
        protectedApi();
        for (String[] args : List.of(
                new String[] {"verify", "--allow-public", "health"},
                new String[] {"verify", "--probe-url", "ftp://x"},
                new String[] {"verify", "--key-file", dir.resolve("missing.txt").toString()},
                new String[] {"verify", "--report", dir.toString()})) {
            Run run = Run.cli(config(), args);
            assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
            assertThat(run.err).startsWith("error: ").contains("next:");
            assertThat(run.operations).as(String.join(" ", args)).isEmpty();
        }
    }

    @Test
    void operatorVerifyPolicy_allowsEveryCallVerifyMakes() throws Exception {
        Set<String> allowed = OperatorPolicyIT.allowedActions("operator-verify.json");
        // kms:Decrypt only as Secrets Manager's part of a GetSecretValue (ReadKeySecretValueThroughKms:
        // kms:ViaService); the IAM simulator test (src/test/policy) proves the condition
        assertThat(allowed)
                .noneMatch(a -> !a.startsWith("apigateway:GET")
                        && !a.equals("kms:Decrypt")
                        // verify --quotas: a Logs Insights query reads the access logs, it writes nothing
                        && !a.matches("logs:(StartQuery|StopQuery)")
                        && !a.matches("[a-z]+:(Get|List|Describe)[A-Za-z]*"));
        String api = protectedApi();
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        Path other = dir.resolve("user.json");
        String api2 = aws.amplifyApi();
        assertThat(Run.cli(
                                other,
                                "setup",
                                "--api-id",
                                api2,
                                "--function",
                                fn,
                                "--key-out",
                                dir.resolve("k2").toString())
                        .exitCode)
                .isZero();
        Set<String> ops = new HashSet<>();
        ops.addAll(Run.cli(config(), "verify", "--api-id", api).operations);
        ops.addAll(Run.cli(other, "verify").operations);
        ops.addAll(Run.cli(dir.resolve("none.json"), "verify", "--api-id", aws.amplifyApi()).operations);
        assertThat(ops).isNotEmpty();
        for (String op : ops) {
            if (op.endsWith(".GetCallerIdentity")) continue; // needs no permission
            assertThat(allowed).as("operator-verify.json must allow " + op).contains(OperatorPolicyIT.iamAction(op));
        }
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }
}
