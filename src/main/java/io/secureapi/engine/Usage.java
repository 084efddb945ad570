package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;

import io.secureapi.aws.AwsClients;
import io.secureapi.error.ExitException;
import io.secureapi.support.Backoff;
import io.secureapi.support.Progress;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetQueryResultsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.QueryStatus;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResultField;

/**
 * Requests per key from the stages' access logs, with two CloudWatch Logs Insights queries per
 * window whatever the number of keys: one per key over the window (counts, percentiles, first
 * and last seen: percentiles do not combine across days), one per key, status and day (the chart
 * and the 2xx/4xx/5xx split). Each answers one row per group, far under the 10,000 rows a query
 * returns by default (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Limit.html).
 * Query language: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html;
 * StartQuery/GetQueryResults: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html.
 */
public final class Usage {
    /** The rows one query may answer (StartQuery's default limit); a query that fills it is refused, never cut short silently. */
    public static final int ROW_LIMIT = 10_000;
    /** The value API Gateway logs for a variable with no value: no key name, the request was not a key's. */
    public static final String NO_KEY = "-";
    /** How long a query may run before usage gives up on it. */
    static final Duration QUERY_TIMEOUT = Duration.ofMinutes(5);

    /** The time window, both ends included (whole seconds, as StartQuery takes them). */
    public record Window(Instant from, Instant to) {
        public List<LocalDate> days() {
            List<LocalDate> out = new ArrayList<>();
            LocalDate d = LocalDate.ofInstant(from, ZoneOffset.UTC);
            LocalDate last = LocalDate.ofInstant(to, ZoneOffset.UTC);
            for (; !d.isAfter(last); d = d.plusDays(1)) out.add(d);
            return out;
        }
    }

    /** One key's numbers over the window; {@code days}: requests per UTC day, every day of the window. */
    public record KeyUsage(
            String name,
            long requests,
            long status2xx,
            long status4xx,
            long status5xx,
            Double p50,
            Double p95,
            Instant firstSeen,
            Instant lastSeen,
            Map<LocalDate, Long> days) {}

    /** What usage answers: the keys by name, and the requests refused with no valid key (401/403 without a key name). */
    public record Result(Window window, List<String> logGroups, List<KeyUsage> keys, long refused) {}

    private Usage() {}

    /** Runs the two queries over {@code logGroups} (up to 50, StartQuery's limit) for {@code key} (null: every key). */
    public static Result run(
            AwsClients aws, String region, List<String> logGroups, Window window, String key, Progress progress) {
        if (logGroups.isEmpty()) return new Result(window, logGroups, List.of(), 0);
        String only = key == null ? "" : "filter keyName = \"" + key + "\" or keyName = \"" + NO_KEY + "\"\n| ";
        String perKey = only
                + "stats count(*) as requests, pct(responseLatency, 50) as p50, pct(responseLatency, 95) as p95,"
                + " min(@timestamp) as firstSeen, max(@timestamp) as lastSeen by keyName";
        String perDay = only + "stats count(*) as requests by keyName, status, bin(1d) as day";
        List<Map<String, String>> totals = query(aws, region, logGroups, window, perKey, "requests per key", progress);
        List<Map<String, String>> daily =
                query(aws, region, logGroups, window, perDay, "requests per key and day", progress);

        Map<String, long[]> status = new TreeMap<>();
        Map<String, Map<LocalDate, Long>> days = new TreeMap<>();
        long refused = 0;
        for (Map<String, String> row : daily) {
            String name = row.getOrDefault("keyName", NO_KEY);
            long n = number(row.get("requests")).longValue();
            int code = number(row.get("status")).intValue();
            if (name.isEmpty() || name.equals(NO_KEY)) {
                if (code == 401 || code == 403) refused += n;
                continue;
            }
            long[] s = status.computeIfAbsent(name, k -> new long[3]);
            if (code >= 200 && code < 300) s[0] += n;
            else if (code >= 400 && code < 500) s[1] += n;
            else if (code >= 500) s[2] += n;
            LocalDate day = LocalDate.ofInstant(instant(row.get("day")), ZoneOffset.UTC);
            days.computeIfAbsent(name, k -> new TreeMap<>()).merge(day, n, Long::sum);
        }
        List<KeyUsage> keys = new ArrayList<>();
        for (Map<String, String> row : totals) {
            String name = row.getOrDefault("keyName", NO_KEY);
            if (name.isEmpty() || name.equals(NO_KEY)) continue;
            if (key != null && !key.equals(name)) continue;
            long[] s = status.getOrDefault(name, new long[3]);
            Map<LocalDate, Long> perDayOfKey = new LinkedHashMap<>();
            for (LocalDate d : window.days())
                perDayOfKey.put(d, days.getOrDefault(name, Map.of()).getOrDefault(d, 0L));
            keys.add(new KeyUsage(
                    name,
                    number(row.get("requests")).longValue(),
                    s[0],
                    s[1],
                    s[2],
                    row.containsKey("p50") ? number(row.get("p50")).doubleValue() : null,
                    row.containsKey("p95") ? number(row.get("p95")).doubleValue() : null,
                    row.containsKey("firstSeen") ? instant(row.get("firstSeen")) : null,
                    row.containsKey("lastSeen") ? instant(row.get("lastSeen")) : null,
                    perDayOfKey));
        }
        keys.sort(Comparator.comparing(KeyUsage::requests).reversed().thenComparing(KeyUsage::name));
        return new Result(window, logGroups, keys, refused);
    }

