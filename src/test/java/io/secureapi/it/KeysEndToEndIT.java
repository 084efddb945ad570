package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled authorizer (unmodified, through the local gateway harness) against secrets that
 * setup and keys wrote in the emulator: every key works and is named, a revoked key is refused,
 * and a legacy plaintext secret keeps every key working across the upgrade.
 */
class KeysEndToEndIT {
    final Aws aws = new Aws();
    final HttpClient http = HttpClient.newHttpClient();
    final Gateways gateways = new Gateways();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    @AfterEach
    void stop() throws Exception {
        gateways.stopAll();
    }

    /** The harness with no key cache in the function, so each request reads the secret as it is now. */
    String gateway(String secretArn) throws IOException {
        return gateway(secretArn, Map.of("KEY_CACHE_SECONDS", "0"));
    }

    /**
     * The harness as API Gateway in front of the bundled function of {@code api}: answers cached for
     * 300 s, emptied by a ResetAuthorizersCache of its stage, and a fresh handler (with the function's
     * environment) whenever the function's configuration changes. The function keeps its key set as
     * configured (60 s by default): only the flush can make a change visible at once.
     */
    String cachingGateway(String secretArn, String api) throws IOException {
        return gateways.start(dir, secretArn, Gateways.caching(api));
    }

    String gateway(String secretArn, Map<String, String> extra) throws IOException {
        return gateways.start(dir, secretArn, extra);
    }

