package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flush that ends every key write, through the fault proxy: a step that fails is recorded as a
 * tag on the secret (no new version), verify fails keys.flush-pending while it is there, and
 * running the same command again completes the flush; a busy function (ResourceConflictException,
 * a moved RevisionId) and a throttled reset (429) are waited out.
 */
class CacheFlushIT {
    static final String TAG = "secure-api:flush-pending";
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    String setupWithKey(String name) {
        String api = aws.amplifyApi();
        Run r = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("live.key").toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
        Run add = Run.cli(
                config(),
                "keys",
                "add",
                name,
                "--key-out",
                dir.resolve(name + ".key").toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        return api;
    }

    String secretId(String api) {
        return "secure-api/" + api + "/api-key";
    }

    Map<String, String> tags(String api) {
        Map<String, String> out = new java.util.HashMap<>();
        var t = aws.secrets.describeSecret(r -> r.secretId(secretId(api))).tags();
        if (t != null) t.forEach(x -> out.put(x.key(), x.value()));
        return out;
    }

    long generation(String api) {
        return ((Number) JsonText.parseObject(aws.secrets
                                .getSecretValue(r -> r.secretId(secretId(api)))
                                .secretString())
                        .get("generation"))
                .longValue();
    }

    int versions(String api) {
        return aws.secrets
                .listSecretVersionIds(r -> r.secretId(secretId(api)).includeDeprecated(true))
                .versions()
                .size();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> check(Run run, String id) {
        for (Object o : (List<Object>) JsonText.parseObject(run.out).get("checks")) {
            Map<String, Object> c = (Map<String, Object>) o;
            if (id.equals(c.get("id"))) return c;
        }
        return null;
    }

    @Test
    void aFailedReset_isRecordedOnTheSecret_verifyFails_andTheSameRevokeCompletesIt() throws Exception {
        String api = setupWithKey("partner-a");
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            proxy.fail(FaultProxy.rest("DELETE", "/v2/apis/.*/cache/authorizers"), FaultProxy.Fault.ACCESS_DENIED, -1);
            Run failed = Run.via(proxy.endpoint(), config(), "", false, "keys", "revoke", "partner-a", "--yes");
            assertThat(failed.exitCode).as(failed.toString()).isEqualTo(3);
            assertThat(failed.err)
                    .contains("did not complete")
                    .contains("up to")
                    .contains("API Gateway caches each answer")
                    .contains(TAG)
                    .containsPattern("keys revoke (--config \\S+ )?partner-a --yes again");
        }
        int versionsAfterRevoke = versions(api);
        assertThat(tags(api)).as("recorded without a new secret version").containsKey(TAG);
        assertThat(tags(api).get(TAG)).startsWith(generation(api) + "/");

        Run verify = Run.cli(config(), "verify", "--output", "json");
        assertThat(verify.exitCode).as(verify.toString()).isEqualTo(1);
        assertThat(check(verify, "keys.flush-pending")).containsEntry("status", "fail");

        Run again = Run.cli(config(), "keys", "revoke", "partner-a", "--yes");
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(again.all()).doesNotContain("no key named");
        assertThat(again.err).contains("earlier run left its cache flush unfinished");
        assertThat(again.out).contains("complete").contains("Measured");
        assertThat(again.writes())
                .doesNotContain("SecretsManager.PutSecretValue")
                .contains("Lambda.UpdateFunctionConfiguration", "SecretsManager.UntagResource");
        assertThat(tags(api)).doesNotContainKey(TAG);
        assertThat(versions(api)).isEqualTo(versionsAfterRevoke);
        Run clean = Run.cli(config(), "verify", "--output", "json");
        assertThat(clean.exitCode).as(clean.toString()).isZero();
        assertThat(check(clean, "keys.flush-pending")).isNull();

        // with nothing pending, an unknown name is still exit 2
        Run unknown = Run.cli(config(), "keys", "revoke", "partner-a", "--yes");
        assertThat(unknown.exitCode).isEqualTo(2);
        assertThat(unknown.err).contains("no key named partner-a");
    }

    @Test
    void aFailedFinishFlush_isCompletedByRunningFinishAgain() throws Exception {
        String api = setupWithKey("partner-a");
        Run rotate = Run.cli(
                config(),
                "rotate-key",
                "--key",
                "partner-a",
                "--key-out",
                dir.resolve("new.key").toString());
        assertThat(rotate.exitCode).as(rotate.toString()).isZero();
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            proxy.fail(
                    FaultProxy.rest("PUT", "/2015-03-31/functions/.*/configuration"),
                    FaultProxy.Fault.ACCESS_DENIED,
                    -1);
            Run failed = Run.via(proxy.endpoint(), config(), "", false, "rotate-key", "--finish", "--key", "partner-a");
            assertThat(failed.exitCode).as(failed.toString()).isEqualTo(3);
            assertThat(failed.err)
                    .contains("KEY_CACHE_SECONDS")
                    .containsPattern("rotate-key --finish --key partner-a (--config \\S+ )?again");
        }
        assertThat(tags(api)).containsKey(TAG);
        Run again = Run.cli(config(), "rotate-key", "--finish", "--key", "partner-a");
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(again.all()).contains("earlier run left its cache flush unfinished");
        assertThat(tags(api)).doesNotContainKey(TAG);
        assertThat(aws.lambda
                        .getFunctionConfiguration(x -> x.functionName("secure-api-authorizer-" + api))
                        .environment()
                        .variables())
                .containsEntry("KEY_MIN_GENERATION", String.valueOf(generation(api)));
    }

