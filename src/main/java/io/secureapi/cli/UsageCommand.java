package io.secureapi.cli;

import io.secureapi.aws.AwsClients;
import io.secureapi.aws.AwsSettings;
import io.secureapi.config.AccessLogs;
import io.secureapi.config.ConfigFile;
import io.secureapi.config.ProjectConfig;
import io.secureapi.engine.Quotas;
import io.secureapi.engine.Usage;
import io.secureapi.error.ExitException;
import io.secureapi.keys.DigestSecret;
import io.secureapi.support.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "usage",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Requests per key from the API's access logs: counts, 2xx/4xx/5xx, p50/p95",
            "latency, first and last seen, requests refused with no valid key, and a",
            "per-day chart.",
            "",
            "Needs access logs: run secure-api setup --access-logs first (every request is",
            "logged with its key's name, cached authorizer answers included). Two CloudWatch",
            "Logs Insights queries per run, whatever the number of keys; Logs Insights bills",
            "the data each query scans (see the usage manual page).",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  secure-api usage                                   # the last 7 days",
            "  secure-api usage --since 30d --key bubble-prod",
            "  secure-api usage --from 2026-11-01 --to 2026-11-30 --output json",
            "  secure-api usage --all --output markdown >> \"$GITHUB_STEP_SUMMARY\"",
            "",
            "Exit codes: 0 ok, 2 bad usage (or access logs off), 3 AWS refused or failed."
        })
public class UsageCommand extends AwsCommand {
    public static final int SCHEMA_VERSION = 1;
    static final int WIDTH = 80;

    @Option(
            names = "--since",
            paramLabel = "AGE",
            description = "The window up to now: Nd (days) or Nh (hours) (default: 7d).")
    String since;

    @Option(
            names = "--from",
            paramLabel = "TIME",
            description = "Start of the window: a UTC date (2026-11-01) or an instant (2026-11-01T08:00:00Z).")
    String from;

    @Option(
            names = "--to",
            paramLabel = "TIME",
            description = "End of the window (default: now); a date means the end of that day (UTC).")
    String to;

    @Option(names = "--key", paramLabel = "NAME", description = "Only this key (and the refused requests).")
    String key;

    @Option(names = "--all", description = "Every entry of secure-api.json (entries without access logs are skipped).")
    boolean all;

    /** Where "now" comes from (tests fix it). */
    Clock clock = Clock.systemUTC();

    @Override
    protected boolean acceptsMarkdown() {
        return true;
    }

    @Override
    protected boolean recoversKeys() {
        return !all;
    }

    /** One entry's answer. */
    record Entry(String env, ProjectConfig config, Usage.Result result, Quotas.Result quotas) {
        Entry(String env, ProjectConfig config, Usage.Result result) {
            this(env, config, result, Quotas.Result.NONE);
        }
    }

    @Override
    protected int run() {
        Usage.Window window = window();
        if (key != null && !DigestSecret.NAME.matcher(key).matches()) {
            throw ExitException.badInput(
                    "--key \"" + key + "\" is not a key name (lower-case letters, digits and -, up to 32)",
                    "list the names with: secure-api keys list");
        }
        List<Entry> entries = new ArrayList<>();
        if (all) {
            if (envOption().isPresent() || apiIdOption() != null)
                throw ExitException.badInput("--all reads every entry; --env picks one", "drop --all or --env");
            ConfigFile file = configFile()
                    .orElseThrow(() -> ExitException.badInput(
                            "--all reads the entries of " + configPath() + ", and there is no such file",
                            "run secure-api setup --api-id ID --access-logs first, or pass --config FILE"));
            AwsSettings base = root().aws.resolve(session().env(), null);
            for (String name : file.names()) {
                ProjectConfig c = file.entry(name).orElseThrow();
                if (SetupCommand.tornDown(file, name) || c.accessLogs() == null) {
                    progress()
                            .say("entry " + name + ": "
                                    + (c.accessLogs() == null ? "access logs off (setup --access-logs)" : "torn down")
                                    + ", skipped");
                    continue;
                }
                String region = c.region() != null && !c.region().isBlank() ? c.region() : base.region();
                try (AwsClients aws = new AwsClients(
                        new AwsSettings(region, base.profile(), base.endpoint()),
                        session().interceptors())) {
                    entries.add(new Entry(name, c, query(aws, region, c, window), quotas(aws, region, c)));
                }
            }
        } else {
            ProjectConfig c = config().orElseThrow(() -> ExitException.badInput(
                    "usage reads the access logs secure-api.json records, and " + configPath()
                            + " has no entry for this API",
                    "run secure-api setup --api-id ID --access-logs first, or pass --config FILE"));
            if (c.accessLogs() == null) {
                throw ExitException.badInput(
                        "access logs are off for API " + c.apiId() + " (" + c.region() + "): usage has nothing to read",
                        "run secure-api setup --access-logs (it turns on each stage's access logs; requests from then on are counted)");
            }
            entries.add(new Entry(
                    entryName().orElse(ConfigFile.DEFAULT_ENV),
                    c,
                    query(aws(), c.region(), c, window),
                    quotas(aws(), c.region(), c)));
        }
        switch (output().output) {
            case json -> out().print(Json.pretty(json(entries, window, all)) + "\n");
            case markdown -> out().print(markdown(entries, window));
            default -> out().print(text(entries, window, style()));
        }
        out().flush();
        return 0;
    }