    HttpResponse<String> call(String url, String key) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url + "/items"))
                        .header("Authorization", key)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    String keyName(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (String) ((Map<String, Object>) JsonText.parseObject(r.body()).get("authorizer")).get("keyName");
    }

    String read(String file) throws IOException {
        return Files.readString(dir.resolve(file)).strip();
    }

    @Test
    void keysFromSetupAndKeysAdd_workAndAreNamed_aRevokedOneIsRefused() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--dev-key",
                "--key-out",
                dir.resolve("setup.keys").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        Run add = Run.cli(
                config(),
                "keys",
                "add",
                "partner-a",
                "--expires",
                "30d",
                "--key-out",
                dir.resolve("a.key").toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        List<String> setupKeys = Files.readAllLines(dir.resolve("setup.keys"));
        String partner = read("a.key");
        String secretArn = (String) Aws.configEntry(config()).get("secretArn");
        for (String v :
                List.of(aws.secrets.getSecretValue(r -> r.secretId(secretArn)).secretString())) {
            assertThat(v)
                    .doesNotContain(setupKeys.get(0))
                    .doesNotContain(setupKeys.get(1))
                    .doesNotContain(partner);
        }

        String url = gateway(secretArn);
        assertThat(keyName(call(url, setupKeys.get(0)))).isEqualTo("live");
        assertThat(keyName(call(url, "Bearer " + setupKeys.get(1)))).isEqualTo("dev");
        assertThat(keyName(call(url, partner))).isEqualTo("partner-a");
        // a typo in a generated key: refused (by its checksum)
        String typo = partner.substring(0, partner.length() - 1) + (partner.endsWith("A") ? "B" : "A");
        assertThat(call(url, typo).statusCode()).isEqualTo(403);

        Run revoke = Run.cli(config(), "keys", "revoke", "partner-a", "--yes");
        assertThat(revoke.exitCode).as(revoke.toString()).isZero();
        assertThat(call(url, partner).statusCode()).isEqualTo(403);
        assertThat(keyName(call(url, setupKeys.get(0)))).isEqualTo("live");
    }

    /** Expiries at the edges, written by the Java side and read by the unmodified authorizer; beyond them exit 2. */
    @Test
    void expiriesUpTo9999_12_31_workInTheAuthorizer_laterOnesAreTooFar() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("live.key").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        // the last day there is, and the most days that still end by then
        long days = java.time.Duration.between(java.time.Instant.now(), java.time.Instant.parse("9999-12-31T23:59:59Z"))
                        .toDays()
                - 1;
        Map<String, String> expiries = new java.util.LinkedHashMap<>();
        expiries.put("last-day", "9999-12-31");
        expiries.put("most-days", days + "d");
        expiries.put("one-day", "1d");
        expiries.put("leap", "2028-02-29");
        for (Map.Entry<String, String> e : expiries.entrySet()) {
            Run add = Run.cli(
                    config(),
                    "keys",
                    "add",
                    e.getKey(),
                    "--expires",
                    e.getValue(),
                    "--key-out",
                    dir.resolve(e.getKey() + ".key").toString());
            assertThat(add.exitCode).as(add.toString()).isZero();
        }
        for (String tooFar :
                List.of("+10000-01-01", "10000-01-01", (days + 2) + "d", "10000000d", "99999999999999999999d")) {
            Run refused = Run.cli(config(), "keys", "add", "far", "--expires", tooFar);
            assertThat(refused.exitCode).as(tooFar + ": " + refused).isEqualTo(2);
            assertThat(refused.err).contains("too far").contains("9999-12-31");
            assertThat(refused.writes()).as(tooFar).isEmpty();
        }
        String secretArn = (String) Aws.configEntry(config()).get("secretArn");
        assertThat(aws.secrets.getSecretValue(r -> r.secretId(secretArn)).secretString())
                .contains("\"9999-12-31T23:59:59Z\"");
        String url = gateway(secretArn);
        assertThat(keyName(call(url, read("live.key")))).isEqualTo("live");
        for (String name : expiries.keySet())
            assertThat(keyName(call(url, read(name + ".key")))).isEqualTo(name);
    }

    @Test
    void atA300sCache_anAddedKeyWorksAtOnce_evenAfterItsDenyWasCached() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("live.key").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        String live = read("live.key");
        String secretArn = (String) Aws.configEntry(config()).get("secretArn");
        String url = cachingGateway(secretArn, api);
        assertThat(keyName(call(url, live))).isEqualTo("live");

        // a consumer tries the key before it is stored: API Gateway caches that deny for 300 s
        String early = io.secureapi.keys.ApiKey.generate("partner-a").reveal();
        Files.writeString(dir.resolve("early.key"), early + "\n");
        assertThat(call(url, early).statusCode()).isEqualTo(403);
        Run add = Run.cli(
                config(),
                "keys",
                "add",
                "partner-a",
                "--key-file",
                dir.resolve("early.key").toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        assertThat(add.out).contains("Caches emptied").contains("Measured").contains("Worst case");
        assertThat(keyName(call(url, early)))
                .as("the first request after the add")
                .isEqualTo("partner-a");

        // a generated key: its first request is accepted
        Run gen = Run.cli(
                config(),
                "keys",
                "add",
                "partner-b",
                "--key-out",
                dir.resolve("b.key").toString());
        assertThat(gen.exitCode).as(gen.toString()).isZero();
        assertThat(keyName(call(url, read("b.key")))).isEqualTo("partner-b");
        assertThat(keyName(call(url, live))).isEqualTo("live");
        assertThat(aws.lambda
                        .getFunctionConfiguration(x -> x.functionName("secure-api-authorizer-" + api))
                        .environment()
                        .variables())
                .as("the flush passes the generation just written, keeping the other variables")
                .containsEntry("KEY_MIN_GENERATION", String.valueOf(generation(secretArn)))
                .containsKey("SECRET_ARN");
    }

    long generation(String secretArn) {
        Object g = JsonText.parseObject(
                        aws.secrets.getSecretValue(r -> r.secretId(secretArn)).secretString())
                .get("generation");
        return ((Number) g).longValue();
    }

    @Test
    void atA300sCache_aRotatedKeyWorksAtOnce_theOldOneUntilFinish_thenItIsRefused() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("live.key").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        String old = read("live.key");
        String secretArn = (String) Aws.configEntry(config()).get("secretArn");
        String url = cachingGateway(secretArn, api);
        assertThat(keyName(call(url, old))).isEqualTo("live");
        String next = io.secureapi.keys.ApiKey.generate("live").reveal();
        Files.writeString(dir.resolve("next.key"), next + "\n");
        assertThat(call(url, next).statusCode())
                .as("tried early: a cached deny")
                .isEqualTo(403);

        Run rotate = Run.cli(
                config(), "rotate-key", "--key-file", dir.resolve("next.key").toString());
        assertThat(rotate.exitCode).as(rotate.toString()).isZero();
        // the step the tool prints next, done as printed: calls work with the new key, at once
        assertThat(rotate.out).contains("2. Check that calls to the API work with the new key.");
        assertThat(keyName(call(url, next))).isEqualTo("live");
        assertThat(keyName(call(url, old))).as("the old key until --finish").isEqualTo("live");

        Run gen = Run.cli(config(), "rotate-key", "--key", "live", "--finish");
        assertThat(gen.exitCode).as(gen.toString()).isZero();
        assertThat(call(url, old).statusCode())
                .as("refused once --finish is done")
                .isEqualTo(403);
        assertThat(keyName(call(url, next))).isEqualTo("live");

        // a generated key, shown once: its first request is accepted too
        Run again = Run.cli(
                config(), "rotate-key", "--key-out", dir.resolve("third.key").toString());
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(keyName(call(url, read("third.key")))).isEqualTo("live");
    }

    @Test
    void aLegacyPlaintextSecretMidRotation_keepsEveryKeyWorkingAcrossTheUpgrade() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("setup.keys").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        String secretArn = (String) Aws.configEntry(config()).get("secretArn");
        String oldLive = "old-live-key-0123456789abcdef0123456789ABCDEF";
        String live = "cur-live-key-0123456789abcdef0123456789ABCDEF";
        // what an earlier secure-api left: plaintext, mid-rotation
        aws.secrets.putSecretValue(r -> r.secretId(secretArn).secretString("{\"live\":\"" + oldLive + "\"}"));
        aws.secrets.putSecretValue(r -> r.secretId(secretArn).secretString("{\"live\":\"" + live + "\"}"));
        String url = gateway(secretArn);
        assertThat(keyName(call(url, live))).isEqualTo("live");
        assertThat(keyName(call(url, oldLive))).isEqualTo("live");

        Run upgrade = Run.cli(config(), "setup");
        assertThat(upgrade.exitCode).as(upgrade.toString()).isZero();
        assertThat(aws.secrets.getSecretValue(r -> r.secretId(secretArn)).secretString())
                .contains("secure-api-digests")
                .doesNotContain(live)
                .doesNotContain(oldLive);
        assertThat(keyName(call(url, live))).isEqualTo("live");
        assertThat(keyName(call(url, oldLive)))
                .as("the unfinished rotation's old key still works")
                .isEqualTo("live");

        Run finish = Run.cli(config(), "rotate-key", "--finish");
        assertThat(finish.exitCode).as(finish.toString()).isZero();
        assertThat(call(url, oldLive).statusCode()).isEqualTo(403);
        assertThat(keyName(call(url, live))).isEqualTo("live");
    }
}