    @Test
    void aBusyFunctionAndAThrottledReset_areWaitedOut() throws Exception {
        String api = setupWithKey("partner-a");
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            var update = FaultProxy.rest("PUT", "/2015-03-31/functions/.*/configuration");
            // sees every update (never fires): each one names the revision it was read at
            List<String> bodies = new java.util.concurrent.CopyOnWriteArrayList<>();
            proxy.fail(
                    req -> {
                        if (update.test(req))
                            bodies.add(new String(req.body(), java.nio.charset.StandardCharsets.UTF_8));
                        return false;
                    },
                    FaultProxy.Fault.SERVER_ERROR,
                    -1);
            proxy.failWith(
                            update,
                            409,
                            "ResourceConflictException",
                            "The operation cannot be performed at this time. An update is in progress for resource",
                            1)
                    .failWith(
                            update,
                            412,
                            "PreconditionFailedException",
                            "The RevisionId provided does not match the latest RevisionId for the Lambda function",
                            1)
                    // more 429s than the SDK's own retries (3 attempts)
                    .failWith(
                            FaultProxy.rest("DELETE", "/v2/apis/.*/cache/authorizers"),
                            429,
                            "TooManyRequestsException",
                            "Too Many Requests",
                            4);
            Run r = Run.via(
                    proxy.endpoint(), config(), "", false, "keys", "revoke", "partner-a", "--yes", "--output", "json");
            assertThat(r.exitCode).as(r.toString()).isZero();
            assertThat(proxy.faulted()).hasSize(6);
            assertThat(r.operations.stream()
                            .filter("Lambda.UpdateFunctionConfiguration"::equals)
                            .count())
                    .isEqualTo(3);
            @SuppressWarnings("unchecked")
            Map<String, Object> flush =
                    (Map<String, Object>) JsonText.parseObject(r.out).get("flush");
            assertThat(flush)
                    .containsEntry("complete", true)
                    .containsKey("measuredSeconds")
                    .containsKey("worstCaseSecondsIfLastStepFailed")
                    .containsKey("worstCaseReason");
            assertThat(((Number) flush.get("generation")).longValue()).isEqualTo(generation(api));
            assertThat(bodies)
                    .hasSize(3)
                    .allSatisfy(b -> assertThat(b).contains("\"RevisionId\"").contains("KEY_MIN_GENERATION"));
        }
        assertThat(tags(api)).doesNotContainKey(TAG);
    }
}
