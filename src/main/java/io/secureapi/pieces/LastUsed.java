package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.ifFound;

import io.secureapi.error.ExitException;
import io.secureapi.support.Backoff;
import io.secureapi.support.Progress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetQueryResultsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.QueryStatus;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResultField;

/**
 * Each key's last use (day precision), from the bundled authorizer's own decision log lines, with
 * one Logs Insights query over a bounded window: nothing is written per request anywhere. When
 * it cannot be known, every key's answer is "unknown" with the reason.
 */
public final class LastUsed {
    public static final Duration WINDOW = Duration.ofDays(30);
    /** The authorizer logs one JSON line per decision; Insights discovers its fields. */
    public static final String QUERY = "filter decision = \"allow\" | stats max(@timestamp) as lastUsed by keyName";

    private static final Duration POLL_FOR = Duration.ofSeconds(30);

    /** Days by key name ("2026-11-26"); names with no use in the window are absent. {@code unknown} non-null: why none is known. */
    public record Result(Map<String, String> days, String unknown) {
        public static Result unknown(String why) {
            return new Result(Map.of(), why);
        }
    }

    private LastUsed() {}

    public static String logGroup(String functionName) {
        return "/aws/lambda/" + functionName;
    }

    public static Result read(Wiring w) {
        String group = logGroup(w.functionName());
        long end = Instant.now().getEpochSecond();
        long start = end - WINDOW.toSeconds();
        Optional<String> started;
        try {
            // Logs Insights (StartQuery, GetQueryResults):
            // docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartQuery.html
            started = ifFound(
                    "reading log group " + group,
                    w.region(),
                    ResourceNotFoundException.class,
                    () -> w.aws.logs()
                            .startQuery(r -> r.logGroupName(group)
                                    .startTime(start)
                                    .endTime(end)
                                    .queryString(QUERY)
                                    .limit(1000))
                            .queryId());
        } catch (ExitException e) {
            return Result.unknown(e.getMessage());
        }
        if (started.isEmpty()) {
            return Result.unknown(
                    "log group " + group + " not found (the authorizer has not logged yet, or its logs were deleted)");
        }
        String id = started.get();
        Backoff poll = new Backoff(POLL_FOR, Duration.ofMillis(200), Duration.ofSeconds(2));
        Progress quiet = line -> {};
        while (true) {
            GetQueryResultsResponse res;
            try {
                res = w.aws.logs().getQueryResults(r -> r.queryId(id));
            } catch (SdkException e) {
                return Result.unknown(reason(w, group, e));
            }
            QueryStatus status = res.status();
            if (status == QueryStatus.COMPLETE) return new Result(days(res.results()), null);
            if (status == QueryStatus.FAILED || status == QueryStatus.CANCELLED || status == QueryStatus.TIMEOUT) {
                return Result.unknown("the Logs Insights query on " + group + " ended " + res.statusAsString());
            }
            if (!poll.retry(quiet, "waiting for the Logs Insights query")) {
                try {
                    w.aws.logs().stopQuery(r -> r.queryId(id));
                } catch (SdkException ignored) {
                    // it times out on its own; stopping only saves scanned bytes
                }
                return Result.unknown("the Logs Insights query on " + group + " did not finish within "
                        + POLL_FOR.toSeconds() + " s");
            }
        }
    }

    private static String reason(Wiring w, String group, SdkException e) {
        // AccessDenied names the missing action (logs:StartQuery, logs:GetQueryResults)
        return io.secureapi.aws.AwsCall.translate("reading log group " + group, w.region(), e)
                .getMessage();
    }

    static Map<String, String> days(List<List<ResultField>> rows) {
        Map<String, String> out = new HashMap<>();
        for (List<ResultField> row : rows) {
            String name = null;
            String at = null;
            for (ResultField f : row) {
                if ("keyName".equals(f.field())) name = f.value();
                if ("lastUsed".equals(f.field())) at = f.value();
            }
            // Insights answers "2026-11-26 23:40:00.000": day precision is enough
            if (name != null && at != null && at.length() >= 10)
                out.merge(name, at.substring(0, 10), (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        return out;
    }
}
