package io.secureapi.it;

import static io.secureapi.it.FaultProxy.Fault.ACCESS_DENIED;
import static io.secureapi.it.FaultProxy.op;
import static io.secureapi.it.FaultProxy.rest;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * setup's apply: each write starts as soon as what it needs is in place (the authorizer does not
 * wait for the secret; the function's variables, the secret's policy and KMS access wait only for
 * the secret), and the read-backs reuse answers AWS already gave after the write. Everything is
 * still checked and read back from AWS here.
 */
class SetupSpeedIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    /** Bounded poll: whether the proxy has seen {@code operation} within {@code seconds}. */
    static boolean sentWithin(FaultProxy proxy, String operation, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!proxy.operations().contains(operation) && System.nanoTime() < deadline) Thread.sleep(20);
        return proxy.operations().contains(operation);
    }

    @Test
    void setup_createsTheAuthorizerWhileTheFunctionUpdates() throws Exception {
        String api = aws.amplifyApi();
        String fn = Aws.unique("own-authorizer");
        aws.userFunction(fn, Map.of("LOG_LEVEL", "debug"));
        String authorizers = "/v2/apis/" + api + "/authorizers";
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            // hold the function's update until the authorizer is created: one at a time, it never is
            CountDownLatch release = new CountDownLatch(1);
            proxy.hold(rest("PUT", "/2015-03-31/functions/[^/]+/configuration"), false, release);
            java.util.concurrent.CompletableFuture<Run> running = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> Run.via(proxy.endpoint(), config(), "", false, "setup", "--api-id", api, "--function", fn));
            boolean overlapped = sentWithin(proxy, "POST " + authorizers, 10);
            release.countDown();
            Run run = running.get(120, TimeUnit.SECONDS);
            assertThat(run.exitCode).as(run.toString()).isZero();
            assertThat(overlapped)
                    .as("CreateAuthorizer was sent while UpdateFunctionConfiguration was in flight")
                    .isTrue();
            // what the concurrent writes report comes out in plan order, as one by one
            assertThat(run.err.indexOf("create env var"))
                    .as(run.err)
                    .isLessThan(run.err.indexOf("create secret policy"));
            assertThat(run.err.indexOf("create secret policy")).isLessThan(run.err.indexOf("create authorizer"));
            // read-backs: the list settle reads stands for another read; each write's own answer stands
            // for reading it again: CreateSecret's (no DescribeSecret after it), AddPermission's statement
            // (no GetPolicy around it), UpdateFunctionConfiguration's (written with the RevisionId the
            // first read saw, so no GetFunctionConfiguration before it; answered Successful, so no
            // waiter GetFunction after it)
            assertThat(run.operations).filteredOn("Lambda.GetFunction"::equals).hasSize(1);
            assertThat(run.operations)
                    .filteredOn("SecretsManager.DescribeSecret"::equals)
                    .hasSize(1);
            assertThat(run.operations).filteredOn("Lambda.GetPolicy"::equals).hasSize(1);
            assertThat(run.operations).doesNotContain("ApiGatewayV2.GetAuthorizer", "Lambda.GetFunctionConfiguration");
        }
        // the merged run: the config and AWS agree on every piece
        String secretArn = aws.secretArn(api);
        assertThat(aws.env(fn)).containsEntry("SECRET_ARN", secretArn).containsEntry("LOG_LEVEL", "debug");
        String authorizer =
                aws.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0).authorizerId();
        assertThat(aws.route(api, "$default").authorizerId()).isEqualTo(authorizer);
        assertThat(aws.secrets.getResourcePolicy(r -> r.secretId(secretArn)).resourcePolicy())
                .contains("secretsmanager:GetSecretValue");
        assertThat(java.nio.file.Files.readString(config()))
                .contains("\"" + authorizer + "\"")
                .contains(secretArn);
        Run again = Run.cli(config(), "setup", "--api-id", api, "--function", fn);
        assertThat(again.writes()).as(again.toString()).isEmpty();
    }

    @Test
    void setup_makesTheAuthorizerWhileTheSecretIsCreated_andKeepsAVariableAddedMeanwhile() throws Exception {
        String api = aws.amplifyApi();
        String fn = Aws.unique("own-authorizer");
        aws.userFunction(fn, Map.of("LOG_LEVEL", "debug"));
        String authorizers = "POST /v2/apis/" + api + "/authorizers";
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch held = proxy.hold(op("secretsmanager.CreateSecret"), false, release);
            java.util.concurrent.CompletableFuture<Run> running = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> Run.via(proxy.endpoint(), config(), "", false, "setup", "--api-id", api, "--function", fn));
            assertThat(held.await(60, TimeUnit.SECONDS)).isTrue();
            // the authorizer is created while CreateSecret is still held
            boolean overlapped = sentWithin(proxy, authorizers, 30);
            // someone changes the function after setup read it and before setup writes SECRET_ARN
            aws.lambda.updateFunctionConfiguration(r -> r.functionName(fn)
                    .environment(e -> e.variables(Map.of("LOG_LEVEL", "debug", "ADDED_MEANWHILE", "1"))));
            release.countDown();
            Run run = running.get(120, TimeUnit.SECONDS);
            assertThat(run.exitCode).as(run.toString()).isZero();
            assertThat(overlapped)
                    .as("CreateAuthorizer was sent while CreateSecret was held: " + proxy.operations())
                    .isTrue();
            // the write with the RevisionId setup read was refused; the function as it is now was read and merged
            assertThat(run.operations).contains("Lambda.GetFunctionConfiguration");
        }
        String secretArn = aws.secretArn(api);
        assertThat(aws.env(fn))
                .containsEntry("SECRET_ARN", secretArn)
                .containsEntry("LOG_LEVEL", "debug")
                .containsEntry("ADDED_MEANWHILE", "1");
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
    }

    @Test
    void setup_aFailedWrite_letsTheOthersFinishAndSwitchesNoRoute() {
        String api = aws.amplifyApi();
        String fn = Aws.unique("own-authorizer");
        aws.userFunction(fn, Map.of());
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())
                .fail(rest("POST", "/v2/apis/[^/]+/authorizers"), ACCESS_DENIED, -1)) {
            Run run = Run.via(proxy.endpoint(), config(), "", false, "setup", "--api-id", api, "--function", fn);
            assertThat(run.exitCode).as(run.toString()).isNotZero();
            assertThat(run.err).contains("creating authorizer");
        }
        String secretArn = aws.secretArn(api);
        assertThat(aws.env(fn))
                .as("the function's variables were written all the same")
                .containsEntry("SECRET_ARN", secretArn);
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("NONE");
        // the rerun finishes what is left
        Run rerun = Run.cli(config(), "setup", "--api-id", api, "--function", fn);
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
    }
}
