package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.keys.DigestSecret;
import io.secureapi.pieces.AccessLogsPiece;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;

/**
 * keys disable / enable through the stand-in gateway with a 300 s result cache (the flush makes
 * each change visible on the next request), and quotas: usage numbers from access-log events,
 * keys enforce disabling exactly the keys over quota, --dry-run changing nothing, and a rolled-over
 * period re-enabling only the keys enforce disabled.
 */
class KeysControlIT {
    final Aws aws = new Aws();
    final CloudWatchLogsClient logs = Aws.build(CloudWatchLogsClient.builder());
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

    /** API Gateway with a 300 s result cache, emptied by the flush's reset; a fresh handler when the function changes. */
    String cachingGateway(String api, String secretArn) throws IOException {
        return gateways.start(dir, secretArn, Gateways.caching(api));
    }

    int call(String url, String key) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(url + "/items"))
                                .header("Authorization", key)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> key(Map<String, Object> doc, String name) {
        return ((List<Map<String, Object>>) doc.get("keys"))
                .stream()
                        .filter(k -> name.equals(k.get("name")))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no key " + name + " in " + doc));
    }

    String secretArn() {
        return (String) Aws.configEntry(config()).get("secretArn");
    }

    String secretValue() {
        return aws.secrets.getSecretValue(r -> r.secretId(secretArn())).secretString();
    }

    DigestSecret digests() {
        return DigestSecret.parse(secretValue(), "test");
    }

    @Test
    void aDisabledKeyIsRefusedRightAfterTheCommand_andEnabledAgainWithTheSameKey() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("live").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        Run add = Run.cli(
                config(),
                "keys",
                "add",
                "partner-a",
                "--expires",
                "30d",
                "--key-out",
                dir.resolve("a").toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        String live = Files.readString(dir.resolve("live")).strip();
        String partner = Files.readString(dir.resolve("a")).strip();
        String url = cachingGateway(api, secretArn());
        assertThat(call(url, partner)).isEqualTo(200); // cached allow for 300 s
        String digest = digests().get("partner-a").digest();

        Run disable = Run.cli(config(), "keys", "disable", "partner-a", "--output", "json");
        assertThat(disable.exitCode).as(disable.toString()).isZero();
        assertThat(JsonText.parseObject(disable.out)).containsEntry("changed", true);
        assertThat(call(url, partner)).as("refused right after the command").isEqualTo(403);
        assertThat(call(url, live)).isEqualTo(200);
        DigestSecret.Entry e = digests().get("partner-a");
        assertThat(e.digest()).isEqualTo(digest);
        assertThat(e.expires()).isNotNull();
        assertThat(e.disabled().by()).isEqualTo("operator");
        assertThat(e.disabled().at()).isNotNull();

        Run list = Run.cli(config(), "keys", "list", "--no-last-used", "--output", "json");
        assertThat(list.exitCode).as(list.toString()).isZero();
        Map<String, Object> listed = JsonText.parseObject(list.out);
        assertThat(key(listed, "partner-a")).containsEntry("state", "disabled").containsEntry("disabledBy", "operator");
        assertThat(key(listed, "live")).containsEntry("state", "enabled");
        Run text = Run.cli(config(), "keys", "list", "--no-last-used", "--no-color");
        assertThat(text.out).containsPattern("partner-a .* disabled");

        Run again = Run.cli(config(), "keys", "disable", "partner-a");
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(again.out).contains("Nothing to do");

        Run enable = Run.cli(config(), "keys", "enable", "partner-a");
        assertThat(enable.exitCode).as(enable.toString()).isZero();
        assertThat(call(url, partner))
                .as("accepted right after the command, same key")
                .isEqualTo(200);
        assertThat(digests().get("partner-a").disabled()).isNull();
        assertThat(digests().get("partner-a").digest()).isEqualTo(digest);

        Run unknown = Run.cli(config(), "keys", "disable", "nobody");
        assertThat(unknown.exitCode).isEqualTo(2);
        assertThat(unknown.err).contains("no key named nobody");
    }

    /** {@code n} access-log events of {@code name} at {@code t} (as API Gateway writes them in secure-api's format). */
    void logRequests(String api, String name, int n, Instant t) {
        String group = AccessLogsPiece.logGroup(api);
        String stream = "s-" + name + "-" + t.toEpochMilli();
        logs.createLogStream(r -> r.logGroupName(group).logStreamName(stream));
        List<InputLogEvent> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long ms = t.toEpochMilli() + i;
            String msg = AccessLogsPiece.FORMAT
                    .replace("$context.requestId", name + i + "-" + ms)
                    .replace("$context.requestTimeEpoch", Long.toString(ms))
                    .replace("$context.routeKey", "$default")
                    .replace("$context.httpMethod", "GET")
                    .replace("$context.path", "/items")
                    .replace("$context.status", "200")
                    .replace("$context.authorizer.keyName", name)
                    .replace("$context.integrationLatency", "3")
                    .replace("$context.responseLatency", "12")
                    .replace("$context.authorizer.error", "-");
            events.add(InputLogEvent.builder().timestamp(ms).message(msg).build());
        }
        logs.putLogEvents(r -> r.logGroupName(group).logStreamName(stream).logEvents(events));
    }

    @Test
    @SuppressWarnings("unchecked")
    void enforceDisablesExactlyTheKeysOverQuota_dryRunChangesNothing_andARolledOverPeriodEnablesOnlyItsOwn()
            throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--access-logs",
                "--key-out",
                dir.resolve("live").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        Run add = Run.cli(
                config(), "keys", "add", "over", "warn", "fine", "--quota", "10/day", "--key-out-dir", dir.toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        Run add2 = Run.cli(
                config(), "keys", "add", "rolled", "held", "--quota", "10/day", "--key-out-dir", dir.toString());
        assertThat(add2.exitCode).as(add2.toString()).isZero();
        assertThat(digests().get("over").quota().toString()).isEqualTo("10/day");

        Instant now = Instant.now();
        Instant today = now.truncatedTo(ChronoUnit.DAYS);
        // today's requests: over 12 of 10, warn 8 of 10, fine 2 of 10; held none
        Instant t = now.minusSeconds(60).isBefore(today) ? today : now.minusSeconds(60);
        logRequests(api, "over", 12, t);
        logRequests(api, "warn", 8, t);
        logRequests(api, "fine", 2, t);
        // yesterday: rolled was far over, a period that has ended
        logRequests(api, "rolled", 30, today.minus(1, ChronoUnit.DAYS).plusSeconds(3600));

        Run usage = Run.cli(config(), "usage", "--since", "2d", "--output", "json");
        assertThat(usage.exitCode).as(usage.toString()).isZero();
        Map<String, Object> doc = JsonText.parseObject(usage.out);
        Map<String, Object> overQuota = (Map<String, Object>) key(doc, "over").get("quota");
        assertThat(overQuota)
                .containsEntry("limit", 10L)
                .containsEntry("period", "day")
                .containsEntry("used", 12L)
                .containsEntry("status", "over");
        assertThat(((Number) overQuota.get("percent")).doubleValue()).isEqualTo(120.0);
        assertThat((Map<String, Object>) key(doc, "warn").get("quota"))
                .containsEntry("used", 8L)
                .containsEntry("status", "warning");
        assertThat((Map<String, Object>) key(doc, "fine").get("quota"))
                .containsEntry("used", 2L)
                .containsEntry("status", "ok");
        assertThat((Map<String, Object>) key(doc, "rolled").get("quota"))
                .as("yesterday is not this period")
                .containsEntry("used", 0L)
                .containsEntry("status", "ok");
        assertThat((Map<String, Object>) key(doc, "held").get("quota"))
                .as("a key with a quota and no request still shows")
                .containsEntry("used", 0L);

        // verify --quotas: keys.quota fails at 100 %, naming the key; plain verify makes no query
        Run checked = Run.cli(config(), "verify", "--quotas", "--output", "json");
        assertThat(checked.exitCode).as(checked.toString()).isEqualTo(1);
        Map<String, Object> quotaCheck = ((List<Map<String, Object>>)
                        JsonText.parseObject(checked.out).get("checks"))
                .stream()
                        .filter(c -> "keys.quota".equals(c.get("id")))
                        .findFirst()
                        .orElseThrow();
        assertThat(quotaCheck).containsEntry("status", "fail");
        assertThat((String) quotaCheck.get("message")).contains("over").doesNotContain("warn");
        Run plain = Run.cli(config(), "verify", "--output", "json");
        assertThat(plain.out).doesNotContain("keys.quota");
        assertThat(plain.pages("CloudWatchLogs.StartQuery")).isZero();

        // an operator disables held; a rolled-over enforce disable of rolled (as yesterday's run left it)
        Run hold = Run.cli(config(), "keys", "disable", "held");
        assertThat(hold.exitCode).as(hold.toString()).isZero();
        Instant yesterday = today.minus(1, ChronoUnit.DAYS).plusSeconds(7200);
        DigestSecret d = digests();
        d = d.with("rolled", d.get("rolled").withDisabled(new DigestSecret.Disabled("enforce", yesterday)));
        d = d.with("held", d.get("held").withDisabled(new DigestSecret.Disabled("operator", yesterday)));
        String patched = d.toJson();
        aws.secrets.putSecretValue(r -> r.secretId(secretArn()).secretString(patched));

        String before = secretValue();
        Run dry = Run.cli(config(), "keys", "enforce", "--dry-run", "--output", "json");
        assertThat(dry.exitCode).as(dry.toString()).isZero();
        Map<String, Object> planned = JsonText.parseObject(dry.out);
        assertThat(planned).containsEntry("dryRun", true).containsEntry("changed", false);
        assertThat((List<Object>) planned.get("disabled")).containsExactly("over");
        assertThat((List<Object>) planned.get("enabled")).containsExactly("rolled");
        assertThat(secretValue()).as("--dry-run changes nothing").isEqualTo(before);

        Run enforce = Run.cli(config(), "keys", "enforce", "--output", "json");
        assertThat(enforce.exitCode).as(enforce.toString()).isZero();
        Map<String, Object> done = JsonText.parseObject(enforce.out);
        assertThat(done).containsEntry("changed", true);
        assertThat((List<Object>) done.get("disabled")).containsExactly("over");
        assertThat((List<Object>) done.get("enabled")).containsExactly("rolled");
        assertThat(done).containsKey("flush");
        assertThat((List<Object>) done.get("stageThrottling")).hasSize(1);
        DigestSecret after = digests();
        assertThat(after.get("over").disabled().by()).isEqualTo("enforce");
        assertThat(after.get("warn").disabled()).isNull();
        assertThat(after.get("fine").disabled()).isNull();
        assertThat(after.get("rolled").disabled()).as("its period rolled over").isNull();
        assertThat(after.get("held").disabled().by())
                .as("an operator's disable stays")
                .isEqualTo("operator");
        assertThat(after.get("live").disabled()).isNull();
        assertThat(after.get("over").quota().toString()).isEqualTo("10/day");

        // again: over stays disabled (disabled this period), nothing else to do: no new version
        String settled = secretValue();
        Run rerun = Run.cli(config(), "keys", "enforce", "--output", "json");
        assertThat(rerun.exitCode).as(rerun.toString()).isZero();
        assertThat(JsonText.parseObject(rerun.out)).containsEntry("changed", false);
        assertThat(secretValue()).isEqualTo(settled);

        // keys quota changes it without a new key; --none clears it
        Run raise = Run.cli(config(), "keys", "quota", "warn", "1000/month");
        assertThat(raise.exitCode).as(raise.toString()).isZero();
        assertThat(digests().get("warn").quota().toString()).isEqualTo("1000/month");
        Run clear = Run.cli(config(), "keys", "quota", "warn", "--none");
        assertThat(clear.exitCode).as(clear.toString()).isZero();
        assertThat(digests().get("warn").quota()).isNull();
        Run bad = Run.cli(config(), "keys", "quota", "warn", "lots");
        assertThat(bad.exitCode).isEqualTo(2);
        assertThat(bad.err).contains("is not a quota");
    }
}
