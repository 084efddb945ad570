package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many keys in one secret version (keys add A B C, keys revoke A B), and the secret-version quota:
 * LimitExceededException says how many versions the last 24 hours made and when one becomes
 * removable, and nothing is half-written.
 */
class KeysBatchIT {
    static final Pattern GENERATED = Pattern.compile("sak_[a-z0-9][a-z0-9-]{0,31}_[0-9A-Za-z]{49}");

    /** How many secret versions a run made (its other writes, such as a cache flush, are not counted). */
    static long puts(Run r) {
        return r.writes().stream()
                .filter("SecretsManager.PutSecretValue"::equals)
                .count();
    }

    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    String setup() {
        String api = aws.amplifyApi();
        Run r = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("live.key").toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
        return api;
    }

    String secretId(String api) {
        return "secure-api/" + api + "/api-key";
    }

    String current(String api) {
        return aws.secrets.getSecretValue(r -> r.secretId(secretId(api))).secretString();
    }

    int versions(String api) {
        return aws.secrets
                .listSecretVersionIds(r -> r.secretId(secretId(api)).includeDeprecated(true))
                .versions()
                .size();
    }

    static List<String> generated(String text) {
        Matcher m = GENERATED.matcher(text);
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) out.add(m.group());
        return out;
    }

    @Test
    void addSeveral_oneVersion_keyOutDirWritesOne0600FilePerKey() throws Exception {
        String api = setup();
        Path out = Files.createDirectory(dir.resolve("keys"));
        int before = versions(api);
        Run r = Run.cli(
                config(), "keys", "add", "partner-a", "partner-b", "partner-c", "--key-out-dir", out.toString());
        assertThat(r.exitCode).as(r.toString()).isZero();
        assertThat(puts(r)).as("one secret version for three keys").isEqualTo(1);
        assertThat(versions(api)).isEqualTo(before + 1);
        for (String name : List.of("partner-a", "partner-b", "partner-c")) {
            Path f = out.resolve(name + ".key");
            String key = Files.readString(f).strip();
            assertThat(key).startsWith("sak_" + name + "_");
            assertThat(Files.getPosixFilePermissions(f))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(Digests.isCurrent(current(api), name, key)).as(name).isTrue();
            assertThat(r.all()).doesNotContain(key);
            assertThat(r.out).contains("(written to " + f + ")");
        }
        assertThat(dir.resolve("secure-api.json.pending")).doesNotExist();

        // an existing file is refused before any write, unless --force
        Files.writeString(out.resolve("partner-d.key"), "keep me\n");
        Run refused = Run.cli(config(), "keys", "add", "partner-d", "--key-out-dir", out.toString());
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err).contains("error:").contains("partner-d.key").contains("--force");
        assertThat(refused.writes()).isEmpty();
        assertThat(Files.readString(out.resolve("partner-d.key"))).isEqualTo("keep me\n");
        Run forced = Run.cli(config(), "keys", "add", "partner-d", "--key-out-dir", out.toString(), "--force");
        assertThat(forced.exitCode).as(forced.toString()).isZero();
        assertThat(Digests.isCurrent(
                        current(api),
                        "partner-d",
                        Files.readString(out.resolve("partner-d.key")).strip()))
                .isTrue();
    }

    @Test
    void addSeveral_jsonHasEveryKey_textShowsEachOnce() {
        String api = setup();
        Run j = Run.cli(config(), "keys", "add", "partner-a", "partner-b", "--output", "json");
        assertThat(j.exitCode).as(j.toString()).isZero();
        assertThat(puts(j)).isEqualTo(1);
        Map<String, Object> doc = JsonText.parseObject(j.out);
        assertThat(doc.get("names")).isEqualTo(List.of("partner-a", "partner-b"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> keys = (List<Map<String, Object>>) doc.get("keys");
        assertThat(keys).hasSize(2);
        for (Map<String, Object> k : keys) {
            assertThat(Digests.isCurrent(current(api), (String) k.get("name"), (String) k.get("value")))
                    .isTrue();
        }

        Run t = Run.cli(config(), "keys", "add", "partner-c", "partner-d");
        assertThat(t.exitCode).as(t.toString()).isZero();
        List<String> shown = generated(t.out);
        assertThat(shown).as("each key once: " + t).hasSize(2).doesNotHaveDuplicates();
        assertThat(Digests.isCurrent(current(api), "partner-c", shown.get(0))).isTrue();
        assertThat(Digests.isCurrent(current(api), "partner-d", shown.get(1))).isTrue();
        assertThat(t.err).doesNotContain(shown.get(0)).doesNotContain(shown.get(1));
    }

    @Test
    void everyNameIsCheckedBeforeAnyWrite_andRevokeSeveralIsOneVersionAndFlushes() {
        String api = setup();
        assertThat(Run.cli(config(), "keys", "add", "partner-a", "partner-b", "partner-c").exitCode)
                .isZero();
        String before = current(api);
        for (String[] bad : List.of(
                new String[] {"keys", "add", "partner-x", "partner-x"},
                new String[] {"keys", "add", "partner-y", "partner-a"},
                new String[] {"keys", "add", "partner-z", "Bad_Name"},
                new String[] {
                    "keys", "add", "p1", "p2", "--key-out", dir.resolve("k").toString()
                },
                new String[] {"keys", "revoke", "partner-a", "nobody", "--yes"},
                new String[] {"keys", "revoke", "partner-a", "partner-a", "--yes"})) {
            Run r = Run.cli(config(), bad);
            assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
            assertThat(r.err).contains("error:");
            assertThat(r.writes()).as(r.toString()).isEmpty();
            assertThat(generated(r.out)).isEmpty();
        }
        assertThat(current(api)).isEqualTo(before);
        assertThat(dir.resolve("secure-api.json.pending")).doesNotExist();

        Run revoke = Run.cli(config(), "keys", "revoke", "partner-a", "partner-b", "--yes");
        assertThat(revoke.exitCode).as(revoke.toString()).isZero();
        assertThat(puts(revoke)).isEqualTo(1);
        assertThat(revoke.writes()).contains("ApiGatewayV2.ResetAuthorizersCache");
        assertThat(revoke.out).contains("keys partner-a, partner-b are revoked").contains("Caches emptied");
        assertThat(Digests.keys(current(api)))
                .doesNotContainKeys("partner-a", "partner-b")
                .containsKey("partner-c");
    }

    @Test
    void versionQuota_isExit3WithTheTrueRemedy_nothingHalfWritten_andWorksOnceVersionsAge() throws Exception {
        String api = setup();
        String value = current(api);
        // fill the secret to the quota: each put is a new version (same value, new token)
        while (versions(api) < 100) {
            aws.secrets.putSecretValue(r -> r.secretId(secretId(api))
                    .secretString(value)
                    .clientRequestToken(UUID.randomUUID().toString()));
        }
        Run full = Run.cli(config(), "keys", "add", "partner-a", "partner-b");
        assertThat(full.exitCode).as(full.toString()).isEqualTo(3);
        assertThat(full.err)
                .contains("LimitExceededException")
                .contains("quota for secret versions")
                .contains("100 of them made in the last 24 hours")
                .contains("nothing of this run was stored")
                .containsPattern("secure-api keys add (--config \\S+ )?NAME1 NAME2 NAME3");
        assertThat(generated(full.all())).as("no key shown that does not work").isEmpty();
        assertThat(current(api)).isEqualTo(value);
        assertThat(dir.resolve("secure-api.json.pending"))
                .as("the write-ahead records of keys not stored go")
                .doesNotExist();

        // 20 hours later: the oldest of them becomes removable in about 4 hours, and the message says when
        age(api, 20);
        Run later = Run.cli(config(), "keys", "add", "partner-a", "partner-b");
        assertThat(later.exitCode).as(later.toString()).isEqualTo(3);
        Matcher until = Pattern.compile("wait until (\\S+Z) ").matcher(later.err);
        assertThat(until.find()).as(later.toString()).isTrue();
        Instant at = Instant.parse(until.group(1));
        assertThat(Duration.between(Instant.now(), at))
                .isBetween(
                        Duration.ofHours(3).plusMinutes(50), Duration.ofHours(4).plusMinutes(1));

        age(api, 5);
        Run ok = Run.cli(config(), "keys", "add", "partner-a", "partner-b");
        assertThat(ok.exitCode).as(ok.toString()).isZero();
        assertThat(generated(ok.out)).hasSize(2);
    }

    void age(String api, int hours) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(LocalAws.endpoint() + "/_secure_api/age-secret-versions"))
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"secretId\":\"" + secretId(api) + "\",\"hours\":" + hours + "}"))
                                .header("Content-Type", "application/json")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
}
