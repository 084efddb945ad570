package io.secureapi.it;

import static io.secureapi.it.FaultProxy.Fault.ACCESS_DENIED;
import static io.secureapi.it.FaultProxy.Fault.LOST_RESPONSE;
import static io.secureapi.it.FaultProxy.Fault.RESET;
import static io.secureapi.it.FaultProxy.Fault.SERVER_ERROR;
import static io.secureapi.it.FaultProxy.Fault.THROTTLE;
import static io.secureapi.it.FaultProxy.op;
import static io.secureapi.it.FaultProxy.rest;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults between the tool and AWS (exit 3): transient ones are retried (SDK standard mode), a
 * persistent one stops with one line naming the step and exit 3, and a rerun then completes.
 */
class FaultIT {
    static final String AUTHORIZERS = "/v2/apis/[^/]+/authorizers";
    static final String ROUTE = "/v2/apis/[^/]+/routes/[^/]+";

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

    static void assertOneLineError(Run run, String... mentions) {
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        List<String> errors =
                run.err.lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).as(run.toString()).hasSize(1);
        assertThat(run.err).as("no stack trace without --verbose").doesNotContain("\tat ");
        assertThat(run.err).contains("  next: ");
        for (String m : mentions) assertThat(errors.get(0)).contains(m);
    }

    void assertConverged(String api) {
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).hasSize(1);
        String authorizerId =
                aws.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0).authorizerId();
        assertThat(aws.route(api, "$default").authorizerId()).isEqualTo(authorizerId);
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
        Run again = Run.cli(config(), "setup", "--api-id", api);
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(again.writes())
                .as("converged: a rerun writes nothing " + again)
                .isEmpty();
    }

    @Test
    void setup_throughTransientThrottlingErrorsAndResetsOnEveryWriteStep_succeeds() {
        proxy.fail(op("secretsmanager.CreateSecret"), THROTTLE, 2)
                .fail(op("CreateRole"), THROTTLE, 1)
                .fail(op("PutRolePolicy"), SERVER_ERROR, 2)
                .fail(rest("POST", "/2015-03-31/functions"), RESET, 2)
                .fail(op("secretsmanager.PutResourcePolicy"), RESET, 1)
                .fail(rest("POST", AUTHORIZERS), SERVER_ERROR, 2)
                .fail(rest("POST", "/2015-03-31/functions/[^/]+/policy"), THROTTLE, 2)
                .fail(rest("PATCH", ROUTE), RESET, 2)
                .fail(rest("GET", "/v2/apis/[^/]+"), SERVER_ERROR, 1)
                .fail(op("GetCallerIdentity"), THROTTLE, 1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertThat(run.exitCode).as(run + "\nfaults: " + proxy.faulted()).isZero();
        assertThat(proxy.faulted()).hasSize(16);
        String key = SetupIT.keyFrom(run.out);
        var value = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        assertThat(Digests.isCurrent(value, "live", key)).isTrue();
        assertConverged(api);
    }

    @Test
    void setup_persistentServerErrorOnCreateAuthorizer_isExit3NamingTheStep_andARerunCompletes() {
        proxy.fail(rest("POST", AUTHORIZERS), SERVER_ERROR, -1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertOneLineError(run, "creating authorizer secure-api-key on API " + api + " (us-east-1)", "InternalFailure");
        assertThat(proxy.faulted())
                .as("retried by the SDK: standard mode, 10 attempts for API Gateway")
                .hasSize(10);
        assertThat(run.out)
                .as("the key stored before the failure is still handed over")
                .contains("Key value:");
        String key = run.out
                .lines()
                .filter(l -> l.contains("Key value:"))
                .findFirst()
                .orElseThrow()
                .replaceFirst(".*Key value:\\s*", "");

        Run rerun = Run.cli(config(), "setup", "--api-id", api);
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(rerun.out).doesNotContain(key);
        var value = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        assertThat(Digests.isCurrent(value, "live", key)).isTrue();
        assertConverged(api);
    }

    @Test
    void setup_persistentThrottling_isExit3SayingThrottledPastRetries() {
        proxy.fail(op("secretsmanager.CreateSecret"), THROTTLE, -1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertOneLineError(run, "creating secret secure-api/" + api + "/api-key", "throttled by AWS past retries");
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
    }

    @Test
    void setup_persistentConnectionResets_isExit3NamingTheStep() {
        proxy.fail(rest("PATCH", ROUTE), RESET, -1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertOneLineError(run, "protecting route \"$default\" of API " + api);
        Run rerun = Run.cli(config(), "setup", "--api-id", api);
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertConverged(api);
    }

    @Test
    void accessDenied_onSecretsManager_namesTheMissingActionAndTheOperatorPolicy() {
        proxy.fail(op("secretsmanager.CreateSecret"), ACCESS_DENIED, -1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertOneLineError(run, "AccessDeniedException", "secretsmanager:CreateSecret");
        assertThat(run.err).contains("policies/operator-setup.json");
        assertThat(proxy.faulted()).as("AccessDenied is not retried").hasSize(1);
    }

    @Test
    void accessDenied_onApiGateway_namesTheVerbAndPath() {
        proxy.fail(rest("POST", AUTHORIZERS), ACCESS_DENIED, -1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertOneLineError(run, "apigateway:POST on /apis/" + api + "/authorizers");
        assertThat(run.err).contains("policies/operator-");
    }

    @Test
    void accessDenied_onIam_namesTheMissingAction() {
        proxy.fail(op("CreateRole"), ACCESS_DENIED, -1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertOneLineError(run, "AccessDenied", "iam:CreateRole");
    }

    @Test
    void lostResponses_onCreates_leaveNoDuplicates() {
        // Each create takes effect but its answer is lost; the SDK retries it.
        proxy.fail(op("secretsmanager.CreateSecret"), LOST_RESPONSE, 1)
                .fail(op("CreateRole"), LOST_RESPONSE, 1)
                .fail(rest("POST", "/2015-03-31/functions"), LOST_RESPONSE, 1)
                .fail(rest("POST", AUTHORIZERS), LOST_RESPONSE, 1);
        String api = aws.amplifyApi();
        Run run = viaProxy("setup", "--api-id", api);
        assertThat(run.exitCode).as(run + "\nfaults: " + proxy.faulted()).isZero();
        assertThat(proxy.faulted()).hasSize(4);
        assertThat(run.err)
                .as("the retried CreateAuthorizer made a second one, settled to one")
                .contains("created at the same time");
        String key = SetupIT.keyFrom(run.out);
        var value = aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
        assertThat(Digests.isCurrent(value, "live", key))
                .as("the key shown is the key stored")
                .isTrue();
        assertThat(aws.secrets
                        .listSecretVersionIds(r -> r.secretId("secure-api/" + api + "/api-key"))
                        .versions())
                .hasSize(1);
        assertConverged(api);
    }

    @Test
    void teardown_throughTransientFaults_succeeds_andAfterAPersistentOneARerunCompletes() {
        String api = aws.amplifyApi();
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();
        proxy.fail(rest("PATCH", ROUTE), THROTTLE, 2)
                .fail(rest("DELETE", AUTHORIZERS + "/[^/]+"), SERVER_ERROR, -1)
                .fail(op("secretsmanager.DeleteResourcePolicy"), RESET, 2);
        Run failed = viaProxy("teardown", "--yes");
        assertOneLineError(failed, "deleting authorizer", api);
        assertThat(aws.route(api, "$default").authorizationTypeAsString())
                .as("routes came first")
                .isEqualTo("NONE");

        FaultProxy flaky = FaultProxy.start(LocalAws.endpoint())
                .fail(rest("DELETE", AUTHORIZERS + "/[^/]+"), SERVER_ERROR, 2)
                .fail(op("secretsmanager.DeleteResourcePolicy"), RESET, 2)
                .fail(op("DeleteRole"), THROTTLE, 2)
                .fail(rest("DELETE", "/2015-03-31/functions/[^/]+"), RESET, 1)
                .fail(op("secretsmanager.DeleteSecret"), SERVER_ERROR, 2);
        try (flaky) {
            Run rerun = Run.via(flaky.endpoint(), config(), "", false, "teardown", "--yes");
            assertThat(rerun.exitCode)
                    .as(rerun + "\nfaults: " + flaky.faulted())
                    .isZero();
            assertThat(flaky.faulted()).hasSize(9);
        }
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
        assertThat(aws.secrets
                        .describeSecret(r -> r.secretId("secure-api/" + api + "/api-key"))
                        .deletedDate())
                .isNotNull();
        Run again = Run.cli(config(), "teardown", "--yes");
        assertThat(again.writes()).as(again.toString()).isEmpty();
    }
}