    /** Each key's last request in the window (keys list's lastUsedAt): one query, whatever the number of keys. */
    public static Map<String, Instant> lastSeen(
            AwsClients aws, String region, List<String> logGroups, Window window, Progress progress) {
        Map<String, Instant> out = new TreeMap<>();
        if (logGroups.isEmpty()) return out;
        for (Map<String, String> row : query(
                aws,
                region,
                logGroups,
                window,
                "stats max(@timestamp) as lastSeen by keyName",
                "each key's last request",
                progress)) {
            String name = row.getOrDefault("keyName", NO_KEY);
            if (!name.isEmpty() && !name.equals(NO_KEY) && row.get("lastSeen") != null)
                out.put(name, instant(row.get("lastSeen")));
        }
        return out;
    }

    /** StartQuery, then GetQueryResults polled with a bounded backoff until Complete; every page of rows. */
    static List<Map<String, String>> query(
            AwsClients aws,
            String region,
            List<String> logGroups,
            Window window,
            String queryString,
            String what,
            Progress progress) {
        String doing = "querying the access logs (" + what + ") in " + String.join(", ", logGroups);
        String id = call(
                        doing,
                        region,
                        () -> aws.logs()
                                .startQuery(r -> r.logGroupNames(logGroups)
                                        .startTime(window.from().getEpochSecond())
                                        .endTime(window.to().getEpochSecond())
                                        .limit(ROW_LIMIT)
                                        .queryString(queryString)))
                .queryId();
        Backoff backoff = new Backoff(QUERY_TIMEOUT, Duration.ofMillis(200), Duration.ofSeconds(2));
        List<Map<String, String>> rows = new ArrayList<>();
        while (true) {
            GetQueryResultsResponse r = call(doing, region, () -> aws.logs().getQueryResults(q -> q.queryId(id)));
            QueryStatus s = r.status();
            if (s == QueryStatus.COMPLETE) {
                for (List<ResultField> fields : r.results()) {
                    Map<String, String> row = new LinkedHashMap<>();
                    for (ResultField f : fields) row.put(f.field(), f.value());
                    rows.add(row);
                }
                break;
            }
            if (s == QueryStatus.FAILED || s == QueryStatus.CANCELLED || s == QueryStatus.TIMEOUT) {
                throw new ExitException(
                        ExitException.AWS,
                        doing + " (" + region + "): the Logs Insights query ended " + s,
                        "run it again, or with a shorter window (--since 1d)",
                        null);
            }
            if (!backoff.retry(progress, "waiting for the Logs Insights query (" + what + ", " + s + ")")) {
                try {
                    aws.logs().stopQuery(q -> q.queryId(id));
                } catch (RuntimeException ignored) {
                    // it may have finished meanwhile; the error below says what matters
                }
                throw new ExitException(
                        ExitException.AWS,
                        doing + " (" + region + "): the Logs Insights query did not finish in "
                                + QUERY_TIMEOUT.toMinutes() + " minutes",
                        "run it again with a shorter window (--since 1d) or one key (--key NAME)",
                        null);
            }
        }
        if (rows.size() >= ROW_LIMIT) {
            throw new ExitException(
                    ExitException.AWS,
                    doing + " (" + region + "): the query answered " + rows.size()
                            + " rows, its limit, so the numbers would be incomplete",
                    "use a shorter window (--since 7d) or one key (--key NAME)",
                    null);
        }
        return rows;
    }

    private static final DateTimeFormatter INSIGHTS_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    /** A time as Logs Insights shows it: "yyyy-MM-dd HH:mm:ss.SSS" (UTC), or epoch milliseconds. */
    static Instant instant(String v) {
        if (v == null) return null;
        if (v.matches("\\d+(\\.\\d+)?")) return Instant.ofEpochMilli((long) Double.parseDouble(v));
        try {
            return LocalDateTime.parse(v, INSIGHTS_TIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return Instant.parse(v);
        }
    }

    private static Number number(String v) {
        if (v == null || v.isBlank() || v.equals(NO_KEY)) return 0;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
