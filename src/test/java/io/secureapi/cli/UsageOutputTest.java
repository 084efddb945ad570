package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.config.ProjectConfig;
import io.secureapi.engine.Usage;
import io.secureapi.error.ExitException;
import io.secureapi.pieces.AccessLogsPiece;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** usage's window, chart and documents, and the access-log format check, without AWS. */
class UsageOutputTest {
    static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

    static Usage.KeyUsage key(String name, Usage.Window w, long perDay) {
        Map<LocalDate, Long> days = new LinkedHashMap<>();
        long i = 0;
        for (LocalDate d : w.days()) days.put(d, (i++ % 3 == 0) ? 0 : perDay * i);
        long total = days.values().stream().mapToLong(Long::longValue).sum();
        return new Usage.KeyUsage(name, total, total, 0, 0, 40.0, 120.0, w.from(), w.to(), days);
    }

    UsageCommand at(String... args) {
        UsageCommand c = new UsageCommand();
        c.clock = Clock.fixed(NOW, ZoneOffset.UTC);
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--since" -> c.since = args[i + 1];
                case "--from" -> c.from = args[i + 1];
                case "--to" -> c.to = args[i + 1];
                default -> throw new IllegalArgumentException(args[i]);
            }
        }
        return c;
    }

    @Test
    void theWindow_sinceOrFromTo_andBadInputIsExit2() {
        assertThat(at().window()).isEqualTo(new Usage.Window(Instant.parse("2026-11-30T10:00:01Z"), NOW));
        assertThat(at("--since", "24h").window().from()).isEqualTo(Instant.parse("2026-12-06T10:00:01Z"));
        Usage.Window w = at("--from", "2026-11-01", "--to", "2026-11-30").window();
        assertThat(w.from()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(w.to()).isEqualTo(Instant.parse("2026-11-30T23:59:59Z"));
        assertThat(w.days()).hasSize(30);
        for (String[] bad : List.of(
                new String[] {"--since", "7"},
                new String[] {"--since", "0d"},
                new String[] {"--from", "yesterday"},
                new String[] {"--from", "2026-12-01", "--to", "2026-11-01"},
                new String[] {"--since", "7d", "--from", "2026-12-01"})) {
            assertThatThrownBy(() -> at(bad).window())
                    .isInstanceOf(ExitException.class)
                    .satisfies(e -> assertThat(((ExitException) e).exitCode()).isEqualTo(ExitException.BAD_INPUT));
        }
    }

    @Test
    void theChartFits80Columns_forAWeekAndForAQuarter_andMarksDaysWithoutRequests() {
        for (String since : List.of("7d", "90d", "365d")) {
            Usage.Window w = at("--since", since).window();
            List<Usage.KeyUsage> keys =
                    List.of(key("bubble-prod", w, 10), key("a-very-long-key-name-for-a-partner", w, 1));
            ProjectConfig c = new ProjectConfig(
                    "a1b2c3d4",
                    "eu-west-1",
                    null,
                    true,
                    null,
                    null,
                    null,
                    null,
                    null,
                    300,
                    List.of(),
                    List.of(),
                    null,
                    null);
            String text = UsageCommand.text(
                    List.of(new UsageCommand.Entry(
                            "default",
                            c,
                            new Usage.Result(w, List.of("/aws/apigateway/secure-api/a1b2c3d4"), keys, 3))),
                    w,
                    new Style(false));
            for (String line : text.split("\n"))
                assertThat(line.length()).as(since + ": " + line).isLessThanOrEqualTo(80);
            assertThat(text).contains("█").contains("Refused with no valid key (401/403): 3");
            // one mark a day for a week: a day without requests shows as such
            if (since.equals("7d")) assertThat(text).contains("·").contains("Requests per day");
            else assertThat(text).contains("Requests per " + (since.equals("90d") ? "2 days" : "8 days"));
            assertThat(text).doesNotContain("\u001b[");
        }
    }

    @Test
    void theJsonDocument_hasTheVersionedShape() {
        Usage.Window w = at("--since", "2d").window();
        ProjectConfig c = new ProjectConfig(
                "a1b2c3d4",
                "eu-west-1",
                null,
                true,
                null,
                null,
                null,
                null,
                null,
                300,
                List.of(),
                List.of(),
                null,
                null);
        Map<String, Object> doc = UsageCommand.json(
                List.of(new UsageCommand.Entry(
                        "prod", c, new Usage.Result(w, List.of("/g"), List.of(key("live", w, 2)), 1))),
                w,
                false);
        assertThat(doc.keySet()).containsSubsequence("command", "schemaVersion", "from", "to", "keys", "refused");
        @SuppressWarnings("unchecked")
        Map<String, Object> k = ((List<Map<String, Object>>) doc.get("keys")).get(0);
        assertThat(k.keySet())
                .containsExactly("name", "requests", "status", "latencyMs", "firstSeen", "lastSeen", "days", "quota");
        assertThat((Map<String, Object>) k.get("status")).containsOnlyKeys("2xx", "4xx", "5xx");
    }

    @Test
    void aUsersFormat_isReadableOnlyWithTheFieldsUsageNeeds() {
        assertThat(AccessLogsPiece.missing(AccessLogsPiece.FORMAT)).isEmpty();
        assertThat(AccessLogsPiece.FORMAT).contains("$context.requestId").doesNotContain("\n");
        assertThat(
                        AccessLogsPiece.missing(
                                "{ \"requestId\":\"$context.requestId\", \"status\": $context.status, \"keyName\":\"$context.authorizer.keyName\", \"responseLatency\":\"${context.responseLatency}\", \"ip\":\"$context.identity.sourceIp\" }"))
                .isEmpty();
        assertThat(AccessLogsPiece.missing("$context.requestId $context.status"))
                .containsExactly(
                        "requestId ($context.requestId)",
                        "status ($context.status)",
                        "keyName ($context.authorizer.keyName)",
                        "responseLatency ($context.responseLatency)");
        // a field of that name holding another variable is not the field
        assertThat(
                        AccessLogsPiece.missing(
                                "{\"requestId\":\"$context.requestId\",\"status\":\"$context.status\",\"keyName\":\"$context.authorizer.principalId\",\"responseLatency\":\"$context.responseLatency\"}"))
                .containsExactly("keyName ($context.authorizer.keyName)");
        assertThat(AccessLogsPiece.groupOf("arn:aws:logs:eu-west-1:123456789012:log-group:/a/b:*"))
                .contains("/a/b");
    }
}
