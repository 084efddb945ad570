package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.pieces.AccessLogsPiece;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.apigatewayv2.model.AccessLogSettings;
import software.amazon.awssdk.services.apigatewayv2.model.GetStageResponse;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.InputLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.LogGroup;

/**
 * setup --access-logs and usage against the emulator: stages log to our group in our format (a
 * user's own settings are never replaced), teardown restores each stage, and usage counts exactly
 * the requests sent through the stand-in gateway, with two Logs Insights queries per window
 * whatever the number of keys, also over 100,000 events.
 */
class AccessLogsIT {
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

    GetStageResponse stage(String api, String name) {
        return aws.apigw.getStage(r -> r.apiId(api).stageName(name));
    }

    Integer retention(String group) {
        return logs.describeLogGroups(r -> r.logGroupNamePrefix(group)).logGroups().stream()
                .filter(g -> g.logGroupName().equals(group))
                .findFirst()
                .map(LogGroup::retentionInDays)
                .orElse(null);
    }

    boolean groupExists(String group) {
        return logs.describeLogGroups(r -> r.logGroupNamePrefix(group)).logGroups().stream()
                .anyMatch(g -> g.logGroupName().equals(group));
    }

    @Test
    void setupTurnsOnAccessLogs_keepsAUsersFormat_andTeardownRestoresEachStage() throws Exception {
        String api = aws.amplifyApi();
        // a stage that already logs, in a format without the key's name: it must stay exactly as it is
        logs.createLogGroup(r -> r.logGroupName("/my/own/" + api));
        String userArn = "arn:aws:logs:" + Aws.REGION + ":123456789012:log-group:/my/own/" + api;
        String userFormat = "$context.requestId $context.status $context.responseLatency";
        aws.apigw.createStage(r -> r.apiId(api)
                .stageName("prod")
                .autoDeploy(true)
                .accessLogSettings(a -> a.destinationArn(userArn).format(userFormat)));
        String group = AccessLogsPiece.logGroup(api);

        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--access-logs",
                "--key-out",
                dir.resolve("k").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        assertThat(setup.all())
                .contains("usage cannot read them: their format lacks")
                .contains("keyName ($context.authorizer.keyName)");

        AccessLogSettings ours = stage(api, "$default").accessLogSettings();
        assertThat(ours.destinationArn()).endsWith(":log-group:" + group);
        assertThat(ours.format()).isEqualTo(AccessLogsPiece.FORMAT).contains("$context.authorizer.keyName");
        AccessLogSettings theirs = stage(api, "prod").accessLogSettings();
        assertThat(theirs.destinationArn()).isEqualTo(userArn);
        assertThat(theirs.format()).isEqualTo(userFormat);
        assertThat(retention(group)).isEqualTo(90);

        @SuppressWarnings("unchecked")
        Map<String, Object> rec =
                (Map<String, Object>) Aws.configEntry(config()).get("accessLogs");
        assertThat(rec).containsEntry("logGroup", group).containsEntry("logGroupCreated", true);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> stages = (Map<String, Map<String, Object>>) rec.get("stages");
        assertThat(stages.get("$default")).containsEntry("before", null).containsEntry("logGroup", group);
        assertThat(stages.get("prod").get("before")).isEqualTo(Map.of("destinationArn", userArn, "format", userFormat));
        assertThat(stages.get("prod")).containsEntry("logGroup", null);

        // a second run changes nothing
        Run again = Run.cli(config(), "setup");
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(again.writes()).isEmpty();

        // verify names the stage and the missing fields
        Run verify = Run.cli(config(), "verify", "--output", "json");
        assertThat(verify.out)
                .contains("stage.access-logs")
                .contains("stage prod: its access-log format lacks")
                .contains("$context.authorizer.keyName");

        Run md = Run.cli(config(), "verify", "--output", "markdown");
        assertThat(md.exitCode).as(md.toString()).isEqualTo(1);
        assertThat(md.out)
                .startsWith("### secure-api verify: API `" + api + "`")
                .contains("**FAILED**")
                .contains("| ❌ | `stage.access-logs` |")
                .contains("| ✅ | `routes.protected` |");
        Run scan = Run.cli(config(), "scan", "--output", "markdown");
        assertThat(scan.out).startsWith("### secure-api scan").contains("| `" + api + "` |");
        Run notHere = Run.cli(config(), "keys", "list", "--output", "markdown");
        assertThat(notHere.exitCode).isEqualTo(2);
        assertThat(notHere.err).contains("--output markdown is for usage, verify and scan only");

        Run down = Run.cli(config(), "teardown", "--yes");
        assertThat(down.exitCode).as(down.toString()).isZero();
        assertThat(stage(api, "$default").accessLogSettings()).isNull();
        AccessLogSettings after = stage(api, "prod").accessLogSettings();
        assertThat(after.destinationArn()).isEqualTo(userArn);
        assertThat(after.format()).isEqualTo(userFormat);
        assertThat(groupExists(group)).isFalse();
        assertThat(groupExists("/my/own/" + api)).isTrue();
    }

