package io.secureapi.it;

import static io.secureapi.it.FaultProxy.Fault.LOST_RESPONSE;
import static io.secureapi.it.FaultProxy.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compare-and-set that took effect but whose answer was lost: the fault proxy forwards
 * UpdateSecretVersionStage, then resets the connection; the SDK resends it, and the resent call
 * fails because AWSCURRENT already moved. Each command reads the secret back, finds AWSCURRENT on
 * the version it wrote, and finishes as if the answer had arrived: exit 0, the new key shown
 * exactly once and working, no write-ahead record left, a revocation flushed.
 */
class WriteJudgedIT {
    static final Pattern GENERATED = Pattern.compile("sak_[a-z0-9][a-z0-9-]{0,31}_[0-9A-Za-z]{49}");
    static final String MOVE = "secretsmanager.UpdateSecretVersionStage";

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

    Path pending() {
        return dir.resolve("secure-api.json.pending");
    }

    Run viaProxy(String... args) {
        return Run.via(proxy.endpoint(), config(), "", false, args);
    }

    String current(String api) {
        return aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
    }

    String setupBundled() {
        return Run.setUpFresh(aws, config(), dir.resolve("live.key"));
    }

    /** The one generated key in the output; fails when there is none or it appears twice. */
    static String shownOnce(Run r) {
        Matcher m = GENERATED.matcher(r.out);
        assertThat(m.find()).as("a generated key in\n" + r).isTrue();
        String k = m.group();
        assertThat(r.out.indexOf(k, m.end())).as("shown once: " + r).isEqualTo(-1);
        assertThat(r.err).doesNotContain(k);
        return k;
    }

    void assertAnswerWasLostAndJudged(Run r) {
        assertThat(r.exitCode).as(r + "\nfaults: " + proxy.faulted()).isZero();
        assertThat(proxy.faulted()).as("the fault fired").hasSize(1);
        assertThat(r.operations).as("read back after the resent call failed").contains("SecretsManager.DescribeSecret");
        assertThat(pending()).as("no write-ahead record left").doesNotExist();
    }

    @Test
    void keysAdd_lostAnswerOfTheCompareAndSet_showsTheKeyOnce_andItIsStored() {
        String api = setupBundled();
        proxy.fail(op(MOVE), LOST_RESPONSE, 1);
        Run r = viaProxy("keys", "add", "partner-a");
        assertAnswerWasLostAndJudged(r);
        String key = shownOnce(r);
        assertThat(Digests.isCurrent(current(api), "partner-a", key)).isTrue();
        Run again = Run.cli(config(), "keys", "list");
        assertThat(again.out).as("no earlier key handed over again").doesNotContain(key);
    }

    @Test
    void keysRevoke_lostAnswerOfTheCompareAndSet_stillFlushes() {
        String api = setupBundled();
        Run add = Run.cli(config(), "keys", "add", "partner-a");
        String key = shownOnce(add);
        proxy.fail(op(MOVE), LOST_RESPONSE, 1);
        Run r = viaProxy("keys", "revoke", "partner-a", "--yes");
        assertAnswerWasLostAndJudged(r);
        assertThat(r.out).contains("Done: key partner-a is revoked").contains("Caches emptied");
        assertThat(r.writes()).contains("ApiGatewayV2.ResetAuthorizersCache");
        assertThat(Digests.keys(current(api))).doesNotContainKey("partner-a");
        assertThat(current(api))
                .doesNotContain(Digests.hmac((String) Digests.doc(current(api)).get("salt"), key));
    }

    @Test
    void rotateKey_digests_lostAnswer_showsTheNewKeyOnce_andFinishRevokesTheOldOne() throws Exception {
        String api = setupBundled();
        String old = Files.readString(dir.resolve("live.key")).strip();
        proxy.fail(op(MOVE), LOST_RESPONSE, 1);
        Run r = viaProxy("rotate-key");
        assertAnswerWasLostAndJudged(r);
        String key = shownOnce(r);
        assertThat(Digests.isCurrent(current(api), "live", key)).isTrue();
        assertThat(Digests.isRetiring(current(api), "live", old)).isTrue();

        proxy.fail(op(MOVE), LOST_RESPONSE, 1);
        Run finish = viaProxy("rotate-key", "--finish");
        assertThat(finish.exitCode).as(finish + "\nfaults: " + proxy.faulted()).isZero();
        assertThat(proxy.faulted()).hasSize(2);
        assertThat(finish.out).contains("is revoked").contains("Caches emptied");
        assertThat(finish.writes()).contains("ApiGatewayV2.ResetAuthorizersCache");
        assertThat(Digests.isCurrent(current(api), "live", key)).isTrue();
        assertThat(Digests.isRetiring(current(api), "live", old)).isFalse();
    }

    @Test
    void rotateKey_userFunction_lostAnswer_handsTheKeyOverOnce_andKeepsNoRecord() {
        String api = aws.amplifyApi();
        String fn = Aws.unique("my-authorizer");
        aws.userFunction(fn, Map.of());
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
        proxy.fail(op(MOVE), LOST_RESPONSE, 1);
        Run r = viaProxy("rotate-key");
        assertAnswerWasLostAndJudged(r);
        String key = shownOnce(r);
        assertThat(current(api)).as("the plain-string key shown is AWSCURRENT").isEqualTo(key);
    }
}
