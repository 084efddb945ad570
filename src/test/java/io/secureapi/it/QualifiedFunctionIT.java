package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --function with an alias or a version: API Gateway calls exactly that, and SECRET_ARN goes where it takes effect. */
class QualifiedFunctionIT {
    final Aws aws = new Aws();
    final FaultProxy proxy = FaultProxy.start(LocalAws.endpoint());

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        proxy.close();
    }

    Path config() {
        return dir.resolve("secure-api.json");
    }

    Run viaProxy(String... args) {
        return Run.via(proxy.endpoint(), config(), "", false, args);
    }

    String authorizerUri(String api) {
        return aws.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0).authorizerUri();
    }

    @Test
    void aliasOfLatest_keepsTheAliasInTheUriAndThePermission_andSetsTheVariableOnLatest() throws Exception {
        String api = aws.amplifyApi();
        String fn = Aws.unique("fn");
        String arn = aws.userFunction(fn, Map.of("LOG_LEVEL", "info"));
        aws.lambda.createAlias(r -> r.functionName(fn).name("live").functionVersion("$LATEST"));
        String qualified = arn + ":live";

        Run run = viaProxy("setup", "--api-id", api, "--function", qualified);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(authorizerUri(api))
                .isEqualTo(
                        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + qualified + "/invocations");
        assertThat(proxy.requestLines())
                .as("the permission is on the alias: API Gateway invokes the alias")
                .anyMatch(l -> l.startsWith("POST /2015-03-31/functions/")
                        && l.contains("/policy")
                        && l.contains("Qualifier=live"));
        var env = aws.lambda
                .getFunction(r -> r.functionName(fn))
                .configuration()
                .environment()
                .variables();
        String secretArn = aws.secrets
                .describeSecret(r -> r.secretId("secure-api/" + api + "/api-key"))
                .arn();
        assertThat(env).containsEntry("SECRET_ARN", secretArn).containsEntry("LOG_LEVEL", "info");
        assertThat(Files.readString(config())).contains(qualified);

        Run verify = Run.cli(config(), "verify", "--output", "json");
        var checks = VerifyIT.checks(verify);
        assertThat(VerifyIT.status(checks, "function.env"))
                .as(verify.toString())
                .isEqualTo("pass");
        assertThat(VerifyIT.status(checks, "permission.scoped")).isEqualTo("pass");
        assertThat(VerifyIT.status(checks, "authorizer.contract")).isEqualTo("pass");
        assertThat(Run.cli(config(), "setup", "--api-id", api).writes())
                .as("converged")
                .isEmpty();
        assertThat(aws.lambda
                        .getPolicy(r -> r.functionName(fn).qualifier("live"))
                        .policy())
                .contains("secure-api-invoke-" + api);

        Run teardown = Run.cli(config(), "teardown", "--yes");
        assertThat(teardown.exitCode).as(teardown.toString()).isZero();
        assertThat(aws.lambda
                        .getFunction(r -> r.functionName(fn))
                        .configuration()
                        .environment()
                        .variables())
                .doesNotContainKey("SECRET_ARN")
                .containsEntry("LOG_LEVEL", "info");
        String left;
        try {
            left = aws.lambda
                    .getPolicy(r -> r.functionName(fn).qualifier("live"))
                    .policy();
        } catch (software.amazon.awssdk.services.lambda.model.ResourceNotFoundException none) {
            left = "";
        }
        assertThat(left).doesNotContain("secure-api-invoke-" + api);
    }

    @Test
    void aliasOfPublishedVersionWithoutTheVariable_isRefusedBeforeAnyWrite() {
        String api = aws.amplifyApi();
        String fn = Aws.unique("fn");
        String arn = aws.userFunction(fn, Map.of());
        String version = aws.lambda.publishVersion(r -> r.functionName(fn)).version();
        aws.lambda.createAlias(r -> r.functionName(fn).name("prod").functionVersion(version));

        Run run = Run.cli(config(), "setup", "--api-id", api, "--function", arn + ":prod");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        String error =
                run.err.lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        assertThat(error)
                .contains(fn + ":prod")
                .contains("published version " + version)
                .contains("immutable")
                .contains("us-east-1");
        assertThat(run.err).contains("next: set SECRET_ARN=").contains("alias prod");
        assertThat(run.writes()).isEmpty();
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
    }

    @Test
    void publishedVersionThatAlreadyHasTheVariable_isUsedAsIs() {
        String api = aws.amplifyApi();
        String fn = Aws.unique("fn");
        String name = Aws.unique("versioned-secret");
        String secretArn = aws.secrets
                .createSecret(r -> r.name(name).secretString("v".repeat(40)))
                .arn();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SECRET_ARN", secretArn);
        String arn = aws.userFunction(fn, env);
        String version = aws.lambda.publishVersion(r -> r.functionName(fn)).version();
        String qualified = arn + ":" + version;

        Run run = viaProxy("setup", "--api-id", api, "--function", qualified, "--secret-name", name);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.writes()).noneMatch(o -> o.contains("UpdateFunctionConfiguration"));
        assertThat(authorizerUri(api)).endsWith("/functions/" + qualified + "/invocations");
        assertThat(proxy.requestLines()).anyMatch(l -> l.contains("/policy") && l.contains("Qualifier=" + version));
        Run verify = Run.cli(config(), "verify", "--output", "json");
        assertThat(VerifyIT.status(VerifyIT.checks(verify), "function.env"))
                .as(verify.toString())
                .isEqualTo("pass");
    }

    @Test
    void verify_aliasMovedToAPublishedVersionWithoutTheVariable_failsFunctionEnv() {
        String api = aws.amplifyApi();
        String fn = Aws.unique("fn");
        String arn = aws.userFunction(fn, Map.of());
        String old = aws.lambda.publishVersion(r -> r.functionName(fn)).version();
        aws.lambda.createAlias(r -> r.functionName(fn).name("live").functionVersion("$LATEST"));
        assertThat(Run.cli(config(), "setup", "--api-id", api, "--function", arn + ":live").exitCode)
                .isZero();
        assertThat(VerifyIT.status(VerifyIT.checks(Run.cli(config(), "verify", "--output", "json")), "function.env"))
                .isEqualTo("pass");

        aws.lambda.updateAlias(r -> r.functionName(fn).name("live").functionVersion(old));
        Run verify = Run.cli(config(), "verify", "--output", "json");
        assertThat(verify.exitCode).isEqualTo(1);
        var check = VerifyIT.checks(verify).get("function.env");
        assertThat(check.get("status")).isEqualTo("fail");
        assertThat((String) check.get("message"))
                .contains("published version " + old)
                .contains("immutable");
    }
}
