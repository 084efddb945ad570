package io.secureapi.engine;

import io.secureapi.aws.AwsClients;
import io.secureapi.keys.DigestSecret;
import io.secureapi.keys.Quota;
import io.secureapi.support.Progress;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Each key against its quota: the requests logged with its name since the start of its period
 * (calendar day or month, UTC), from the stages' access logs with one Logs Insights query whatever
 * the number of keys (per key and day since the start of the month, or of the day when every quota
 * is daily). Access logs arrive in CloudWatch Logs after a delay, so the numbers (and keys enforce,
 * which acts on them) are as fresh as that delivery.
 */
public final class Quotas {
    /** One key with a quota: used in its current period, ok / warning / over. */
    public record Standing(String name, Quota quota, long used, Instant periodStart) {
        public String status() {
            return quota.status(used);
        }

        public double percent() {
            return quota.percent(used);
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("limit", quota.limit());
            m.put("period", quota.period().word());
            m.put("periodStart", periodStart.toString());
            m.put("used", used);
            m.put("percent", percent());
            m.put("status", status());
            return m;
        }
    }

    private Quotas() {}

    /** The standings by name, or why they are unknown (null: known). */
    public record Result(Map<String, Standing> standings, String unknown) {
        public static final Result NONE = new Result(Map.of(), null);
    }

    /** The standing of every key of {@code digests} with a quota, by name; no query when none has one. */
    public static Map<String, Standing> measure(
            AwsClients aws,
            String region,
            List<String> logGroups,
            DigestSecret digests,
            Instant now,
            Progress progress) {
        Map<String, Quota> quotas = new TreeMap<>();
        digests.keys().forEach((n, e) -> {
            if (e.quota() != null) quotas.put(n, e.quota());
        });
        Map<String, Standing> out = new LinkedHashMap<>();
        if (quotas.isEmpty()) return out;
        Instant t = now.truncatedTo(ChronoUnit.SECONDS);
        boolean monthly = quotas.values().stream().anyMatch(q -> q.period() == Quota.Period.MONTH);
        Instant from = (monthly ? Quota.Period.MONTH : Quota.Period.DAY).start(t);
        Map<String, Map<LocalDate, Long>> perDay = new TreeMap<>();
        if (!logGroups.isEmpty()) {
            for (Map<String, String> row : Usage.query(
                    aws,
                    region,
                    logGroups,
                    new Usage.Window(from, t),
                    "stats count(*) as requests by keyName, bin(1d) as day",
                    "requests per key and day for the quotas",
                    progress)) {
                String name = row.getOrDefault("keyName", Usage.NO_KEY);
                if (!quotas.containsKey(name) || row.get("day") == null) continue;
                LocalDate day = LocalDate.ofInstant(Usage.instant(row.get("day")), ZoneOffset.UTC);
                long n = (long) Double.parseDouble(row.getOrDefault("requests", "0"));
                perDay.computeIfAbsent(name, k -> new TreeMap<>()).merge(day, n, Long::sum);
            }
        }
        for (Map.Entry<String, Quota> e : quotas.entrySet()) {
            Instant start = e.getValue().period().start(t);
            LocalDate first = LocalDate.ofInstant(start, ZoneOffset.UTC);
            long used = perDay.getOrDefault(e.getKey(), Map.of()).entrySet().stream()
                    .filter(d -> !d.getKey().isBefore(first))
                    .mapToLong(Map.Entry::getValue)
                    .sum();
            out.put(e.getKey(), new Standing(e.getKey(), e.getValue(), used, start));
        }
        return out;
    }

    /**
     * The digest document's AWSCURRENT value (digests and settings, never a key) for the quotas of
     * usage and verify --quotas; null when the secret holds another format.
     */
    public static DigestSecret read(AwsClients aws, String region, String secretId) {
        String raw = io.secureapi.aws.AwsCall.call(
                        "reading the key quotas in secret " + secretId,
                        region,
                        () -> aws.secrets()
                                .getSecretValue(r -> r.secretId(secretId).versionStage("AWSCURRENT")))
                .secretString();
        return DigestSecret.is(raw) ? DigestSecret.parse(raw, secretId) : null;
    }

