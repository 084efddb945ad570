package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.run;
import static io.secureapi.aws.AwsCall.unlessGone;

import io.secureapi.config.AccessLogs;
import io.secureapi.config.ProjectConfig;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.apigatewayv2.model.GetStagesResponse;
import software.amazon.awssdk.services.apigatewayv2.model.NotFoundException;
import software.amazon.awssdk.services.cloudwatchlogs.model.LogGroup;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * setup --access-logs: every stage writes an access-log line per request (cached authorizer
 * answers included) to a log group secure-api owns, in a JSON format with the key's name, so
 * {@code secure-api usage} can count requests per key with Logs Insights.
 *
 * <p>Access logging of an HTTP API stage is its AccessLogSettings: a log group ARN and a
 * single-line format of $context variables that must include $context.requestId
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html; the
 * variables: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
 * A stage that already logs keeps the user's settings untouched: usage reads it only when its
 * format already has the fields below. Teardown puts back what a stage had before and deletes only
 * the log group secure-api created.
 */
public final class AccessLogsPiece implements Piece {
    public static final String FLAG = "--access-logs";
    public static final String CHECK_ID = "stage.access-logs";
    public static final String GROUP_PREFIX = "/aws/apigateway/secure-api/";

    /**
     * The fields of secure-api's format, each with its $context variable (http-api-logging-variables):
     * requestTimeEpoch is the request time in epoch milliseconds, authorizer.keyName the name the
     * bundled authorizer returns in its context, logged for cached answers too.
     */
    public static final Map<String, String> FIELDS = fields();

    /** The fields usage needs (by these names, with these variables) in a user's own format. */
    public static final List<String> NEEDED = List.of("requestId", "status", "keyName", "responseLatency");

    private static Map<String, String> fields() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("requestId", "$context.requestId");
        m.put("time", "$context.requestTimeEpoch");
        m.put("routeKey", "$context.routeKey");
        m.put("method", "$context.httpMethod");
        m.put("path", "$context.path");
        m.put("status", "$context.status");
        m.put("keyName", "$context.authorizer.keyName");
        m.put("integrationLatency", "$context.integrationLatency");
        m.put("responseLatency", "$context.responseLatency");
        m.put("authorizerError", "$context.authorizer.error");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** secure-api's format: one line of JSON, every value quoted (a missing value is logged as "-"). */
    public static final String FORMAT = format();

    private static String format() {
        StringBuilder b = new StringBuilder("{");
        FIELDS.forEach((k, v) -> b.append(b.length() > 1 ? "," : "")
                .append('"')
                .append(k)
                .append("\":\"")
                .append(v)
                .append('"'));
        return b.append('}').toString();
    }

