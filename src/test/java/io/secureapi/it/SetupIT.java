package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import software.amazon.awssdk.services.apigatewayv2.model.Authorizer;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizerType;
import software.amazon.awssdk.services.apigatewayv2.model.Route;
import software.amazon.awssdk.services.secretsmanager.model.Tag;

/** Its tests run at the same time: each has its own API, folder and names. */
@Execution(ExecutionMode.CONCURRENT)
class SetupIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    static String keyFrom(String out) {
        return out.lines()
                .filter(l -> l.contains("Key value:"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip())
                .findFirst()
                .orElseThrow();
    }

    @Test
    void setup_onFreshAmplifyApi_wiresEveryPieceAndProtectsAllButOptions() {
        String api = aws.amplifyApi();
        Run run = Run.cli(config(), "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        String key = keyFrom(run.out);
        assertThat(key).startsWith("sak_live_").hasSizeGreaterThanOrEqualTo(43);

        var secret = aws.secrets.describeSecret(r -> r.secretId("secure-api/" + api + "/api-key"));
        assertThat(secret.tags())
                .contains(Tag.builder().key("secure-api:api-id").value(api).build());
        String value = aws.secrets.getSecretValue(r -> r.secretId(secret.arn())).secretString();
        assertThat(Digests.isCurrent(value, "live", key))
                .as("the secret holds the digest of the key shown")
                .isTrue();
        assertThat(value).doesNotContain(key);

        var fn = aws.lambda.getFunction(r -> r.functionName("secure-api-authorizer-" + api));
        assertThat(fn.configuration().runtimeAsString()).isEqualTo("nodejs24.x");
        assertThat(fn.configuration().environment().variables()).containsEntry("SECRET_ARN", secret.arn());
        assertThat(fn.tags()).containsEntry("secure-api:managed", "true");
        String roleArn = fn.configuration().role();
        assertThat(aws.iam
                        .getRole(r -> r.roleName("secure-api-authorizer-" + api))
                        .role()
                        .arn())
                .isEqualTo(roleArn);

        var policy = PolicyText.parse(
                aws.secrets.getResourcePolicy(r -> r.secretId(secret.arn())).resourcePolicy());
        assertThat(policy.statement("SecureApiAuthorizerRead").orElseThrow().get("Principal"))
                .isEqualTo(Map.of("AWS", roleArn));

        List<Authorizer> authorizers =
                aws.apigw.getAuthorizers(r -> r.apiId(api)).items();
        assertThat(authorizers).hasSize(1);
        Authorizer a = authorizers.get(0);
        assertThat(a.authorizerType()).isEqualTo(AuthorizerType.REQUEST);
        assertThat(a.name()).isEqualTo("secure-api-key");
        assertThat(a.identitySource()).containsExactly("$request.header.Authorization");
        assertThat(a.authorizerPayloadFormatVersion()).isEqualTo("2.0");
        assertThat(a.enableSimpleResponses()).isTrue();
        assertThat(a.authorizerResultTtlInSeconds()).isEqualTo(300);
        assertThat(a.authorizerUri())
                .isEqualTo("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                        + fn.configuration().functionArn() + "/invocations");

        String fnPolicy = aws.lambda
                .getPolicy(r -> r.functionName(fn.configuration().functionArn()))
                .policy();
        assertThat(fnPolicy)
                .contains("arn:aws:execute-api:us-east-1:123456789012:" + api + "/authorizers/" + a.authorizerId())
                .contains("apigateway.amazonaws.com")
                .doesNotContain(api + "/*");

        Route def = aws.route(api, "$default");
        assertThat(def.authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(def.authorizerId()).isEqualTo(a.authorizerId());
        assertThat(aws.route(api, "OPTIONS /{proxy+}").authorizationTypeAsString())
                .isEqualTo("NONE");

        assertThat(config()).exists();
        Map<String, Object> cfg = Aws.configEntry(config());
        assertThat(cfg)
                .containsEntry("apiId", api)
                .containsEntry("authorizerId", a.authorizerId())
                .containsEntry("secretArn", secret.arn())
                .containsEntry("functionManaged", true);
        assertThat(read(config())).doesNotContain(key);
        assertThat(run.err).doesNotContain(key);
        assertThat(run.out).contains("Private key in header").containsPattern("Key name: +Authorization");
    }

    @Test
    void setup_appliesThePrintedPlanOnce_resolvingTheNewSecretAndAuthorizerAtApply() {
        String api = aws.amplifyApi();
        aws.addRoute(api, "GET /items");
        Run run = Run.cli(config(), "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        // the variables go in with CreateFunction: the env var row is never written a second time
        assertThat(run.writes())
                .as(run.toString())
                .filteredOn(o -> o.startsWith("Lambda."))
                .containsExactly("Lambda.CreateFunction", "Lambda.AddPermission");
        assertThat(run.writes())
                .filteredOn(o -> o.startsWith("SecretsManager."))
                .containsExactly("SecretsManager.CreateSecret", "SecretsManager.PutResourcePolicy");
        assertThat(run.writes())
                .filteredOn("ApiGatewayV2.UpdateRoute"::equals)
                .as("$default and GET /items, not OPTIONS")
                .hasSize(2);
        String authorizer =
                aws.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0).authorizerId();
        assertThat(aws.route(api, "GET /items").authorizerId()).isEqualTo(authorizer);

        // a user's function and a secret this run creates: SECRET_ARN is the new secret's, set once
        String other = aws.amplifyApi();
        String fn = Aws.unique("own-authorizer");
        aws.userFunction(fn, Map.of("LOG_LEVEL", "debug"));
        Run mine = Run.cli(
                dir.resolve("other.json"),
                "setup",
                "--api-id",
                other,
                "--function",
                fn,
                "--key-out",
                dir.resolve("k").toString());
        assertThat(mine.exitCode).as(mine.toString()).isZero();
        String secretArn = aws.secretArn(other);
        assertThat(aws.env(fn)).containsEntry("SECRET_ARN", secretArn).containsEntry("LOG_LEVEL", "debug");
        assertThat(mine.writes())
                .filteredOn("Lambda.UpdateFunctionConfiguration"::equals)
                .hasSize(1);
    }

    @Test
    void setup_rerunOnConvergedApi_makesZeroWrites() {
        String api = aws.amplifyApi();
        Run first = Run.cli(config(), "setup", "--api-id", api);
        assertThat(first.exitCode).as(first.toString()).isZero();
        assertThat(first.writes()).isNotEmpty();

        Run second = Run.cli(config(), "setup", "--api-id", api);
        assertThat(second.exitCode).as(second.toString()).isZero();
        assertThat(second.operations).isNotEmpty();
        assertThat(second.writes()).isEmpty();
        assertThat(second.out).contains("Nothing to change");
        assertThat(second.out).doesNotContain(keyFrom(first.out));

        Run third = Run.cli(config(), "setup", "--verbose");
        assertThat(third.exitCode)
                .as("from secure-api.json, no flags: " + third)
                .isZero();
        assertThat(third.writes()).isEmpty();
        // --verbose: where the time went, phase by phase, before the call count
        assertThat(third.err)
                .containsPattern(
                        "secure-api: phases: read \\d+\\.\\d\\d s, plan \\d+\\.\\d\\d s, apply \\d+\\.\\d\\d s,"
                                + " wait \\d+\\.\\d\\d s")
                .contains("AWS calls");
        assertThat(second.err).doesNotContain("phases:");
    }

    @Test
    void setup_dryRun_printsPlanAndWritesNothing() {
        String api = aws.amplifyApi();
        Run run = Run.cli(config(), "setup", "--api-id", api, "--dry-run");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.writes()).isEmpty();
        assertThat(run.out)
                .contains("create")
                .contains("secure-api/" + api + "/api-key")
                .contains("Dry run");
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("NONE");
        assertThat(config()).doesNotExist();
    }

    @Test
    void setup_withUserFunction_mergesEnvAndForeignPolicyStatementAndStoresPlainKey() throws Exception {
        // a region of its own: setup on a secret it did not create reads every HTTP API of the region
        // (see Aws(String))
        String region = "ap-southeast-1";
        Aws here = new Aws(region);
        String api = here.amplifyApi();
        String fnName = Aws.unique("my-authorizer");
        String fnArn = here.userFunction(fnName, Map.of("LOG_LEVEL", "debug", "FEATURE", "x"));
        String secretName = Aws.unique("manual/api-key");
        String secretArn = here.secrets
                .createSecret(r -> r.name(secretName).secretString("old-manual-recipe-key-0123456789abcdef"))
                .arn();
        String foreign =
                "{\"Sid\":\"BreakGlass\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:role/admin\"},"
                        + "\"Action\":\"secretsmanager:*\",\"Resource\":\"*\"}";
        here.secrets.putResourcePolicy(r ->
                r.secretId(secretArn).resourcePolicy("{\"Version\":\"2012-10-17\",\"Statement\":[" + foreign + "]}"));
        Path keyFile = dir.resolve("key.txt");
        String suppliedKey = "my-own-key-that-is-long-enough-0123456789";
        Files.writeString(keyFile, suppliedKey + "\n");

        Run run = Run.cliIn(
                region,
                config(),
                "setup",
                "--api-id",
                api,
                "--function",
                fnName,
                "--secret-name",
                secretName,
                "--key-file",
                keyFile.toString());
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.all()).doesNotContain(suppliedKey);

        var env = here.lambda
                .getFunctionConfiguration(r -> r.functionName(fnName))
                .environment()
                .variables();
        assertThat(env)
                .containsEntry("LOG_LEVEL", "debug")
                .containsEntry("FEATURE", "x")
                .containsEntry("SECRET_ARN", secretArn)
                .doesNotContainKey("KEY_HEADER");
        assertThat(here.secrets.getSecretValue(r -> r.secretId(secretArn)).secretString())
                .isEqualTo(suppliedKey);
        var policy = PolicyText.parse(
                here.secrets.getResourcePolicy(r -> r.secretId(secretArn)).resourcePolicy());
        assertThat(policy.statement("BreakGlass")).isPresent();
        String role = here.lambda
                .getFunctionConfiguration(r -> r.functionName(fnName))
                .role();
        assertThat(policy.statement("SecureApiAuthorizerRead").orElseThrow().get("Principal"))
                .isEqualTo(Map.of("AWS", role));
        assertThat(here.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0).authorizerUri())
                .contains(fnArn);
        assertThat(Aws.configEntry(config()))
                .containsEntry("functionManaged", false)
                .containsEntry("functionArn", fnArn);

        Run again = Run.cliIn(
                region,
                config(),
                "setup",
                "--api-id",
                api,
                "--function",
                fnName,
                "--secret-name",
                secretName,
                "--key-file",
                keyFile.toString());
        assertThat(again.writes()).as(again.toString()).isEmpty();
    }

