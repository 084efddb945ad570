package io.secureapi.it;

import static io.secureapi.it.FaultProxy.op;
import static io.secureapi.it.FaultProxy.rest;
import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.support.Backoff;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.lambda.model.Architecture;

/**
 * What AWS does and moto does not, injected through the fault proxy with AWS's own error codes and
 * messages: IAM propagation, a busy function, a region without arm64, BlockPublicPolicy.
 */
class RealAccountIT {
    static final String CREATE_FUNCTION = "/2015-03-31/functions";
    static final String ADD_PERMISSION = "/2015-03-31/functions/[^/]+/policy";

    final Aws aws = new Aws();
    final FaultProxy proxy = FaultProxy.start(LocalAws.endpoint());

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        proxy.close();
    }

    Run viaProxy(String... args) {
        return Run.via(proxy.endpoint(), dir.resolve("secure-api.json"), "", false, args);
    }

    /** A clock that never waits: time moves forward by exactly what would have been slept. */
    static final class FakeClock implements Backoff.Clock {
        long now;
        final List<Duration> sleeps = new CopyOnWriteArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(Duration d) {
            sleeps.add(d);
            now += d.toNanos();
        }
    }

    Run withFakeClock(FakeClock clock, String... args) throws Exception {
        try (AutoCloseable c = Run.useClock(clock)) {
            return viaProxy(args);
        }
    }

    static String lambdaArn(String name) {
        return "arn:aws:lambda:us-east-1:123456789012:function:" + name;
    }

    // item 8: IAM propagation

    @Test
    void createFunction_retriesEachPropagationMessageTerraformRetries_thenSucceeds() throws Exception {
        proxy.failWith(
                        rest("POST", CREATE_FUNCTION),
                        400,
                        "InvalidParameterValueException",
                        "The role defined for the function cannot be assumed by Lambda.",
                        1)
                .failWith(
                        rest("POST", CREATE_FUNCTION),
                        400,
                        "InvalidParameterValueException",
                        "The provided execution role does not have permissions to call CreateNetworkInterface on EC2",
                        1)
                .failWith(
                        rest("POST", CREATE_FUNCTION),
                        400,
                        "InvalidParameterValueException",
                        "Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant. "
                                + "Please check your KMS key settings. KMS Exception: InvalidArnException KMS Message: ARN does not refer to a valid principal",
                        1);
        FakeClock clock = new FakeClock();
        String api = aws.amplifyApi();
        Run run = withFakeClock(clock, "setup", "--api-id", api);
        assertThat(run.exitCode).as(run + "\n" + proxy.faulted()).isZero();
        assertThat(proxy.faulted()).hasSize(3);
        assertThat(clock.sleeps).hasSize(3);
        assertThat(aws.lambda
                        .getFunction(r -> r.functionName("secure-api-authorizer-" + api))
                        .configuration()
                        .stateAsString())
                .isEqualTo("Active");
        assertThat(run.err).contains("waiting for the new IAM role to reach Lambda");
    }

    @Test
    void createFunction_propagationThatNeverEnds_givesUpAfterFiveMinutes_withAProgressLineAtLeastEvery10s()
            throws Exception {
        proxy.failWith(
                rest("POST", CREATE_FUNCTION),
                400,
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
                -1);
        FakeClock clock = new FakeClock();
        String api = aws.amplifyApi();
        Run run = withFakeClock(clock, "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        assertThat(run.err)
                .contains("creating Lambda function secure-api-authorizer-" + api)
                .contains("cannot be assumed by Lambda");
        long waited = clock.sleeps.stream().mapToLong(Duration::toMillis).sum();
        assertThat(waited)
                .isBetween(
                        Duration.ofMinutes(4).toMillis(), Duration.ofMinutes(5).toMillis());
        assertThat(clock.sleeps).allMatch(d -> d.compareTo(Duration.ofSeconds(10)) < 0);
        long progressLines = run.err
                .lines()
                .filter(l -> l.contains("waiting for the new IAM role to reach Lambda"))
                .count();
        assertThat(progressLines).isEqualTo(clock.sleeps.size());
    }

    @Test
    void createFunction_otherInvalidParameter_isNotRetried() throws Exception {
        proxy.failWith(
                rest("POST", CREATE_FUNCTION),
                400,
                "InvalidParameterValueException",
                "Unzipped size must be smaller than 262144000 bytes",
                -1);
        FakeClock clock = new FakeClock();
        Run run = withFakeClock(clock, "setup", "--api-id", aws.amplifyApi());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        assertThat(clock.sleeps).isEmpty();
        assertThat(proxy.faulted()).hasSize(1);
    }

    @Test
    void secretPolicy_unsupportedPrincipal_isRetriedUntilTheRoleIsValid() throws Exception {
        proxy.failWith(
                op("secretsmanager.PutResourcePolicy"),
                400,
                "MalformedPolicyDocumentException",
                "This resource policy contains an unsupported principal.",
                2);
        FakeClock clock = new FakeClock();
        String api = aws.amplifyApi();
        Run run = withFakeClock(clock, "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(clock.sleeps).hasSize(2);
        String policy = aws.secrets
                .getResourcePolicy(r -> r.secretId("secure-api/" + api + "/api-key"))
                .resourcePolicy();
        assertThat(PolicyText.parse(policy).statement("SecureApiAuthorizerRead"))
                .isPresent();
    }

    @Test
    void secretPolicy_otherMalformedPolicy_failsAtOnceNamingTheStatements() throws Exception {
        String api = aws.amplifyApi();
        String secret = aws.secrets
                .createSecret(r -> r.name("secure-api/" + api + "/api-key").secretString("x".repeat(40)))
                .arn();
        aws.secrets.putResourcePolicy(
                r -> r.secretId(secret)
                        .resourcePolicy(
                                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AuditRead\","
                                        + "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":\"secretsmanager:DescribeSecret\",\"Resource\":\"*\"}]}"));
        proxy.failWith(
                op("secretsmanager.PutResourcePolicy"),
                400,
                "MalformedPolicyDocumentException",
                "Policy statement must contain resources.",
                -1);
        FakeClock clock = new FakeClock();
        Run run = withFakeClock(clock, "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        assertThat(clock.sleeps).as("not a propagation delay: no retry").isEmpty();
        assertThat(proxy.faulted()).hasSize(1);
        String error =
                run.err.lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        assertThat(error)
                .contains("MalformedPolicyDocumentException")
                .contains("SecureApiAuthorizerRead")
                .contains("AuditRead");
    }

    @Test
    void secretPolicy_publicPolicyException_namesTheStatementThatMakesItPublic() {
        String api = aws.amplifyApi();
        String secret = aws.secrets
                .createSecret(r -> r.name("secure-api/" + api + "/api-key").secretString("x".repeat(40)))
                .arn();
        aws.secrets.putResourcePolicy(
                r -> r.secretId(secret)
                        .blockPublicPolicy(false)
                        .resourcePolicy(
                                "{\"Version\":\"2012-10-17\",\"Statement\":["
                                        + "{\"Sid\":\"OpenToAll\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"));
        // AWS refuses a policy with a public statement while BlockPublicPolicy is on (moto does not check).
        proxy.failWith(
                op("secretsmanager.PutResourcePolicy"),
                400,
                "PublicPolicyException",
                "The BlockPublicPolicy parameter is set to true, and the resource policy that you attached grants public access.",
                -1);
        Run run = viaProxy("setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        String error =
                run.err.lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        assertThat(error).contains("PublicPolicyException").contains("OpenToAll");
        assertThat(run.err).contains("next: remove or restrict statement OpenToAll");
    }

    // item 4: the invoke permission exists before any route changes

    @Test
    void addPermission_conflictWhileTheFunctionUpdates_waitsAndRetries_andTheStatementIsReallyThere() {
        proxy.failWith(
                rest("POST", ADD_PERMISSION),
                409,
                "ResourceConflictException",
                "The operation cannot be performed at this time. An update is in progress for resource: "
                        + lambdaArn("x"),
                2);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(proxy.faulted()).hasSize(2);
        String authorizerId =
                aws.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0).authorizerId();
        String policy = aws.lambda
                .getPolicy(r -> r.functionName("secure-api-authorizer-" + api))
                .policy();
        Map<String, Object> st =
                PolicyText.parse(policy).statement("secure-api-invoke-" + api).orElseThrow();
        assertThat(st.get("Condition").toString())
                .contains("arn:aws:execute-api:us-east-1:123456789012:" + api + "/authorizers/" + authorizerId);
        List<String> ops = proxy.operations();
        int firstAdd = ops.indexOf(ops.stream()
                .filter(o -> o.matches("POST " + ADD_PERMISSION))
                .findFirst()
                .orElseThrow());
        assertThat(ops.subList(firstAdd, ops.size()))
                .as("waited for the function (FunctionUpdatedV2) between attempts")
                .contains("GET /2015-03-31/functions/secure-api-authorizer-" + api);
        assertThat(ops.stream().filter(o -> o.matches("POST " + ADD_PERMISSION)))
                .hasSize(3);
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
    }

    @Test
    void addPermission_conflictThatNeverClears_stopsWithExit3BeforeAnyRouteChanges() {
        proxy.failWith(
                rest("POST", ADD_PERMISSION),
                409,
                "ResourceConflictException",
                "The operation cannot be performed at this time. An update is in progress for resource: "
                        + lambdaArn("x"),
                -1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        assertThat(run.err).contains("no route was changed");
        assertThat(aws.route(api, "$default").authorizationTypeAsString())
                .as("the API keeps working as before")
                .isEqualTo("NONE");
        assertThat(proxy.operations()).noneMatch(o -> o.startsWith("PATCH /v2/apis/" + api + "/routes"));
    }

    // item 10: a region without arm64; the newest runtime

    @Test
    void createFunction_inARegionWithoutArm64_fallsBackToX86_andSaysSo() {
        proxy.failWith(
                rest("POST", CREATE_FUNCTION),
                400,
                "InvalidParameterValueException",
                "Architecture \"arm64\" is not supported in us-east-1. Please select \"x86_64\" or remove the Architectures value from your "
                        + "request and try again",
                1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        var fn = aws.lambda
                .getFunction(r -> r.functionName("secure-api-authorizer-" + api))
                .configuration();
        assertThat(fn.architectures()).containsExactly(Architecture.X86_64);
        assertThat(run.err).contains("no arm64 in us-east-1").contains("x86_64");
    }

    @Test
    void createFunction_elsewhere_isArm64() {
        String api = aws.amplifyApi();
        Run run = Run.cli(dir.resolve("secure-api.json"), "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(aws.lambda
                        .getFunction(r -> r.functionName("secure-api-authorizer-" + api))
                        .configuration()
                        .architectures())
                .containsExactly(Architecture.ARM64);
    }

    @Test
    void setup_upgradesAnExistingBundledFunctionToTheNewestNodeRuntime() {
        String api = aws.amplifyApi();
        Path config = dir.resolve("secure-api.json");
        assertThat(Run.cli(config, "setup", "--api-id", api).exitCode).isZero();
        String fn = "secure-api-authorizer-" + api;
        aws.lambda.updateFunctionConfiguration(r -> r.functionName(fn).runtime("nodejs22.x"));

        Run plan = Run.cli(config, "setup", "--api-id", api, "--dry-run");
        assertThat(plan.all()).contains("runtime nodejs22.x → nodejs24.x");
        Run run = Run.cli(config, "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(aws.lambda
                        .getFunction(r -> r.functionName(fn))
                        .configuration()
                        .runtimeAsString())
                .isEqualTo("nodejs24.x");
        assertThat(Run.cli(config, "setup", "--api-id", api).writes())
                .as("converged")
                .isEmpty();
    }
}