    /** A stage's access-log settings as read; null {@code settings}: off. */
    public record Current(LogGroupPiece.Group group, Map<String, AccessLogs.Settings> stages) {
        public Current {
            stages = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stages));
        }
    }

    /** Turn on a stage's access logging with our group and format. */
    record Enable(String stage, String destinationArn) implements Change.Diff {}

    /** Create our group (when {@code create}) and set its retention. */
    record Group(String group, boolean create, int days) implements Change.Diff {}

    /** Teardown: put a stage's settings back ({@code before} null: turn logging off). */
    record Restore(String stage, AccessLogs.Settings before) implements Change.Diff {}

    /** Teardown: delete the log group setup created. */
    record DeleteGroup(String group) implements Change.Diff {}

    @Override
    public String name() {
        return "access logs";
    }

    public static String logGroup(String apiId) {
        return GROUP_PREFIX + apiId;
    }

    static String groupArn(Wiring w, String group) {
        return "arn:" + w.partition() + ":logs:" + w.region() + ":" + w.account() + ":log-group:" + group;
    }

    /** The log group name of a destination ARN (with or without a trailing ":*"). */
    public static Optional<String> groupOf(String destinationArn) {
        if (destinationArn == null) return Optional.empty();
        Matcher m = Pattern.compile("^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(:\\*)?$")
                .matcher(destinationArn);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static final Pattern PAIR =
            Pattern.compile("\"([A-Za-z0-9_.-]+)\"\\s*:\\s*\"?\\$\\{?(context\\.[A-Za-z0-9_.]+)");

    /** The fields usage needs that {@code format} lacks (a field with our name holding our variable), in order. */
    public static List<String> missing(String format) {
        Map<String, String> found = new LinkedHashMap<>();
        Matcher m = PAIR.matcher(format == null ? "" : format);
        while (m.find()) found.putIfAbsent(m.group(1), "$" + m.group(2));
        List<String> out = new ArrayList<>();
        for (String f : NEEDED) {
            if (!FIELDS.get(f).equals(found.get(f))) out.add(f + " (" + FIELDS.get(f) + ")");
        }
        return out;
    }

    /** Whether secure-api's settings are on the stage: our group and our format. */
    static boolean ours(Wiring w, AccessLogs.Settings s) {
        return s != null
                && FORMAT.equals(s.format())
                && groupOf(s.destinationArn())
                        .filter(logGroup(w.apiId())::equals)
                        .isPresent();
    }

    /** Whether this run deals with access logs: asked for now, or recorded by an earlier setup. */
    public static boolean wanted(Wiring w) {
        return w.options.accessLogs() || recorded(w).isPresent();
    }

    static Optional<AccessLogs> recorded(Wiring w) {
        return w.previous().map(ProjectConfig::accessLogs);
    }

    // read

    /** Our log group and every stage's AccessLogSettings. */
    public static Current read(Wiring w) {
        return read(w, true);
    }

    /** Every stage's AccessLogSettings, and our log group when {@code withGroup} (verify checks the stages only). */
    public static Current read(Wiring w, boolean withGroup) {
        String group = logGroup(w.apiId());
        Optional<LogGroupPiece.Group> g = !withGroup
                ? Optional.empty()
                : call("reading log group " + group, w.region(), () -> {
                    List<LogGroup> found = w.aws.logs()
                            .describeLogGroups(r -> r.logGroupNamePrefix(group))
                            .logGroups();
                    return found.stream()
                            .filter(x -> x.logGroupName().equals(group))
                            .findFirst()
                            .map(x -> new LogGroupPiece.Group(x.logGroupName(), x.retentionInDays()));
                });
        Map<String, AccessLogs.Settings> stages = new LinkedHashMap<>();
        if (w.api() != null) {
            HttpApi.every(
                            w,
                            "reading the access-log settings of the stages of API " + w.apiId(),
                            t -> w.aws.apigateway()
                                    .getStages(r -> r.apiId(w.apiId())
                                            .maxResults(HttpApi.PAGE_SIZE)
                                            .nextToken(t)),
                            GetStagesResponse::items,
                            GetStagesResponse::nextToken)
                    .forEach(s -> {
                        var a = s.accessLogSettings();
                        stages.put(
                                s.stageName(),
                                a == null || a.destinationArn() == null || a.format() == null
                                        ? null
                                        : new AccessLogs.Settings(a.destinationArn(), a.format()));
                    });
        }
        return new Current(g.orElse(null), stages);
    }

    private static Current current(Wiring w) {
        return w.accessLogs().orElse(new Current(null, Map.of()));
    }

    // plan

    @Override
    public Change plan(Wiring w) {
        List<Change> rows = planRows(w, List.of());
        return rows.stream()
                .filter(Change::changes)
                .findFirst()
                .orElse(rows.isEmpty() ? Change.ok(name(), "-", "off") : rows.get(0));
    }

    /** Nothing unless asked for (or recorded); then a row for the log group and one per stage. */
    @Override
    public List<Change> planRows(Wiring w, List<Change> earlier) {
        if (!wanted(w)) return List.of();
        Current now = current(w);
        String group = logGroup(w.apiId());
        int days = w.options.logRetentionDays() != null
                ? w.options.logRetentionDays()
                : Optional.ofNullable(now.group())
                        .map(LogGroupPiece.Group::retentionDays)
                        .orElse(LogGroupPiece.DEFAULT_RETENTION_DAYS);
        List<Change> rows = new ArrayList<>();
        if (now.group() == null) {
            rows.add(new Change(
                    name(),
                    "log group " + group,
                    Change.Action.CREATE,
                    "access logs of API " + w.apiId() + ", retention " + days + " days",
                    new Group(group, true, days)));
        } else if (now.group().retentionDays() == null || now.group().retentionDays() != days) {
            Integer r = now.group().retentionDays();
            rows.add(new Change(
                    name(),
                    "log group " + group,
                    Change.Action.UPDATE,
                    "retention " + (r == null ? "never expire" : r + " days") + " → " + days + " days",
                    new Group(group, false, days)));
        } else {
            rows.add(Change.ok(name(), "log group " + group, "retention " + days + " days"));
        }
        if (now.stages().isEmpty()) {
            rows.add(Change.ok(name(), "API " + w.apiId() + " stages", "no stages: nothing logs yet"));
        }
        for (Map.Entry<String, AccessLogs.Settings> e : now.stages().entrySet()) {
            String resource = "stage " + e.getKey() + " of API " + w.apiId();
            AccessLogs.Settings s = e.getValue();
            if (s == null) {
                rows.add(new Change(
                        name(),
                        resource,
                        Change.Action.UPDATE,
                        "access logging off → JSON lines to " + group,
                        new Enable(e.getKey(), groupArn(w, group))));
            } else if (ours(w, s)) {
                rows.add(Change.ok(name(), resource, "JSON lines to " + group));
            } else {
                List<String> missing = missing(s.format());
                String dest = groupOf(s.destinationArn()).orElse(s.destinationArn());
                rows.add(Change.ok(
                        name(),
                        resource,
                        missing.isEmpty()
                                ? "your access logs (to " + dest + ") are kept, and usage reads them"
                                : "your access logs (to " + dest + ") are kept as they are; usage cannot read them: "
                                        + "their format lacks " + String.join(", ", missing)));
            }
        }
        return rows;
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        if (change.diff() instanceof Group g) {
            if (g.create()) {
                call("creating log group " + g.group(), w.region(), () -> {
                    try {
                        return w.aws.logs().createLogGroup(r -> r.logGroupName(g.group()));
                    } catch (ResourceAlreadyExistsException meanwhile) {
                        return null;
                    }
                });
            }
            run(
                    "setting the retention of log group " + g.group(),
                    w.region(),
                    () -> w.aws.logs()
                            .putRetentionPolicy(r -> r.logGroupName(g.group()).retentionInDays(g.days())));
            Current now = current(w);
            Current next = new Current(new LogGroupPiece.Group(g.group(), g.days()), now.stages());
            return w.snapshot().with(b -> b.accessLogs = next);
        }
        Enable en = change.diff(Enable.class);
        run(
                "turning on access logs of stage " + en.stage() + " of API " + w.apiId(),
                w.region(),
                () -> w.aws.apigateway()
                        .updateStage(r -> r.apiId(w.apiId())
                                .stageName(en.stage())
                                .accessLogSettings(a ->
                                        a.destinationArn(en.destinationArn()).format(FORMAT))));
        Current now = current(w);
        Map<String, AccessLogs.Settings> stages = new LinkedHashMap<>(now.stages());
        stages.put(en.stage(), new AccessLogs.Settings(en.destinationArn(), FORMAT));
        Current next = new Current(now.group(), stages);
        return w.snapshot().with(b -> b.accessLogs = next);
    }

    // what setup records

    /** What setup found before applying: whether our group existed, and each stage's settings. */
    public record Before(boolean groupExisted, Map<String, AccessLogs.Settings> stages) {}

    /**
     * Each stage's settings before this run (from the earlier record when there is one: it holds
     * the pre-secure-api state); null when access logs are not asked for.
     */
    public static Before before(Wiring w) {
        if (!wanted(w)) return null;
        Map<String, AccessLogs.Settings> out = new LinkedHashMap<>();
        Optional<AccessLogs> rec = recorded(w);
        current(w).stages().forEach((stage, s) -> {
            AccessLogs.StageRecord r = rec.map(a -> a.stages().get(stage)).orElse(null);
            out.put(stage, r != null ? r.before() : ours(w, s) ? null : s);
        });
        return new Before(current(w).group() != null, out);
    }

    /** The record for secure-api.json after setup: null when access logs were never asked for. */
    public static AccessLogs record(Wiring w, Before before) {
        if (!wanted(w) || before == null) return recorded(w).orElse(null);
        String group = logGroup(w.apiId());
        Current now = current(w);
        boolean created = recorded(w).map(AccessLogs::logGroupCreated).orElse(false)
                || (!before.groupExisted() && now.group() != null);
        Map<String, AccessLogs.StageRecord> stages = new LinkedHashMap<>();
        now.stages().forEach((stage, s) -> {
            String readable = s == null
                    ? null
                    : ours(w, s)
                            ? group
                            : missing(s.format()).isEmpty()
                                    ? groupOf(s.destinationArn()).orElse(null)
                                    : null;
            stages.put(stage, new AccessLogs.StageRecord(before.stages().get(stage), readable));
        });
        return new AccessLogs(group, created, stages);
    }

    // verify

    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        if (recorded(w).isEmpty()) return List.of();
        String res = "API " + w.apiId() + " stages";
        List<String> details = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        current(w).stages().forEach((stage, s) -> {
            if (s == null) details.add("stage " + stage + ": access logging is off");
            else {
                List<String> missing = missing(s.format());
                if (missing.isEmpty()) fine.add(stage);
                else details.add("stage " + stage + ": its access-log format lacks " + String.join(", ", missing));
            }
        });
        if (!details.isEmpty()) {
            return List.of(Check.fail(
                            CHECK_ID,
                            res,
                            "usage cannot count every request of API " + w.apiId() + ": "
                                    + details.size() + (details.size() == 1 ? " stage does" : " stages do")
                                    + " not write the access-log fields it needs",
                            "run secure-api setup " + FLAG
                                    + " (a stage with your own format keeps it: add the fields named above to it)")
                    .withDetails(details));
        }
        return List.of(Check.pass(
                CHECK_ID,
                res,
                fine.isEmpty() ? "no stages yet" : "access logs with key names on " + String.join(", ", fine)));
    }

    // teardown

    @Override
    public Change planRemoval(Wiring w) {
        List<Change> rows = removalRows(w);
        return rows.stream()
                .filter(Change::changes)
                .findFirst()
                .orElse(rows.isEmpty() ? Change.ok(name(), "-", "nothing of secure-api's here") : rows.get(0));
    }

    /** Per recorded stage that still has our settings: put back what it had; then our group, if we created it. */
    @Override
    public List<Change> removalRows(Wiring w) {
        Optional<AccessLogs> rec = recorded(w);
        if (rec.isEmpty()) return List.of();
        List<Change> rows = new ArrayList<>();
        Current now = current(w);
        rec.get().stages().forEach((stage, r) -> {
            String resource = "stage " + stage + " of API " + w.apiId();
            if (!now.stages().containsKey(stage)) {
                rows.add(Change.ok(name(), resource, "not found"));
                return;
            }
            AccessLogs.Settings s = now.stages().get(stage);
            if (!ours(w, s)) {
                rows.add(Change.ok(name(), resource, s == null ? "access logging off" : "its own access logs: kept"));
                return;
            }
            rows.add(new Change(
                    name(),
                    resource,
                    r.before() == null ? Change.Action.DELETE : Change.Action.UPDATE,
                    r.before() == null
                            ? "turn access logging off, as before setup"
                            : "put back its access logs to "
                                    + groupOf(r.before().destinationArn())
                                            .orElse(r.before().destinationArn()),
                    new Restore(stage, r.before())));
        });
        String group = rec.get().logGroup();
        if (!rec.get().logGroupCreated()) {
            rows.add(Change.ok(name(), "log group " + group, "not made by secure-api: kept"));
        } else if (now.group() == null) {
            rows.add(Change.ok(name(), "log group " + group, "not found"));
        } else {
            rows.add(new Change(
                    name(),
                    "log group " + group,
                    Change.Action.DELETE,
                    "the API's access logs",
                    new DeleteGroup(group)));
        }
        return rows;
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        Current now = current(w);
        if (change.diff() instanceof DeleteGroup d) {
            unlessGone(
                    "deleting log group " + d.group(),
                    w.region(),
                    ResourceNotFoundException.class,
                    () -> w.aws.logs().deleteLogGroup(r -> r.logGroupName(d.group())));
            Current next = new Current(null, now.stages());
            return w.snapshot().with(b -> b.accessLogs = next);
        }
        Restore r = change.diff(Restore.class);
        String doing = "restoring the access logs of stage " + r.stage() + " of API " + w.apiId();
        if (r.before() == null) {
            unlessGone(
                    doing,
                    w.region(),
                    NotFoundException.class,
                    () -> w.aws.apigateway()
                            .deleteAccessLogSettings(x -> x.apiId(w.apiId()).stageName(r.stage())));
        } else {
            unlessGone(
                    doing,
                    w.region(),
                    NotFoundException.class,
                    () -> w.aws.apigateway()
                            .updateStage(x -> x.apiId(w.apiId())
                                    .stageName(r.stage())
                                    .accessLogSettings(
                                            a -> a.destinationArn(r.before().destinationArn())
                                                    .format(r.before().format()))));
        }
        Map<String, AccessLogs.Settings> stages = new LinkedHashMap<>(now.stages());
        stages.put(r.stage(), r.before());
        Current next = new Current(now.group(), stages);
        return w.snapshot().with(b -> b.accessLogs = next);
    }
}
