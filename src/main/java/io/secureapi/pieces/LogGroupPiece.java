package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.run;
import static io.secureapi.aws.AwsCall.unlessGone;

import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.cloudwatchlogs.model.LogGroup;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

/**
 * The bundled function's log group, made by setup with a retention: its decision lines are where
 * keys list finds each key's last use, and without a retention Lambda's own group keeps logs forever.
 */
public final class LogGroupPiece implements Piece {
    public static final int DEFAULT_RETENTION_DAYS = 90;
    /** The values PutRetentionPolicy accepts (docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html). */
    public static final List<Integer> RETENTION_DAYS = List.of(
            1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653);

    /** The group as read; {@code retentionDays} null = never expire. */
    public record Group(String name, Integer retentionDays) {}

    @Override
    public String name() {
        return "log group";
    }

    /** Checks --log-retention-days before anything is read or written. */
    public static int checkRetention(int days) {
        if (!RETENTION_DAYS.contains(days)) {
            throw ExitException.badInput(
                    "--log-retention-days " + days + " is not a retention CloudWatch Logs offers",
                    "use one of " + RETENTION_DAYS.toString().replaceAll("[\\[\\]]", ""));
        }
        return days;
    }

    /** The bundled function's log group, if it exists. */
    public static Optional<Group> read(Wiring w) {
        String group = LastUsed.logGroup(w.functionName());
        return call("reading log group " + group, w.region(), () -> {
            List<LogGroup> found = w.aws.logs()
                    .describeLogGroups(r -> r.logGroupNamePrefix(group))
                    .logGroups();
            return found.stream()
                    .filter(g -> g.logGroupName().equals(group))
                    .findFirst()
                    .map(g -> new Group(g.logGroupName(), g.retentionInDays()));
        });
    }

    /** The retention to have: the one asked for; else the group's own; else the default (logs must not grow forever). */
    static int desired(Wiring w) {
        if (w.options.logRetentionDays() != null) return w.options.logRetentionDays();
        return w.logGroup().map(Group::retentionDays).filter(d -> d != null).orElse(DEFAULT_RETENTION_DAYS);
    }

    /** The group's retention from {@code from} (null: never expire) to {@code to} days; {@code create}: the group is not there yet. */
    record Retention(String group, boolean create, Integer from, int to) implements Change.Diff {}

    /** Delete the bundled authorizer's log group. */
    record Delete(String group) implements Change.Diff {}

    @Override
    public Change plan(Wiring w) {
        String group = LastUsed.logGroup(w.functionName());
        int days = desired(w);
        if (w.logGroup().isEmpty()) {
            return new Change(
                    name(),
                    group,
                    Change.Action.CREATE,
                    "retention " + days + " days",
                    new Retention(group, true, null, days));
        }
        Integer now = w.logGroup().get().retentionDays();
        if (now == null || now != days) {
            return new Change(
                    name(),
                    group,
                    Change.Action.UPDATE,
                    "retention " + (now == null ? "never expire" : now + " days") + " → " + days + " days",
                    new Retention(group, false, now, days));
        }
        return Change.ok(name(), group, "retention " + days + " days");
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        Retention planned = change.diff(Retention.class);
        String group = planned.group();
        int days = planned.to();
        if (planned.create()) {
            call("creating log group " + group, w.region(), () -> {
                try {
                    return w.aws.logs().createLogGroup(r -> r.logGroupName(group));
                } catch (ResourceAlreadyExistsException meanwhile) {
                    // the function logged first: Lambda made it; only the retention is ours to set
                    return null;
                }
            });
        }
        run(
                "setting the retention of log group " + group,
                w.region(),
                () -> w.aws.logs().putRetentionPolicy(r -> r.logGroupName(group).retentionInDays(days)));
        return w.snapshot().with(b -> b.logGroup = new Group(group, days));
    }

    // teardown: the piece exists only for the bundled function, whose logs go with it

    @Override
    public Change planRemoval(Wiring w) {
        String group = LastUsed.logGroup(w.functionName());
        if (w.logGroup().isEmpty()) return Change.ok(name(), group, "not found");
        if (!FunctionPiece.deletes(w) && w.function().isPresent())
            return Change.ok(name(), group, "kept with the function");
        return new Change(name(), group, Change.Action.DELETE, "the bundled authorizer's logs", new Delete(group));
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        String group = change.diff(Delete.class).group();
        unlessGone(
                "deleting log group " + group,
                w.region(),
                ResourceNotFoundException.class,
                () -> w.aws.logs().deleteLogGroup(r -> r.logGroupName(group)));
        return w.snapshot().with(b -> b.logGroup = null);
    }
}