    private Usage.Result query(AwsClients aws, String region, ProjectConfig c, Usage.Window window) {
        AccessLogs a = c.accessLogs();
        List<String> groups = a.logGroups();
        if (groups.isEmpty()) {
            progress()
                    .say("API " + c.apiId()
                            + ": no stage writes access logs usage can read (secure-api verify says why)");
        } else if (groups.size() > 50) {
            throw ExitException.badInput(
                    "API " + c.apiId() + " logs to " + groups.size() + " log groups; a Logs Insights query reads 50",
                    "point the stages at fewer log groups");
        }
        progress().say("querying the access logs of API " + c.apiId() + " (" + String.join(", ", groups) + ")");
        return Usage.run(aws, region, groups, window, key, progress());
    }

    /**
     * Each key against its quota in its current period (UTC day or month), whatever the window: the
     * quotas from the digest document (AWSCURRENT; digests and settings only), the counts from one
     * more query. Unreadable: the reason, and usage goes on without quotas.
     */
    private Quotas.Result quotas(AwsClients aws, String region, ProjectConfig c) {
        String secret = c.secretArn() != null && !c.secretArn().isBlank()
                ? c.secretArn()
                : io.secureapi.config.Target.fromConfig(c.apiId(), region, c).secretName();
        try {
            DigestSecret d = Quotas.read(aws, region, secret);
            if (d == null) return Quotas.Result.NONE;
            return new Quotas.Result(
                    Quotas.measure(aws, region, c.accessLogs().logGroups(), d, clock.instant(), progress()), null);
        } catch (ExitException e) {
            progress().say("quotas unknown: " + e.getMessage());
            return new Quotas.Result(Map.of(), e.getMessage());
        }
    }

    // the window

    private static final Pattern AGE = Pattern.compile("(\\d{1,4})([dh])");

