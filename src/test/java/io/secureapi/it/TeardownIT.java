package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizerType;
import software.amazon.awssdk.services.apigatewayv2.model.Route;

/** teardown: removes only what secure-api made, restores routes, and a second run changes nothing. */
class TeardownIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    static void ok(Run run) {
        assertThat(run.exitCode).as(run.toString()).isZero();
    }

    @Test
    void teardown_afterBundledSetup_removesEveryPieceAndASecondRunMakesNoWrites() throws Exception {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api, "--dev-key"));
        String secretArn = aws.secrets
                .describeSecret(r -> r.secretId("secure-api/" + api + "/api-key"))
                .arn();

        Run run = Run.cli(config(), "teardown", "--yes");
        ok(run);
        assertThat(run.out).contains("delete").contains("Done");
        assertThat(run.out).contains("`secure-api setup --config ").doesNotContain("--replace-authorizer");
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("NONE");
        assertThat(aws.route(api, "OPTIONS /{proxy+}").authorizationTypeAsString())
                .isEqualTo("NONE");
        assertThat(catchThrowable(() -> aws.lambda.getFunction(r -> r.functionName("secure-api-authorizer-" + api))))
                .isInstanceOf(software.amazon.awssdk.services.lambda.model.ResourceNotFoundException.class);
        assertThat(catchThrowable(() -> aws.iam.getRole(r -> r.roleName("secure-api-authorizer-" + api))))
                .isInstanceOf(software.amazon.awssdk.services.iam.model.NoSuchEntityException.class);
        var secret = aws.secrets.describeSecret(r -> r.secretId(secretArn));
        assertThat(secret.deletedDate()).as("scheduled for deletion").isNotNull();
        assertThat(run.out).contains("restore-secret");
        Map<String, Object> cfg = Aws.configEntry(config());
        assertThat(cfg).containsKey("tornDown").containsEntry("apiId", api);

        Run again = Run.cli(config(), "teardown", "--yes");
        ok(again);
        assertThat(again.writes()).as(again.toString()).isEmpty();
        assertThat(again.out).contains("Nothing to remove");
        Run byId = Run.cli(dir.resolve("none.json"), "teardown", "--api-id", api);
        ok(byId);
        assertThat(byId.writes())
                .as("no config, no --yes, nothing to do: " + byId)
                .isEmpty();

        Run back = Run.cli(config(), "setup");
        ok(back);
        assertThat(aws.route(api, "$default").authorizationTypeAsString())
                .as("setup from a torn-down config")
                .isEqualTo("CUSTOM");
        assertThat(Aws.configEntry(config())).doesNotContainKey("tornDown");
    }

    @Test
    void teardown_userFunction_keepsItsOtherVariablesStatementsAndSecretAndRestoresJwtRoute() {
        String api = aws.amplifyApi();
        String jwt = aws.apigw
                .createAuthorizer(r -> r.apiId(api)
                        .name("cognito")
                        .authorizerType(AuthorizerType.JWT)
                        .identitySource("$request.header.Authorization")
                        .jwtConfiguration(
                                j -> j.audience("client").issuer("https://cognito-idp.us-east-1.amazonaws.com/pool")))
                .authorizerId();
        String routeId = aws.addRoute(api, "GET /private");
        aws.apigw.updateRoute(r -> r.apiId(api)
                .routeId(routeId)
                .authorizationType("JWT")
                .authorizerId(jwt)
                .authorizationScopes("read"));
        String fn = Aws.unique("my-authorizer");
        String fnArn = aws.userFunction(fn, Map.of("LOG_LEVEL", "debug"));
        aws.lambda.addPermission(r -> r.functionName(fn)
                .statementId("someone-else")
                .action("lambda:InvokeFunction")
                .principal("events.amazonaws.com"));
        String secretName = Aws.unique("manual/api-key");
        String secretArn = aws.secrets
                .createSecret(r -> r.name(secretName).secretString("manual-recipe-key-0123456789abcdef-xyz"))
                .arn();
        String foreign =
                "{\"Sid\":\"BreakGlass\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:role/admin\"},"
                        + "\"Action\":\"secretsmanager:*\",\"Resource\":\"*\"}";
        aws.secrets.putResourcePolicy(r ->
                r.secretId(secretArn).resourcePolicy("{\"Version\":\"2012-10-17\",\"Statement\":[" + foreign + "]}"));
        ok(Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--function",
                fn,
                "--secret-name",
                secretName,
                "--replace-authorizer"));
        assertThat(aws.route(api, "GET /private").authorizationTypeAsString()).isEqualTo("CUSTOM");

        Run run = Run.cli(config(), "teardown", "--yes");
        ok(run);
        Route priv = aws.route(api, "GET /private");
        assertThat(priv.authorizationTypeAsString()).isEqualTo("JWT");
        assertThat(priv.authorizerId()).isEqualTo(jwt);
        assertThat(priv.authorizationScopes()).containsExactly("read");
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("NONE");
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items())
                .extracting(a -> a.authorizerId())
                .containsExactly(jwt);

        var env = aws.lambda
                .getFunctionConfiguration(r -> r.functionName(fn))
                .environment()
                .variables();
        assertThat(env).containsEntry("LOG_LEVEL", "debug").doesNotContainKey("SECRET_ARN");
        PolicyText fnPolicy = PolicyText.parse(
                aws.lambda.getPolicy(r -> r.functionName(fnArn)).policy());
        assertThat(fnPolicy.statement("someone-else")).isPresent();
        assertThat(fnPolicy.statement("secure-api-invoke-" + api)).isEmpty();

        var secret = aws.secrets.describeSecret(r -> r.secretId(secretArn));
        assertThat(secret.deletedDate()).as("not tagged by secure-api: kept").isNull();
        PolicyText policy = PolicyText.parse(
                aws.secrets.getResourcePolicy(r -> r.secretId(secretArn)).resourcePolicy());
        assertThat(policy.statement("BreakGlass")).isPresent();
        assertThat(policy.statement("SecureApiAuthorizerRead")).isEmpty();

        Run again = Run.cli(config(), "teardown", "--yes");
        ok(again);
        assertThat(again.writes()).as(again.toString()).isEmpty();
    }

    @Test
    void teardown_withoutYesWhenStdinIsNotATerminal_refusesWithExit2AndChangesNothing() {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api));
        Run run = Run.cli(config(), "teardown");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.writes()).isEmpty();
        assertThat(run.out).contains("Teardown plan").contains("delete");
        assertThat(run.err).contains("error: ").contains("--yes");
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
    }

    @Test
    void teardown_onTerminal_appliesOnlyWhenTheApiIdIsTyped() {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api));
        Run wrong = Run.via(LocalAws.endpoint(), config(), "yes\n", true, "teardown");
        assertThat(wrong.exitCode).as(wrong.toString()).isEqualTo(2);
        assertThat(wrong.writes()).isEmpty();
        assertThat(wrong.err).contains("Type the API id (" + api + ")");

        Run typed = Run.via(LocalAws.endpoint(), config(), api + "\n", true, "teardown");
        ok(typed);
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("NONE");
    }

    @Test
    void teardown_dryRun_printsThePlanAndWritesNothing() throws Exception {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api));
        String before = Files.readString(config());
        Run run = Run.cli(config(), "teardown", "--dry-run");
        ok(run);
        assertThat(run.writes()).isEmpty();
        assertThat(run.out).contains("dry run").contains("routes").contains("schedule deletion in 7 days");
        assertThat(Files.readString(config())).isEqualTo(before);
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).hasSize(1);

        Run json = Run.cli(config(), "teardown", "--dry-run", "--output", "json");
        ok(json);
        Map<String, Object> doc = JsonText.parseObject(json.out);
        assertThat(doc)
                .containsEntry("command", "teardown")
                .containsEntry("dryRun", true)
                .containsEntry("changed", false);
        assertThat(doc.get("routesMadePublic")).isEqualTo(java.util.List.of("$default"));
    }

    @Test
    void teardown_recoveryDaysOutOfRange_isExit2BeforeAnyAwsCall() {
        for (String days : new String[] {"6", "31", "0"}) {
            Run run = Run.cli(config(), "teardown", "--api-id", "abc123", "--recovery-days", days, "--yes");
            assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
            assertThat(run.operations).isEmpty();
            assertThat(run.err).contains("--recovery-days " + days);
        }
    }

    @Test
    void teardown_keepSecret_keepsTheSecretAndDeletesAPolicyThatHeldOnlyOurStatement() {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api));
        Run run = Run.cli(config(), "teardown", "--yes", "--keep-secret", "--output", "json");
        ok(run);
        Map<String, Object> doc = JsonText.parseObject(run.out);
        assertThat(doc).containsEntry("changed", true);
        var secret = aws.secrets.describeSecret(r -> r.secretId("secure-api/" + api + "/api-key"));
        assertThat(secret.deletedDate()).isNull();
        String policy =
                aws.secrets.getResourcePolicy(r -> r.secretId(secret.arn())).resourcePolicy();
        assertThat(PolicyText.parse(policy).size()).isZero();
        assertThat(Run.cli(config(), "teardown", "--yes", "--keep-secret").writes())
                .isEmpty();
    }

    @Test
    void teardown_recoveryDays_isPassedToSecretsManager() {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api));
        Run run = Run.cli(config(), "teardown", "--yes", "--recovery-days", "30");
        ok(run);
        assertThat(run.out).contains("30 days");
        assertThat(aws.secrets
                        .describeSecret(r -> r.secretId("secure-api/" + api + "/api-key"))
                        .deletedDate())
                .isNotNull();
    }

    @Test
    void teardown_apiIdWithoutConfig_findsPiecesByDefaultNamesAndWarnsRoutesBecomePublic() throws Exception {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api));
        Files.delete(config());
        Run run = Run.cli(config(), "teardown", "--api-id", api, "--yes");
        ok(run);
        assertThat(run.err).contains("warning: route \"$default\"").contains("public");
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("NONE");
        assertThat(catchThrowable(() -> aws.lambda.getFunction(r -> r.functionName("secure-api-authorizer-" + api))))
                .isNotNull();
        assertThat(config()).doesNotExist();
        assertThat(Run.cli(config(), "teardown", "--api-id", api, "--yes").writes())
                .isEmpty();
    }

    @Test
    void teardown_apiIdWithoutConfig_findsTheUsersFunctionThroughTheAuthorizer() throws Exception {
        String api = aws.amplifyApi();
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of("KEEP", "me"));
        ok(Run.cli(config(), "setup", "--api-id", api, "--function", fn));
        Files.delete(config());
        Run run = Run.cli(config(), "teardown", "--api-id", api, "--yes");
        ok(run);
        var env = aws.lambda
                .getFunctionConfiguration(r -> r.functionName(fn))
                .environment()
                .variables();
        assertThat(env).containsEntry("KEEP", "me").doesNotContainKey("SECRET_ARN");
        assertThat(aws.lambda
                        .getFunction(r -> r.functionName(fn))
                        .configuration()
                        .functionName())
                .isEqualTo(fn);
        assertThat(aws.secrets
                        .describeSecret(r -> r.secretId("secure-api/" + api + "/api-key"))
                        .deletedDate())
                .isNotNull();
    }

    @Test
    void operatorSetupPolicy_allowsEveryCallOfTeardownOnBothPaths() throws Exception {
        var allowed = OperatorPolicyIT.allowedActions("operator-setup.json");
        java.util.List<String> ops = new java.util.ArrayList<>();
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api));
        Run bundled = Run.cli(config(), "teardown", "--yes");
        ok(bundled);
        ops.addAll(bundled.operations);
        String api2 = aws.amplifyApi();
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        ok(Run.cli(dir.resolve("b.json"), "setup", "--api-id", api2, "--function", fn));
        Run user = Run.cli(dir.resolve("b.json"), "teardown", "--yes");
        ok(user);
        ops.addAll(user.operations);
        for (String op : new java.util.HashSet<>(ops)) {
            if (op.endsWith(".GetCallerIdentity")) continue; // needs no permission
            assertThat(allowed).as("operator-setup.json must allow " + op).contains(OperatorPolicyIT.iamAction(op));
        }
    }

    @Test
    void teardown_unknownApiWithoutConfig_isExit2() {
        Run run = Run.cli(config(), "teardown", "--api-id", "nosuch123", "--yes");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("nosuch123");
        assertThat(run.writes()).isEmpty();
    }

    @Test
    void teardown_leavesAnotherApisWiringAlone() {
        String mine = aws.amplifyApi();
        String other = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", mine));
        ok(Run.cli(dir.resolve("other.json"), "setup", "--api-id", other));
        ok(Run.cli(config(), "teardown", "--yes"));
        assertThat(aws.route(other, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(other)).items()).hasSize(1);
        assertThat(aws.secrets
                        .describeSecret(r -> r.secretId("secure-api/" + other + "/api-key"))
                        .deletedDate())
                .isNull();
        assertThat(aws.lambda.getFunction(r -> r.functionName("secure-api-authorizer-" + other)))
                .isNotNull();
    }
}
