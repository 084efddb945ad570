package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.run;

import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import io.secureapi.model.State;
import io.secureapi.support.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.PreconditionFailedException;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.UpdateFunctionConfigurationResponse;

/** SECRET_ARN (and, for the bundled function, KEY_HEADER) merged into the function's environment. */
public final class EnvVarPiece implements Piece {
    static final String NAME = "env var";

    @Override
    public String name() {
        return NAME;
    }

    /** SECRET_ARN of a secret this run creates: its ARN is known only once the secret piece has applied. */
    static final String NEW_SECRET = "(new secret)";

    /** Our variables from what the function has ({@code from}, only the ones it has) to {@code to}; SECRET_ARN may be {@link #NEW_SECRET}. */
    record Vars(Map<String, String> from, Map<String, String> to) implements Change.Diff {
        public Vars {
            from = Map.copyOf(from);
            to = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(to));
        }
    }

    /** Remove our variables, keeping the others. */
    record Unset(List<String> names) implements Change.Diff {
        public Unset {
            names = List.copyOf(names);
        }
    }

    /** The variables we own; SECRET_ARN is "pending" until the secret exists. */
    static Map<String, String> desired(Wiring w) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Names.ENV_SECRET_ARN, w.secretArn() == null ? NEW_SECRET : w.secretArn());
        if (w.target.managedFunction())
            env.put(Names.ENV_KEY_HEADER, w.target.header().toLowerCase());
        return env;
    }

    @Override
    public Change plan(Wiring w) {
        String resource = w.functionName() + " " + Names.ENV_SECRET_ARN;
        if (w.function().isEmpty()) {
            // no diff of its own: the function piece creates the function with these variables
            return new Change(name(), resource, Change.Action.CREATE, "set when the function is created");
        }
        Map<String, String> actual = w.function().get().env();
        List<String> why = new ArrayList<>();
        Map<String, String> from = new LinkedHashMap<>();
        desired(w).forEach((k, v) -> {
            if (!actual.containsKey(k)) why.add("add " + k);
            else if (!actual.get(k).equals(v)) why.add(k + " → " + v);
            if (actual.containsKey(k)) from.put(k, actual.get(k));
        });
        int others = (int)
                actual.keySet().stream().filter(k -> !desired(w).containsKey(k)).count();
        String kept = others == 0 ? "" : " (" + others + " other variable" + (others == 1 ? "" : "s") + " kept)";
        if (why.isEmpty()) return Change.ok(name(), resource, "points at the secret" + kept);
        if (w.publishedVersion()) throw immutable(w);
        boolean fresh = why.stream().allMatch(s -> s.startsWith("add "));
        return new Change(
                name(),
                resource,
                fresh ? Change.Action.CREATE : Change.Action.UPDATE,
                String.join("; ", why) + kept,
                new Vars(from, desired(w)));
    }

    /**
     * --function names an alias or version that resolves to a published version: its configuration
     * is immutable, so SECRET_ARN must be set on $LATEST before the version is published.
     */
    static ExitException immutable(Wiring w) {
        String fn = w.functionName();
        String given = fn + ":" + w.qualifier().orElse(w.functionVersion());
        String value = w.secretArn() != null
                ? w.secretArn()
                : "<the ARN of secret " + w.target.secretName()
                        + ", once created: aws secretsmanager create-secret --name " + w.target.secretName()
                        + " --region " + w.region() + ">";
        boolean alias =
                w.qualifier().filter(q -> !q.equals(w.functionVersion())).isPresent();
        return ExitException.badInput(
                "Lambda function " + given + " in " + w.region() + " runs published version " + w.functionVersion()
                        + ", which is immutable: " + Names.ENV_SECRET_ARN
                        + " cannot be added to it, it must be there before the version is published",
                "set " + Names.ENV_SECRET_ARN + "=" + value + " on " + fn
                        + " ($LATEST, keeping its other variables), publish a new version"
                        + (alias
                                ? " and point alias " + w.qualifier().get()
                                        + " at it (aws lambda publish-version, aws lambda update-alias)"
                                : " (aws lambda publish-version) and pass --function " + fn + ":<new version>")
                        + ", then run setup again");
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        Map<String, String> to = new LinkedHashMap<>(change.diff(Vars.class).to());
        // known after apply: the ARN of the secret this run created
        to.replaceAll((k, v) -> NEW_SECRET.equals(v) ? w.secretArn() : v);
        return merge(w, to);
    }

    /** Sets {@code desired} on the function, merged into its environment as it is now; no write when it already holds them. */
    static Snapshot merge(Wiring w, Map<String, String> desired) {
        Optional<Optional<State.Function>> changed = write(
                w,
                w.functionArn(),
                desired,
                "setting " + Names.ENV_SECRET_ARN + " on Lambda function " + w.functionName());
        if (changed.isEmpty()) return w.snapshot();
        // the update's answer (when already Successful) or the waiter's last GetFunction is the read-back; read again
        // only without either
        return changed.get().map(f -> w.snapshot().with(b -> b.function = f)).orElseGet(() -> reread(w));
    }

    /**
     * Merges {@code desired} into function {@code fnArn}'s environment as it is now, not as read
     * earlier: a variable added meanwhile (the user's own, SECURE_API_FLUSHED_AT) is never dropped.
     * Writes only if something differs, then waits until the update is done; answers whether it wrote.
     */
    public static boolean mergeInto(Wiring w, String fnArn, Map<String, String> desired, String doing) {
        return write(w, fnArn, desired, doing).isPresent();
    }

    /** {@link #mergeInto}; empty when nothing was written, else the function after the update (when known). */
    private static Optional<Optional<State.Function>> write(
            Wiring w, String fnArn, Map<String, String> desired, String doing) {
        Optional<State.Function> read = w.function()
                .filter(f -> f.revisionId() != null
                        && f.arn().equals(fnArn)
                        && "$LATEST".equals(f.version())
                        && !"InProgress".equals(f.lastUpdateStatus()));
        if (read.isPresent()) {
            // The environment as this run read it, written only if it is still the function's latest
            // revision: UpdateFunctionConfiguration with RevisionId fails with PreconditionFailedException
            // when the function changed since
            // (docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html),
            // and with ResourceConflictException while another update is in progress. Either way the
            // configuration as it is now is read and merged below, so no variable added meanwhile is lost.
            Optional<Map<String, String>> withDesired = withDesired(read.get().env(), desired);
            if (withDesired.isPresent()) {
                Map<String, String> merged = withDesired.get();
                String revision = read.get().revisionId();
                Optional<UpdateFunctionConfigurationResponse> updated = call(doing, w.region(), () -> {
                    try {
                        return Optional.of(w.aws.lambda()
                                .updateFunctionConfiguration(r -> r.functionName(fnArn)
                                        .revisionId(revision)
                                        .environment(e -> e.variables(merged))));
                    } catch (PreconditionFailedException | ResourceConflictException changedMeanwhile) {
                        return Optional.empty();
                    }
                });
                if (updated.isPresent()) return Optional.of(settled(w, updated.get(), read.get()));
            }
        }
        String name = w.functionName();
        GetFunctionConfigurationResponse now = call(
                "reading the configuration of Lambda function " + name,
                w.region(),
                () -> w.aws.lambda().getFunctionConfiguration(r -> r.functionName(fnArn)));
        Optional<Map<String, String>> withDesired =
                withDesired(now.environment() == null ? null : now.environment().variables(), desired);
        if (withDesired.isEmpty()) return Optional.empty();
        Map<String, String> merged = withDesired.get();
        // Lambda refuses a configuration update while another is in progress; wait only if one is.
        if ("InProgress".equals(now.lastUpdateStatusAsString())) FunctionPiece.waitUpdated(w, name);
        run(
                doing,
                w.region(),
                () -> w.aws.lambda()
                        .updateFunctionConfiguration(r -> r.functionName(fnArn).environment(e -> e.variables(merged))));
        // LastUpdateStatus Successful: invocations from now on run the new configuration, in new environments
        // (docs.aws.amazon.com/lambda/latest/dg/functions-states.html)
        return Optional.of(FunctionPiece.waitUpdated(w, name).map(FunctionPiece::state));
    }

    /** {@code current} (null: none) with {@code desired} put in; empty when it holds them already. */
    private static Optional<Map<String, String>> withDesired(Map<String, String> current, Map<String, String> desired) {
        Map<String, String> merged = current == null ? new LinkedHashMap<>() : new LinkedHashMap<>(current);
        if (desired.entrySet().stream().allMatch(e -> e.getValue().equals(merged.get(e.getKey()))))
            return Optional.empty();
        merged.putAll(desired);
        return Optional.of(merged);
    }

    /**
     * The function once the update is done: the update's own answer when it already says
     * LastUpdateStatus Successful (invocations from then on run the new configuration,
     * docs.aws.amazon.com/lambda/latest/dg/functions-states.html; nothing else changed, as the
     * update was for the revision read), else what the function-updated waiter's last GetFunction saw.
     */
    private static Optional<State.Function> settled(
            Wiring w, UpdateFunctionConfigurationResponse updated, State.Function before) {
        if ("Successful".equals(updated.lastUpdateStatusAsString()))
            return Optional.of(before.updated(
                    FunctionPiece.env(
                            updated.environment() == null
                                    ? null
                                    : updated.environment().variables()),
                    updated.stateAsString(),
                    updated.lastUpdateStatusAsString(),
                    updated.revisionId()));
        return FunctionPiece.waitUpdated(w, w.functionName()).map(FunctionPiece::state);
    }

    private static Snapshot reread(Wiring w) {
        State.Function now = FunctionPiece.find(w, w.functionArn()).orElse(null);
        return w.snapshot().with(b -> b.function = now);
    }

    // teardown

    /** Our variables as they stand: SECRET_ARN only while it points at our secret; KEY_HEADER on the bundled function. */
    static List<String> owned(Wiring w) {
        Map<String, String> env = w.function().map(State.Function::env).orElse(Map.of());
        List<String> out = new ArrayList<>();
        String arn = env.get(Names.ENV_SECRET_ARN);
        if (arn != null && ourSecret(w, arn)) out.add(Names.ENV_SECRET_ARN);
        if (w.target.managedFunction() && env.containsKey(Names.ENV_KEY_HEADER)) out.add(Names.ENV_KEY_HEADER);
        return out;
    }

    private static boolean ourSecret(Wiring w, String arn) {
        return arn.equals(w.secretArn())
                || w.previous().map(c -> arn.equals(c.secretArn())).orElse(false)
                || arn.contains(":secret:" + w.target.secretName() + "-");
    }

    @Override
    public Change planRemoval(Wiring w) {
        String resource = w.functionName() + " " + Names.ENV_SECRET_ARN;
        if (w.function().isEmpty()) return Change.ok(name(), resource, "function not found");
        if (FunctionPiece.deletes(w)) return Change.ok(name(), resource, "goes with the bundled function");
        if (w.publishedVersion())
            return Change.ok(name(), resource, "published version " + w.functionVersion() + " is immutable; kept");
        List<String> ours = owned(w);
        int others = (int) w.function().get().env().keySet().stream()
                .filter(k -> !ours.contains(k))
                .count();
        String kept = others == 0 ? "" : " (" + others + " other variable" + (others == 1 ? "" : "s") + " kept)";
        if (ours.isEmpty()) {
            boolean foreign = w.function().get().env().containsKey(Names.ENV_SECRET_ARN);
            return Change.ok(
                    name(),
                    resource,
                    foreign ? Names.ENV_SECRET_ARN + " points at another secret; kept" : "not set" + kept);
        }
        return new Change(
                name(), resource, Change.Action.DELETE, "remove " + String.join(", ", ours) + kept, new Unset(ours));
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        String name = w.functionName();
        List<String> ours = change.diff(Unset.class).names();
        // Edit the environment as it is now: never drop a variable added since the read.
        GetFunctionConfigurationResponse now = call(
                "reading the configuration of Lambda function " + name,
                w.region(),
                () -> w.aws.lambda().getFunctionConfiguration(r -> r.functionName(w.functionArn())));
        Map<String, String> kept = new LinkedHashMap<>();
        if (now.environment() != null && now.environment().variables() != null)
            kept.putAll(now.environment().variables());
        if (ours.stream().noneMatch(kept::containsKey)) return w.snapshot();
        ours.forEach(kept::remove);
        FunctionPiece.waitUpdated(w, name);
        run(
                "removing " + String.join(", ", ours) + " from Lambda function " + name,
                w.region(),
                () -> w.aws.lambda()
                        .updateFunctionConfiguration(
                                r -> r.functionName(w.functionArn()).environment(e -> e.variables(kept))));
        FunctionPiece.waitUpdated(w, name);
        return reread(w);
    }
}
