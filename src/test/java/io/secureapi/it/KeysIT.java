package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keys add / list / revoke against the emulator, reading the secret back through the SDK. */
class KeysIT {
    static final Pattern GENERATED = Pattern.compile("sak_[a-z0-9][a-z0-9-]{0,31}_[0-9A-Za-z]{49}");
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    String setup(String... extra) throws Exception {
        String api = aws.amplifyApi();
        List<String> args = new ArrayList<>(List.of(
                "setup", "--api-id", api, "--key-out", dir.resolve("live.key").toString()));
        args.addAll(List.of(extra));
        Run r = Run.cli(config(), args.toArray(String[]::new));
        assertThat(r.exitCode).as(r.toString()).isZero();
        return api;
    }

    String secretId(String api) {
        return "secure-api/" + api + "/api-key";
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> current(String api) {
        return JsonText.parseObject(aws.secrets
                .getSecretValue(r -> r.secretId(secretId(api)).versionStage("AWSCURRENT"))
                .secretString());
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> entry(String api, String name) {
        return (Map<String, Object>) ((Map<String, Object>) current(api).get("keys")).get(name);
    }

    /** HMAC-SHA-256 of the key under the secret's salt, computed here, not by the tool. */
    static String hmac(String saltHex, String key) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(HexFormat.of().parseHex(saltHex), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** Every string value of every version of the secret. */
    List<String> allVersions(String api) {
        List<String> out = new ArrayList<>();
        for (var v : aws.secrets
                .listSecretVersionIds(r -> r.secretId(secretId(api)).includeDeprecated(true))
                .versions()) {
            out.add(aws.secrets
                    .getSecretValue(r -> r.secretId(secretId(api)).versionId(v.versionId()))
                    .secretString());
        }
        return out;
    }

    static String shownKey(Run r) {
        Matcher m = GENERATED.matcher(r.out);
        assertThat(m.find()).as("a generated key in\n" + r).isTrue();
        String k = m.group();
        assertThat(r.out.indexOf(k, m.end())).as("shown once").isEqualTo(-1);
        return k;
    }

    @Test
    void add_storesOnlyTheDigestAndShowsTheKeyOnce() throws Exception {
        String api = setup();
        String live = Files.readString(dir.resolve("live.key")).strip();
        Run r = Run.cli(config(), "keys", "add", "partner-a");
        assertThat(r.exitCode).as(r.toString()).isZero();
        String key = shownKey(r);
        assertThat(key).startsWith("sak_partner-a_");
        assertThat(r.err).doesNotContain(key);
        // then the same flush as revoke: a deny cached before the write does not outlive it
        assertThat(r.writes())
                .containsExactly(
                        // the flush it needs recorded first (a tag), so even a killed run leaves it for verify and a
                        // rerun
                        "SecretsManager.TagResource",
                        "SecretsManager.PutSecretValue",
                        "SecretsManager.UpdateSecretVersionStage",
                        "Lambda.UpdateFunctionConfiguration",
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "SecretsManager.UntagResource");

        Map<String, Object> doc = current(api);
        assertThat(doc).containsEntry("format", "secure-api-digests").containsEntry("version", 1L);
        String salt = (String) doc.get("salt");
        assertThat(entry(api, "partner-a"))
                .containsEntry("digest", hmac(salt, key))
                .containsEntry("expires", null)
                .containsEntry("retiring", null);
        assertThat(entry(api, "live")).containsEntry("digest", hmac(salt, live));
        for (String v : allVersions(api)) assertThat(v).doesNotContain(key).doesNotContain(live);
        assertThat(Files.readString(config())).doesNotContain(key);
    }

    @Test
    void add_liveOrDev_showsTheBubbleSetting_andKeyOutIs0600() throws Exception {
        String api = setup();
        Run revoke = Run.cli(config(), "keys", "list", "--output", "json");
        assertThat(revoke.exitCode).as(revoke.toString()).isZero();
        Path out = dir.resolve("dev.key");
        Run r = Run.cli(config(), "keys", "add", "dev", "--key-out", out.toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(r.out).contains("Development key value:").contains("(written to " + out + ")");
        String key = Files.readString(out).strip();
        assertThat(GENERATED.matcher(key).matches()).isTrue();
        assertThat(r.all()).doesNotContain(key);
        assertThat(Files.getPosixFilePermissions(out))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(entry(api, "dev"))
                .containsEntry("digest", hmac((String) current(api).get("salt"), key));
    }

    @Test
    void add_expires_dateIsEndOfDayUtc_durationCountsFromNow() throws Exception {
        String api = setup();
        Run a = Run.cli(
                config(),
                "keys",
                "add",
                "partner-a",
                "--expires",
                "2099-03-31",
                "--key-out",
                dir.resolve("a.key").toString());
        assertThat(a.exitCode).as(a.toString()).isZero();
        assertThat(entry(api, "partner-a")).containsEntry("expires", "2099-03-31T23:59:59Z");
        Instant before = Instant.now();
        Run b = Run.cli(
                config(),
                "keys",
                "add",
                "partner-b",
                "--expires",
                "90d",
                "--key-out",
                dir.resolve("b.key").toString());
        assertThat(b.exitCode).as(b.toString()).isZero();
        Instant exp = Instant.parse((String) entry(api, "partner-b").get("expires"));
        assertThat(exp)
                .isBetween(
                        before.plus(90, ChronoUnit.DAYS).minusSeconds(2),
                        Instant.now().plus(90, ChronoUnit.DAYS).plusSeconds(2));
    }

    @Test
    void badInput_exits2_withOneErrorAndNext_andWritesNothing() throws Exception {
        String api = setup();
        Run add = Run.cli(
                config(),
                "keys",
                "add",
                "partner-a",
                "--key-out",
                dir.resolve("a.key").toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        String before =
                aws.secrets.getSecretValue(r -> r.secretId(secretId(api))).versionId();
        String[][] cases = {
            {"keys", "add", "Partner_A"},
            {"keys", "add", "partner-a"},
            {"keys", "add", "live"},
            {"keys", "add", "partner-b", "--expires", "2001-01-01"},
            {"keys", "add", "partner-b", "--expires", "soon"},
            {"keys", "revoke", "nobody", "--yes"},
            {"keys", "revoke", "partner-a"},
        };
        for (String[] c : cases) {
            Run r = Run.cli(config(), c);
            assertThat(r.exitCode).as(String.join(" ", c) + "\n" + r).isEqualTo(2);
            assertThat(r.err.lines().filter(l -> l.startsWith("error: ")).count())
                    .as(r.toString())
                    .isEqualTo(1);
            assertThat(r.err.lines().filter(l -> l.strip().startsWith("next: ")).count())
                    .as(r.toString())
                    .isEqualTo(1);
            assertThat(r.writes()).as(String.join(" ", c)).isEmpty();
        }
        assertThat(aws.secrets.getSecretValue(r -> r.secretId(secretId(api))).versionId())
                .isEqualTo(before);
    }

    @Test
    void keys_onAUserFunction_exits2WithTheReason() throws Exception {
        String api = aws.amplifyApi();
        String fn = aws.userFunction(Aws.unique("own-authorizer"), Map.of());
        Run s = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--function",
                fn,
                "--key-out",
                dir.resolve("k").toString());
        assertThat(s.exitCode).as(s.toString()).isZero();
        for (String[] c :
                new String[][] {{"keys", "add", "partner-a"}, {"keys", "list"}, {"keys", "revoke", "live", "--yes"}}) {
            Run r = Run.cli(config(), c);
            assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
            assertThat(r.err).contains("bundled authorizer").contains("plain-string key");
            assertThat(r.writes()).isEmpty();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void list_json_showsNamesDatesStatus_andNeverAKeyOrDigest() throws Exception {
        String api = setup("--dev-key");
        Run a = Run.cli(
                config(),
                "keys",
                "add",
                "partner-a",
                "--expires",
                "5d",
                "--key-out",
                dir.resolve("a.key").toString());
        assertThat(a.exitCode).as(a.toString()).isZero();
        Run r = Run.cli(config(), "keys", "list", "--output", "json");
        assertThat(r.exitCode).as(r.toString()).isZero();
        Map<String, Object> doc = JsonText.parseObject(r.out);
        assertThat(doc).containsEntry("command", "keys list").containsEntry("schemaVersion", 1L);
        List<Map<String, Object>> keys = (List<Map<String, Object>>) doc.get("keys");
        assertThat(keys).extracting(k -> k.get("name")).containsExactly("dev", "live", "partner-a");
        assertThat(keys)
                .allSatisfy(k -> assertThat(k).containsKeys("name", "created", "expires", "status", "lastUsed"));
        assertThat(keys.get(2)).containsEntry("status", "expiring");
        assertThat(keys.get(1)).containsEntry("status", "active").containsEntry("expires", null);
        Map<String, Object> secret = current(api);
        for (Object e : ((Map<String, Object>) secret.get("keys")).values()) {
            assertThat(r.all()).doesNotContain((String) ((Map<String, Object>) e).get("digest"));
        }
        assertThat(r.all())
                .doesNotContain((String) secret.get("salt"))
                .doesNotContain(Files.readString(dir.resolve("a.key")).strip());
    }

    @Test
    void revoke_removesTheKey_thenFlushesFunctionThenEveryStage_inThatOrder() throws Exception {
        String api = setup();
        aws.apigw.createStage(r -> r.apiId(api).stageName("prod"));
        Run a = Run.cli(
                config(),
                "keys",
                "add",
                "partner-a",
                "--key-out",
                dir.resolve("a.key").toString());
        assertThat(a.exitCode).as(a.toString()).isZero();
        String key = Files.readString(dir.resolve("a.key")).strip();

        Run r = Run.cli(config(), "keys", "revoke", "partner-a", "--yes");
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(entry(api, "partner-a")).isNull();
        assertThat(entry(api, "live")).isNotNull();
        List<String> writes = r.writes();
        assertThat(writes)
                .containsExactly(
                        // the flush it needs recorded first (a tag), so even a killed run leaves it for verify and a
                        // rerun
                        "SecretsManager.TagResource",
                        "SecretsManager.PutSecretValue",
                        "SecretsManager.UpdateSecretVersionStage",
                        "Lambda.UpdateFunctionConfiguration",
                        // each stage, then each again once the function's timeout has passed
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "ApiGatewayV2.ResetAuthorizersCache",
                        "SecretsManager.UntagResource");
        // the function update has completed (waiter) before the stages are listed and reset
        List<String> ops = r.operations;
        int update = ops.indexOf("Lambda.UpdateFunctionConfiguration");
        int stages = ops.indexOf("ApiGatewayV2.GetStages");
        assertThat(ops.subList(update, stages))
                .as("the SDK waiter reads the function")
                .contains("Lambda.GetFunction");
        assertThat(aws.lambda
                        .getFunctionConfiguration(x -> x.functionName("secure-api-authorizer-" + api))
                        .environment()
                        .variables())
                .containsKey("SECURE_API_FLUSHED_AT")
                .containsEntry(
                        "KEY_MIN_GENERATION",
                        String.valueOf(((Number) current(api).get("generation")).longValue()))
                .containsKey("SECRET_ARN");
        assertThat(r.out)
                .contains("revoked")
                .contains("at most")
                .contains("$default")
                .contains("prod");
        for (String v : allVersions(api)) assertThat(v).doesNotContain(key);

        // setup never resets or removes the flush marker
        Run again = Run.cli(config(), "setup");
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(aws.lambda
                        .getFunctionConfiguration(x -> x.functionName("secure-api-authorizer-" + api))
                        .environment()
                        .variables())
                .containsKey("SECURE_API_FLUSHED_AT");
        assertThat(again.writes()).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void setup_onALegacyPlaintextSecretMidRotation_migratesWithoutChangingAnyKey() throws Exception {
        String api = setup("--dev-key");
        String id = secretId(api);
        String oldLive = "old-live-key-0123456789abcdef0123456789ABCDEF";
        String live = "cur-live-key-0123456789abcdef0123456789ABCDEF";
        String dev = "cur-dev-key-0123456789abcdef0123456789ABCDEFG";
        // what an earlier secure-api left: plaintext named keys, mid-rotation (AWSPREVIOUS holds the old live key)
        aws.secrets.putSecretValue(
                r -> r.secretId(id).secretString("{\"live\":\"" + oldLive + "\",\"dev\":\"" + dev + "\"}"));
        aws.secrets.putSecretValue(
                r -> r.secretId(id).secretString("{\"live\":\"" + live + "\",\"dev\":\"" + dev + "\"}"));

        Run verify = Run.cli(config(), "verify", "--output", "json");
        assertThat(verify.out).contains("secret.plaintext");
        Run refused = Run.cli(config(), "keys", "add", "partner-a");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        // the next step carries this run's --config
        assertThat(refused.err).contains("plaintext").contains("run secure-api setup --config " + config() + " first");
        assertThat(refused.writes()).isEmpty();
        Run r = Run.cli(config(), "setup", "--dev-key");
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(r.all()).doesNotContain(live).doesNotContain(dev).doesNotContain(oldLive);
        assertThat(GENERATED.matcher(r.out).find()).as("no new key shown").isFalse();
        Map<String, Object> doc = current(api);
        String salt = (String) doc.get("salt");
        assertThat(entry(api, "live")).containsEntry("digest", hmac(salt, live));
        assertThat((Map<String, Object>) entry(api, "live").get("retiring"))
                .containsEntry("digest", hmac(salt, oldLive));
        assertThat(entry(api, "dev")).containsEntry("digest", hmac(salt, dev)).containsEntry("retiring", null);
        assertThat(aws.secrets.getSecretValue(x -> x.secretId(id)).secretString())
                .doesNotContain(live)
                .doesNotContain(dev)
                .doesNotContain(oldLive);

        Run converged = Run.cli(config(), "setup", "--dev-key");
        assertThat(converged.writes()).as(converged.toString()).isEmpty();
        Run verify2 = Run.cli(config(), "verify", "--output", "json");
        assertThat(verify2.out).contains("\"secret.plaintext\"");
        assertThat(verify2.out).doesNotContain("holds its keys in plaintext");
    }

    /** Adopting a JSON secret with --secret-name: only values that look like keys carry over; anything else stops setup. */
    @Test
    void setup_adoptingAJsonSecretWithOtherFields_stopsBeforeAnyWrite_andOnlyKeysEverCarryOver() throws Exception {
        // a region of its own: setup on a secret it did not create reads every HTTP API of the region
        // (see Aws(String))
        String region = "ap-southeast-2";
        Aws here = new Aws(region);
        String api = here.amplifyApi();
        String name = "app/" + api + "/db";
        String longKey = "partner-key-0123456789abcdef0123456789ABCDEF";
        here.secrets.createSecret(
                r -> r.name(name).secretString("{\"engine\":\"postgres\",\"partner\":\"" + longKey + "\"}"));
        Run refused = Run.cliIn(region, config(), "setup", "--api-id", api, "--secret-name", name);
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err)
                .contains("\"engine\"")
                .contains(name)
                .contains("next: ")
                .doesNotContain("postgres");
        assertThat(refused.writes()).as(refused.toString()).isEmpty();
        assertThat(here.secrets.getSecretValue(r -> r.secretId(name)).secretString())
                .contains("postgres");

        // a secret of keys only (a long one, and secure-api's own names): adopted, each name in the plan
        String api2 = here.amplifyApi();
        String name2 = "app/" + api2 + "/keys";
        here.secrets.createSecret(
                r -> r.name(name2).secretString("{\"live\":\"" + longKey + "x\",\"partner\":\"" + longKey + "\"}"));
        Run adopted = Run.cliIn(region, config(), "setup", "--api-id", api2, "--secret-name", name2, "--env", "two");
        assertThat(adopted.exitCode).as(adopted.toString()).isZero();
        assertThat(adopted.out).contains("(live, partner)");
        assertThat(adopted.all()).doesNotContain(longKey);
    }

    @Test
    void verify_warnsKeysExpiring14DaysAhead_namingTheKey_andLeavesItOutWithoutExpiries() throws Exception {
        setup();
        Run none = Run.cli(config(), "verify", "--output", "json");
        assertThat(none.out).doesNotContain("keys.expiring");
        Run a = Run.cli(
                config(),
                "keys",
                "add",
                "partner-a",
                "--expires",
                "10d",
                "--key-out",
                dir.resolve("a.key").toString());
        assertThat(a.exitCode).as(a.toString()).isZero();
        Run v = Run.cli(config(), "verify");
        assertThat(v.out).containsPattern("(?i)warn\\s+keys.expiring").contains("partner-a expires on");
        assertThat(v.exitCode).isZero();
    }

    @Test
    void operatorSetupPolicy_allowsEveryCallOfKeysAddListRevoke() throws Exception {
        Set<String> allowed = OperatorPolicyIT.allowedActions("operator-setup.json");
        setup();
        List<Run> runs = List.of(
                Run.cli(
                        config(),
                        "keys",
                        "add",
                        "partner-a",
                        "--key-out",
                        dir.resolve("a.key").toString()),
                Run.cli(config(), "keys", "list"),
                Run.cli(config(), "keys", "revoke", "partner-a", "--yes"));
        for (Run r : runs) {
            assertThat(r.exitCode).as(r.toString()).isZero();
            for (String op : r.operations) {
                assertThat(allowed).as("operator-setup.json must allow " + op).contains(OperatorPolicyIT.iamAction(op));
            }
        }
    }

    static Set<String> names(Map<String, Object> doc) {
        return ((Map<?, ?>) doc.get("keys"))
                .keySet().stream().map(String::valueOf).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void twoRunsAtOnce_neverOverwriteEachOther_theLaterOneReadsAgainAndLands() throws Exception {
        String api = setup();
        Run[] first = new Run[1];
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch held =
                    proxy.hold(FaultProxy.op("secretsmanager.PutSecretValue"), false, release);
            Thread t = new Thread(
                    () -> first[0] = Run.via(proxy.endpoint(), config(), "", false, "keys", "add", "partner-a"));
            t.start();
            assertThat(held.await(60, java.util.concurrent.TimeUnit.SECONDS))
                    .as("keys add partner-a reached its write")
                    .isTrue();
            // meanwhile a teammate adds another key: it read the same version and writes first
            Run other = Run.cli(config(), "keys", "add", "partner-b");
            assertThat(other.exitCode).as(other.toString()).isZero();
            release.countDown();
            t.join(60_000);
        }
        // it lost the compare-and-set: it reads the secret again and re-applies its change on top
        assertThat(first[0].exitCode).as(first[0].toString()).isZero();
        assertThat(first[0].err).contains("changed while this command ran; reading it again");
        String key = shownKey(first[0]);
        Map<String, Object> keys = (Map<String, Object>) current(api).get("keys");
        assertThat(keys.keySet()).as("neither run overwrote the other").contains("live", "partner-a", "partner-b");
        assertThat(entry(api, "partner-a"))
                .containsEntry("digest", hmac((String) current(api).get("salt"), key));
        assertThat(dir.resolve("secure-api.json.pending")).doesNotExist();
    }

    @Test
    void rotateKey_ofAConsumersKey_saysToGiveItToTheConsumer_notToPasteItIntoBubble() throws Exception {
        setup();
        assertThat(Run.cli(
                                config(),
                                "keys",
                                "add",
                                "partner-a",
                                "--key-out",
                                dir.resolve("a.key").toString())
                        .exitCode)
                .isZero();
        Run r = Run.cli(
                config(),
                "rotate-key",
                "--key",
                "partner-a",
                "--key-out",
                dir.resolve("a2.key").toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(r.out).doesNotContain("Bubble").contains("consumer partner-a");
        Run live = Run.cli(
                config(), "rotate-key", "--key-out", dir.resolve("live2.key").toString());
        assertThat(live.exitCode).as(live.toString()).isZero();
        assertThat(live.out).contains("Bubble API Connector").contains("Key value");
    }
}