    Usage.Window window() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        if (since != null && (from != null || to != null)) {
            throw ExitException.badInput(
                    "--since and --from/--to both give the window", "use --since 7d, or --from T [--to T]");
        }
        if (from == null && to != null)
            throw ExitException.badInput("--to needs --from", "e.g. --from 2026-11-01 --to 2026-11-30");
        if (from == null) {
            String age = since == null ? "7d" : since.strip().toLowerCase(Locale.ROOT);
            Matcher m = AGE.matcher(age);
            if (!m.matches() || Integer.parseInt(m.group(1)) == 0) {
                throw ExitException.badInput(
                        "--since \"" + since + "\" is not an age",
                        "give days or hours, e.g. --since 7d or --since 24h");
            }
            long n = Long.parseLong(m.group(1));
            Duration d = m.group(2).equals("d") ? Duration.ofDays(n) : Duration.ofHours(n);
            return new Usage.Window(now.minus(d).plusSeconds(1), now);
        }
        Instant start = time("--from", from, false);
        Instant end = to == null ? now : time("--to", to, true);
        if (end.isBefore(start)) throw ExitException.badInput("--to " + to + " is before --from " + from, "swap them");
        return new Usage.Window(start, end);
    }

    private static Instant time(String flag, String v, boolean endOfDay) {
        try {
            if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
                LocalDate d = LocalDate.parse(v);
                return endOfDay
                        ? d.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).minusSeconds(1)
                        : d.atStartOfDay().toInstant(ZoneOffset.UTC);
            }
            return Instant.parse(v).truncatedTo(ChronoUnit.SECONDS);
        } catch (DateTimeParseException e) {
            throw ExitException.badInput(
                    flag + " \"" + v + "\" is not a date or an instant",
                    "e.g. " + flag + " 2026-11-01 or " + flag + " 2026-11-01T08:00:00Z (UTC)");
        }
    }

    // json

    /** One entry: its fields at the top; {@code all} (--all): a list {@code envs} of entries, however many. */
    static Map<String, Object> json(List<Entry> entries, Usage.Window window, boolean all) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "usage");
        doc.put("schemaVersion", SCHEMA_VERSION);
        doc.put("from", window.from().toString());
        doc.put("to", window.to().toString());
        if (!all && entries.size() == 1) {
            doc.putAll(entryJson(entries.get(0)));
        } else {
            List<Object> envs = new ArrayList<>();
            for (Entry e : entries) envs.add(entryJson(e));
            doc.put("envs", envs);
        }
        return doc;
    }

    private static Map<String, Object> entryJson(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("env", e.env());
        m.put("apiId", e.config().apiId());
        m.put("region", e.config().region());
        m.put("logGroups", e.result().logGroups());
        List<Object> keys = new ArrayList<>();
        for (Usage.KeyUsage k : e.result().keys()) {
            Map<String, Object> km = new LinkedHashMap<>();
            km.put("name", k.name());
            km.put("requests", k.requests());
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("2xx", k.status2xx());
            st.put("4xx", k.status4xx());
            st.put("5xx", k.status5xx());
            km.put("status", st);
            Map<String, Object> lat = new LinkedHashMap<>();
            lat.put("p50", k.p50());
            lat.put("p95", k.p95());
            km.put("latencyMs", lat);
            km.put("firstSeen", k.firstSeen() == null ? null : k.firstSeen().toString());
            km.put("lastSeen", k.lastSeen() == null ? null : k.lastSeen().toString());
            List<Object> days = new ArrayList<>();
            k.days().forEach((d, n) -> {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("date", d.toString());
                dm.put("requests", n);
                days.add(dm);
            });
            km.put("days", days);
            Quotas.Standing q = e.quotas().standings().get(k.name());
            km.put("quota", q == null ? null : q.toJson());
            keys.add(km);
        }
        // keys with a quota and no request in the window still show against it
        for (Quotas.Standing q : e.quotas().standings().values()) {
            if (e.result().keys().stream().anyMatch(k -> k.name().equals(q.name()))) continue;
            Map<String, Object> km = new LinkedHashMap<>();
            km.put("name", q.name());
            km.put("requests", 0L);
            km.put("quota", q.toJson());
            keys.add(km);
        }
        m.put("keys", keys);
        m.put("quotasUnknownReason", e.quotas().unknown());
        m.put("refused", e.result().refused());
        return m;
    }

    // text

    private static final DateTimeFormatter SEEN =
            DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneOffset.UTC);
    private static final String LEVELS = "▁▂▃▄▅▆▇█";

    static String text(List<Entry> entries, Usage.Window window, Style style) {
        StringBuilder b = new StringBuilder();
        for (Entry e : entries) {
            if (b.length() > 0) b.append('\n');
            Usage.Result r = e.result();
            b.append(style.bold("Usage of API " + e.config().apiId() + " ("
                            + e.config().region() + ", entry " + e.env() + ")"))
                    .append('\n');
            b.append(window.from()).append(" → ").append(window.to()).append(" (UTC)\n\n");
            if (r.keys().isEmpty()) {
                b.append("No requests with a key in this window.\n");
            } else {
                int nw = Math.max(
                        3,
                        Math.min(
                                16,
                                r.keys().stream()
                                        .mapToInt(k -> k.name().length())
                                        .max()
                                        .orElse(3)));
                String head = String.format(
                        "%-" + nw + "s %9s %7s %6s %6s %7s %7s  %s",
                        "KEY",
                        "REQUESTS",
                        "2XX",
                        "4XX",
                        "5XX",
                        "P50 MS",
                        "P95 MS",
                        "LAST SEEN");
                b.append(head.stripTrailing()).append('\n');
                for (Usage.KeyUsage k : r.keys()) {
                    b.append(String.format(
                                    "%-" + nw + "s %9s %7s %6s %6s %7s %7s  %s",
                                    cut(k.name(), nw),
                                    k.requests(),
                                    k.status2xx(),
                                    k.status4xx(),
                                    k.status5xx(),
                                    ms(k.p50()),
                                    ms(k.p95()),
                                    k.lastSeen() == null ? "-" : SEEN.format(k.lastSeen())))
                            .append('\n');
                }
            }
            b.append("\nRefused with no valid key (401/403): ")
                    .append(r.refused())
                    .append('\n');
            if (!e.quotas().standings().isEmpty()) {
                b.append("\nQuotas (this UTC day or month; warning at 80 %, over at 100 %):\n");
                for (Quotas.Standing q : e.quotas().standings().values()) {
                    b.append(String.format(
                                    "%-16s %10d / %-14s %6.1f %%  %s",
                                    cut(q.name(), 16), q.used(), q.quota(), q.percent(), q.status()))
                            .append('\n');
                }
            } else if (e.quotas().unknown() != null) {
                b.append("Quotas unknown: ").append(e.quotas().unknown()).append('\n');
            }
            if (!r.keys().isEmpty()) b.append('\n').append(chart(r.keys(), window));
        }
        return b.toString();
    }

    /**
     * One row per key: a sparkline of requests per UTC day (several days per mark when the window
     * is longer than the row), each mark scaled to the busiest mark of all keys; "·" is none.
     */
    static String chart(List<Usage.KeyUsage> keys, Usage.Window window) {
        List<LocalDate> days = window.days();
        int nw = Math.max(
                3,
                Math.min(
                        16, keys.stream().mapToInt(k -> k.name().length()).max().orElse(3)));
        int room = WIDTH - nw - 2 - 12;
        int per = Math.max(1, (days.size() + room - 1) / room);
        List<long[]> rows = new ArrayList<>();
        long max = 0;
        for (Usage.KeyUsage k : keys) {
            int marks = (days.size() + per - 1) / per;
            long[] v = new long[marks];
            for (int i = 0; i < days.size(); i++) v[i / per] += k.days().getOrDefault(days.get(i), 0L);
            for (long x : v) max = Math.max(max, x);
            rows.add(v);
        }
        StringBuilder b = new StringBuilder();
        b.append("Requests per ")
                .append(per == 1 ? "day" : per + " days")
                .append(" (UTC), ")
                .append(days.get(0))
                .append(" → ")
                .append(days.get(days.size() - 1))
                .append(", busiest mark ")
                .append(max)
                .append(":\n");
        for (int i = 0; i < keys.size(); i++) {
            StringBuilder line = new StringBuilder();
            for (long x : rows.get(i)) {
                if (x == 0) line.append('·');
                else {
                    int level = (int) Math.min(LEVELS.length() - 1, (x * LEVELS.length() - 1) / Math.max(1, max));
                    line.append(LEVELS.charAt(level));
                }
            }
            b.append(String.format(
                            "%-" + nw + "s  %s  %d",
                            cut(keys.get(i).name(), nw),
                            line,
                            keys.get(i).requests()))
                    .append('\n');
        }
        return b.toString();
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static String ms(Double v) {
        return v == null ? "-" : String.valueOf(Math.round(v));
    }

    // markdown

    static String markdown(List<Entry> entries, Usage.Window window) {
        StringBuilder b = new StringBuilder();
        for (Entry e : entries) {
            Usage.Result r = e.result();
            b.append("### API usage: ")
                    .append(e.config().apiId())
                    .append(" (")
                    .append(e.env())
                    .append(")\n\n");
            b.append(window.from()).append(" → ").append(window.to()).append(" (UTC)\n\n");
            b.append("| Key | Requests | 2xx | 4xx | 5xx | p50 ms | p95 ms | First seen | Last seen | Per day |\n");
            b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |\n");
            for (Usage.KeyUsage k : r.keys()) {
                StringBuilder spark = new StringBuilder();
                long max = k.days().values().stream()
                        .mapToLong(Long::longValue)
                        .max()
                        .orElse(0);
                for (long x : k.days().values()) {
                    spark.append(
                            x == 0
                                    ? '·'
                                    : LEVELS.charAt((int) Math.min(
                                            LEVELS.length() - 1, (x * LEVELS.length() - 1) / Math.max(1, max))));
                }
                b.append("| `")
                        .append(k.name())
                        .append("` | ")
                        .append(k.requests())
                        .append(" | ")
                        .append(k.status2xx())
                        .append(" | ")
                        .append(k.status4xx())
                        .append(" | ")
                        .append(k.status5xx())
                        .append(" | ")
                        .append(ms(k.p50()))
                        .append(" | ")
                        .append(ms(k.p95()))
                        .append(" | ")
                        .append(k.firstSeen() == null ? "-" : k.firstSeen().toString())
                        .append(" | ")
                        .append(k.lastSeen() == null ? "-" : k.lastSeen().toString())
                        .append(" | ")
                        .append(spark)
                        .append(" |\n");
            }
            if (r.keys().isEmpty()) b.append("| _no requests with a key_ | | | | | | | | | |\n");
            b.append("\nRefused with no valid key (401/403): **")
                    .append(r.refused())
                    .append("**\n\n");
        }
        return b.toString();
    }
}