    @Test
    void setup_on250Routes_protectsEveryPage() {
        String api = aws.amplifyApi();
        for (int i = 0; i < 248; i++) aws.addRoute(api, "GET /items/r" + i);
        Run run = Run.cli(config(), "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(Run.PAGE_SIZE)
                .as("tests page in pages smaller than the fixture")
                .isLessThan(250);
        assertThat(run.pages("ApiGatewayV2.GetRoutes"))
                .as("every page of 250 routes read")
                .isGreaterThanOrEqualTo(250 / Run.PAGE_SIZE);
        List<Route> routes = aws.routes(api);
        assertThat(routes).hasSize(250);
        assertThat(routes.stream().filter(r -> !r.routeKey().startsWith("OPTIONS")))
                .hasSize(249)
                .allMatch(r -> "CUSTOM".equals(r.authorizationTypeAsString()));
        assertThat(Run.cli(config(), "setup", "--api-id", api).writes()).isEmpty();
    }

    @Test
    void setup_routeOnJwtAuthorizer_isRefusedUnlessReplaceAuthorizer() {
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
        aws.apigw.updateRoute(
                r -> r.apiId(api).routeId(routeId).authorizationType("JWT").authorizerId(jwt));

        Run refused = Run.cli(config(), "setup", "--api-id", api);
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err).contains("GET /private").contains("--replace-authorizer");
        assertThat(refused.writes()).isEmpty();
        assertThat(aws.route(api, "GET /private").authorizerId()).isEqualTo(jwt);

        Run replaced = Run.cli(config(), "setup", "--api-id", api, "--replace-authorizer");
        assertThat(replaced.exitCode).as(replaced.toString()).isZero();
        Route r = aws.route(api, "GET /private");
        assertThat(r.authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(r.authorizerId()).isNotEqualTo(jwt);
        assertThat(read(config())).contains("\"authorizationType\": \"JWT\"").contains(jwt);
    }

    @Test
    void setup_namedRoutes_protectsOnlyThoseIncludingANamedOptionsRoute() {
        String api = aws.amplifyApi();
        aws.addRoute(api, "GET /health");
        Run run = Run.cli(config(), "setup", "--api-id", api, "--routes", "$default, OPTIONS /{proxy+}");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(aws.route(api, "OPTIONS /{proxy+}").authorizationTypeAsString())
                .isEqualTo("CUSTOM");
        assertThat(aws.route(api, "GET /health").authorizationTypeAsString()).isEqualTo("NONE");
    }

    @Test
    void setup_keyOut_writesKeysWithMode0600AndNeverPrintsThem() throws Exception {
        String api = aws.amplifyApi();
        Path out = dir.resolve("keys.txt");
        Run run = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--dev-key",
                "--key-out",
                out.toString(),
                "--header",
                "X-Api-Key",
                "--cache-ttl",
                "0");
        assertThat(run.exitCode).as(run.toString()).isZero();
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("sak_live_");
        assertThat(lines.get(1)).startsWith("sak_dev_");
        assertThat(Files.getPosixFilePermissions(out))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        lines.forEach(k -> assertThat(run.all()).doesNotContain(k));
        var value = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        assertThat(Digests.isCurrent(value, "live", lines.get(0))).isTrue();
        assertThat(Digests.isCurrent(value, "dev", lines.get(1))).isTrue();
        assertThat(value).doesNotContain(lines.get(0)).doesNotContain(lines.get(1));
        Authorizer a = aws.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0);
        assertThat(a.identitySource()).containsExactly("$request.header.X-Api-Key");
        assertThat(a.authorizerResultTtlInSeconds()).isZero();
        assertThat(aws.lambda
                        .getFunctionConfiguration(r -> r.functionName("secure-api-authorizer-" + api))
                        .environment()
                        .variables())
                .containsEntry("KEY_HEADER", "x-api-key");