    /**
     * verify --quotas: keys.quota warns when a key has used 80 % of its quota in the current period
     * and fails at 100 % (each such key in the details); a pass when every key is under 80 %.
     */
    public static io.secureapi.model.Check check(String secret, Map<String, Standing> standings) {
        List<String> over = new ArrayList<>();
        List<String> warning = new ArrayList<>();
        List<String> details = new ArrayList<>();
        for (Standing s : standings.values()) {
            details.add(
                    s.name() + ": " + s.used() + " of " + s.quota() + " (" + s.percent() + " %, " + s.status() + ")");
            if (s.status().equals("over")) over.add(s.name());
            else if (s.status().equals("warning")) warning.add(s.name());
        }
        String id = "keys.quota";
        if (standings.isEmpty()) return io.secureapi.model.Check.pass(id, secret, "no key has a quota");
        if (!over.isEmpty()) {
            return io.secureapi.model.Check.fail(
                            id,
                            secret,
                            "over quota this period: " + String.join(", ", over),
                            "run secure-api keys enforce (it disables them), or raise the quota with secure-api keys quota NAME LIMIT/PERIOD")
                    .withDetails(details);
        }
        if (!warning.isEmpty()) {
            return io.secureapi.model.Check.warn(
                            id,
                            secret,
                            "at 80 % or more of their quota this period: " + String.join(", ", warning),
                            "tell the consumers, or raise the quota with secure-api keys quota NAME LIMIT/PERIOD")
                    .withDetails(details);
        }
        return io.secureapi.model.Check.pass(id, secret, "every key is under 80 % of its quota")
                .withDetails(details);
    }

    /**
     * Per-request throttling is the stage's route throttling (DefaultRouteSettings
     * ThrottlingBurstLimit / ThrottlingRateLimit, docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html):
     * reported here, never changed. One line per stage: "NAME: burst B, rate R/s" or "account limits only".
     */
    public static List<String> throttling(AwsClients aws, String region, String apiId) {
        List<String> out = new ArrayList<>();
        for (software.amazon.awssdk.services.apigatewayv2.model.Stage s : io.secureapi.aws.AwsCall.call(
                        "reading the stages of API " + apiId + " (route throttling)",
                        region,
                        () -> aws.apigateway().getStages(r -> r.apiId(apiId).maxResults("500")))
                .items()) {
            var d = s.defaultRouteSettings();
            boolean set = d != null && (d.throttlingBurstLimit() != null || d.throttlingRateLimit() != null);
            out.add(s.stageName() + ": "
                    + (set
                            ? "burst " + d.throttlingBurstLimit() + ", rate " + d.throttlingRateLimit() + "/s"
                            : "no stage throttling (the account's limits only)"));
        }
        return out;
    }

    /** What keys enforce does: the keys to disable (over quota) and to enable again (period rolled over). */
    public record Plan(List<String> disable, List<String> enable) {
        public boolean empty() {
            return disable.isEmpty() && enable.isEmpty();
        }
    }

    /**
     * Disable every enabled key over its quota; enable a key enforce disabled (never one an operator
     * disabled) once its period has rolled over (disabled before the current period began) and it
     * is under quota, or once it has no quota any more.
     */
    public static Plan plan(DigestSecret digests, Map<String, Standing> standings) {
        List<String> disable = new ArrayList<>();
        List<String> enable = new ArrayList<>();
        new TreeMap<>(digests.keys()).forEach((name, e) -> {
            Standing s = standings.get(name);
            if (e.disabled() == null) {
                if (s != null && s.status().equals("over")) disable.add(name);
            } else if (e.disabled().byEnforce()) {
                if (s == null
                        || (e.disabled().at() != null
                                && e.disabled().at().isBefore(s.periodStart())
                                && !s.status().equals("over"))) enable.add(name);
            }
        });
        return new Plan(disable, enable);
    }

    /** {@code plan} applied to {@code d}: one document, so one secret version. */
    public static DigestSecret apply(DigestSecret d, Plan plan, Instant now) {
        DigestSecret next = d;
        DigestSecret.Disabled by =
                new DigestSecret.Disabled(DigestSecret.Disabled.BY_ENFORCE, now.truncatedTo(ChronoUnit.SECONDS));
        for (String n : plan.disable()) {
            DigestSecret.Entry e = next.get(n);
            if (e != null && e.disabled() == null) next = next.with(n, e.withDisabled(by));
        }
        for (String n : plan.enable()) {
            DigestSecret.Entry e = next.get(n);
            // an operator who disabled it meanwhile keeps it disabled
            if (e != null && e.disabled() != null && e.disabled().byEnforce())
                next = next.with(n, e.withDisabled(null));
        }
        return next;
    }
}