    @Test
    void teardownPutsBackTheStagesEarlierSettings_whenSecureApisFormatReplacedNothing() throws Exception {
        String api = aws.amplifyApi();
        String group = AccessLogsPiece.logGroup(api);
        // the group exists already (made by someone else): setup uses it, teardown keeps it
        logs.createLogGroup(r -> r.logGroupName(group));
        // an existing setup without access logs: usage says how to turn them on, before any AWS call
        Run first = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--key-out",
                dir.resolve("k").toString());
        assertThat(first.exitCode).as(first.toString()).isZero();
        assertThat(first.out).doesNotContain("access logs");
        Run off = Run.cli(config(), "usage");
        assertThat(off.exitCode).as(off.toString()).isEqualTo(2);
        assertThat(off.err).contains("access logs are off for API " + api).contains("setup --access-logs");
        assertThat(off.operations).isEmpty();

        Run setup = Run.cli(config(), "setup", "--access-logs");
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        assertThat(retention(group)).isEqualTo(90);
        assertThat(stage(api, "$default").accessLogSettings().format()).isEqualTo(AccessLogsPiece.FORMAT);
        Run down = Run.cli(config(), "teardown", "--yes");
        assertThat(down.exitCode).as(down.toString()).isZero();
        assertThat(stage(api, "$default").accessLogSettings()).isNull();
        assertThat(groupExists(group)).as("not made by secure-api: kept").isTrue();
    }

    /** The harness for API {@code api}'s $default stage: it writes the stage's access logs. */
    String gateway(String api, String secretArn) throws IOException {
        return gateway(api, secretArn, "$default");
    }

    String gateway(String api, String secretArn, String stage) throws IOException {
        return gateways.start(
                dir,
                secretArn,
                Map.of("KEY_CACHE_SECONDS", "0", "API_ID", api, "CACHE_TTL", "300", "STAGE_NAME", stage));
    }

    int call(String url, String key) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(url + "/items")).GET();
        if (key != null) b.header("Authorization", key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> key(Map<String, Object> doc, String name) {
        return ((List<Map<String, Object>>) doc.get("keys"))
                .stream()
                        .filter(k -> name.equals(k.get("name")))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no key " + name + " in " + doc));
    }

    @Test
    @SuppressWarnings("unchecked")
    void usageCountsTheRequestsSentThroughTheGateway_cachedAnswersIncluded() throws Exception {
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
                config(),
                "keys",
                "add",
                "partner-a",
                "--key-out",
                dir.resolve("a").toString());
        assertThat(add.exitCode).as(add.toString()).isZero();
        String live = Files.readString(dir.resolve("live")).strip();
        String partner = Files.readString(dir.resolve("a")).strip();
        String url = gateway(api, (String) Aws.configEntry(config()).get("secretArn"));

        // with a result cache of 300 s, only the first request of each key reaches the authorizer
        for (int i = 0; i < 5; i++) assertThat(call(url, live)).isEqualTo(200);
        for (int i = 0; i < 3; i++) assertThat(call(url, partner)).isEqualTo(200);
        assertThat(call(url, null)).isEqualTo(401);
        assertThat(call(url, "sak_nobody_" + "A".repeat(49))).isEqualTo(403);

        Run usage = Run.cli(config(), "usage", "--since", "1d", "--output", "json");
        assertThat(usage.exitCode).as(usage.toString()).isZero();
        Map<String, Object> doc = JsonText.parseObject(usage.out);
        assertThat(doc).containsEntry("command", "usage").containsEntry("schemaVersion", 1L);
        assertThat(key(doc, "live")).containsEntry("requests", 5L);
        assertThat((Map<String, Object>) key(doc, "live").get("status")).containsEntry("2xx", 5L);
        assertThat(key(doc, "partner-a")).containsEntry("requests", 3L);
        assertThat(doc).containsEntry("refused", 2L);
        assertThat(((List<Object>) doc.get("keys"))).hasSize(2);
        assertThat(key(doc, "live").get("lastSeen")).isNotNull();
        assertThat(usage.pages("CloudWatchLogs.StartQuery")).isEqualTo(2);

        Run every = Run.cli(config(), "usage", "--all", "--since", "1d", "--output", "json");
        assertThat(every.exitCode).as(every.toString()).isZero();
        List<Map<String, Object>> envs =
                (List<Map<String, Object>>) JsonText.parseObject(every.out).get("envs");
        assertThat(envs).hasSize(1);
        assertThat(envs.get(0)).containsEntry("apiId", api).containsEntry("refused", 2L);
        assertThat(key(envs.get(0), "live")).containsEntry("requests", 5L);

        Run text = Run.cli(config(), "usage", "--since", "1d", "--no-color");
        assertThat(text.exitCode).as(text.toString()).isZero();
        assertThat(text.out).contains("live").contains("partner-a").contains("Refused with no valid key (401/403): 2");
        for (String line : text.out.split("\n"))
            assertThat(line.length()).as(line).isLessThanOrEqualTo(80);

        // keys list: the exact time of each key's last request, next to the day-precision lastUsed
        Run list = Run.cli(config(), "keys", "list", "--output", "json");
        assertThat(list.exitCode).as(list.toString()).isZero();
        Map<String, Object> listed = JsonText.parseObject(list.out);
        String liveAt = (String) key(listed, "live").get("lastUsedAt");
        assertThat(liveAt).isEqualTo(key(doc, "live").get("lastSeen"));
        assertThat(key(listed, "live")).containsKey("lastUsed");
        assertThat(listed).containsEntry("lastUsedAtUnknownReason", null);

        Run md = Run.cli(config(), "usage", "--since", "1d", "--key", "partner-a", "--output", "markdown");
        assertThat(md.exitCode).as(md.toString()).isZero();
        assertThat(md.out).contains("| `partner-a` | 3 | 3 |").doesNotContain("`live`");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aNamedStage_servesUnderItsName_andItsRequestsAreCounted() throws Exception {
        String api = aws.amplifyApi();
        aws.apigw.createStage(r -> r.apiId(api).stageName("prod").autoDeploy(true));
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--access-logs",
                "--key-out",
                dir.resolve("live").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        assertThat(stage(api, "prod").accessLogSettings().format()).isEqualTo(AccessLogsPiece.FORMAT);
        String live = Files.readString(dir.resolve("live")).strip();
        String url = gateway(api, (String) Aws.configEntry(config()).get("secretArn"), "prod");
        assertThat(call(url + "/prod", live)).isEqualTo(200);
        assertThat(call(url + "/prod", live)).isEqualTo(200);
        assertThat(call(url, live)).as("outside the stage's path").isEqualTo(404);

        Run usage = Run.cli(config(), "usage", "--since", "1h", "--output", "json");
        assertThat(usage.exitCode).as(usage.toString()).isZero();
        Map<String, Object> doc = JsonText.parseObject(usage.out);
        assertThat(key(doc, "live")).containsEntry("requests", 2L);
        assertThat(doc).containsEntry("refused", 0L);
    }

    @Test
    void usageOver100000Events_countsThemAll_withTwoQueriesWhateverTheNumberOfKeys() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--access-logs",
                "--key-out",
                dir.resolve("k").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        String group = AccessLogsPiece.logGroup(api);
        logs.createLogStream(r -> r.logGroupName(group).logStreamName("volume"));
        long now = System.currentTimeMillis();
        int total = 100_000;
        int keys = 40;
        List<InputLogEvent> batch = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            long t = now - 3_600_000L * 24 * 5 + (long) i * 4_000; // spread over about 5 days, in order
            String name = i % 50 == 49 ? "-" : "key-" + (i % keys);
            int status = name.equals("-") ? 401 : (i % 100 == 7 ? 500 : 200);
            String msg = AccessLogsPiece.FORMAT
                    .replace("$context.requestId", "r" + i)
                    .replace("$context.requestTimeEpoch", Long.toString(t))
                    .replace("$context.routeKey", "$default")
                    .replace("$context.httpMethod", "GET")
                    .replace("$context.path", "/items")
                    .replace("$context.status", Integer.toString(status))
                    .replace("$context.authorizer.keyName", name)
                    .replace("$context.integrationLatency", "3")
                    .replace("$context.responseLatency", Integer.toString(10 + i % 90))
                    .replace("$context.authorizer.error", "-");
            batch.add(InputLogEvent.builder().timestamp(t).message(msg).build());
            if (batch.size() == 2_500 || i == total - 1) {
                List<InputLogEvent> send = List.copyOf(batch);
                logs.putLogEvents(
                        r -> r.logGroupName(group).logStreamName("volume").logEvents(send));
                batch.clear();
            }
        }
        long start = System.nanoTime();
        Run usage = Run.cli(config(), "usage", "--since", "7d", "--output", "json");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(usage.exitCode).as(usage.toString()).isZero();
        // speed is measured, not asserted: a timed assertion fails whenever the machine is busy (about 1 s
        // for the query pair on a quiet machine); the test asserts the work, one query pair for every key
        System.err.printf("usage over 100,000 events: %.1f s%n", seconds);
        assertThat(usage.pages("CloudWatchLogs.StartQuery")).isEqualTo(2);
        Map<String, Object> doc = JsonText.parseObject(usage.out);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> found = (List<Map<String, Object>>) doc.get("keys");
        assertThat(found).hasSize(keys);
        long counted = found.stream().mapToLong(k -> (Long) k.get("requests")).sum();
        assertThat(counted + (Long) doc.get("refused")).isEqualTo(total);
        assertThat(doc.get("refused")).isEqualTo((long) total / 50);
    }
}