        Run again = Run.cli(config(), "setup", "--api-id", api, "--dev-key", "--key-out", out.toString());
        assertThat(again.exitCode)
                .as("existing --key-out without --force: " + again)
                .isEqualTo(2);
        assertThat(again.writes()).isEmpty();
    }

    @Test
    void setup_keyStdin_storesThatKey() {
        String api = aws.amplifyApi();
        String key = "piped-key-0123456789-0123456789-abcdef";
        Run run = Run.cliWithStdin(config(), key + "\n", "setup", "--api-id", api, "--key-stdin");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.all()).doesNotContain(key);
        var value = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        assertThat(Digests.isCurrent(value, "live", key)).isTrue();
        assertThat(value).doesNotContain(key);
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void setup_routesLeftOutByChoice_stayOutOnAPlainRerun_andVerifyAllowsThem() {
        String api = aws.amplifyApi();
        aws.addRoute(api, "GET /public");
        Run first = Run.cli(config(), "setup", "--api-id", api, "--routes", "$default");
        assertThat(first.exitCode).as(first.toString()).isZero();
        assertThat(read(config())).contains("\"excludedRoutes\"").contains("GET /public");

        Run rerun = Run.cli(config(), "setup");
        assertThat(rerun.writes()).as(rerun.toString()).isEmpty();
        assertThat(aws.route(api, "GET /public").authorizationTypeAsString()).isEqualTo("NONE");
        Run verify = Run.cli(config(), "verify");
        assertThat(verify.exitCode).as(verify.toString()).isZero();

        aws.addRoute(api, "POST /later");
        assertThat(Run.cli(config(), "verify").exitCode)
                .as("a route added later is still drift")
                .isEqualTo(1);
        Run repair = Run.cli(config(), "setup");
        assertThat(repair.exitCode).as(repair.toString()).isZero();
        assertThat(aws.route(api, "POST /later").authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(aws.route(api, "GET /public").authorizationTypeAsString()).isEqualTo("NONE");
    }

    @Test
    void setup_withoutConfigOnAnApiWiredToAUserFunction_keepsThatFunction() {
        String api = aws.amplifyApi();
        String fn = Aws.unique("own-fn");
        String fnArn = aws.userFunction(fn, Map.of("KEEP", "me"));
        assertThat(Run.cli(config(), "setup", "--api-id", api, "--function", fn).exitCode)
                .isZero();
        Path elsewhere = dir.resolve("other/secure-api.json");
        Run again = Run.cli(elsewhere, "setup", "--api-id", api);
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(again.writes()).as(again.toString()).isEmpty();
        assertThat(again.err).contains("keeping it");
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0).authorizerUri())
                .contains(fnArn);
        assertThat(read(elsewhere)).contains("\"functionManaged\": false");
    }

    @Test
    void setup_keyOutIsADanglingLink_isRefusedBeforeAnyWrite() throws Exception {
        String api = aws.amplifyApi();
        Path link = dir.resolve("link.txt");
        Files.createSymbolicLink(link, dir.resolve("missing-target.txt"));
        Run run = Run.cli(config(), "setup", "--api-id", api, "--key-out", link.toString());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.writes()).isEmpty();
    }
}
