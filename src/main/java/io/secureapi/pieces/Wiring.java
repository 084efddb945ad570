package io.secureapi.pieces;

import io.secureapi.aws.AwsClients;
import io.secureapi.config.ProjectConfig;
import io.secureapi.config.Target;
import io.secureapi.keys.ApiKey;
import io.secureapi.keys.PendingKeys;
import io.secureapi.model.State;
import io.secureapi.support.Arns;
import io.secureapi.support.Names;
import io.secureapi.support.Progress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * One run against one API: what should be there ({@link Target}, {@link Options}), the clients,
 * and the current {@link Snapshot} of what AWS holds. The snapshot is immutable; the run moves on
 * to the snapshot each applied change answers, so every piece sees what the pieces before it made.
 */
public final class Wiring {
    /** Teardown's choices: keep the secret, or its recovery window. */
    public record Removal(boolean keepSecret, int recoveryDays) {
        public static final Removal DEFAULT = new Removal(false, 7);
        public static final int MIN_RECOVERY_DAYS = 7;
        public static final int MAX_RECOVERY_DAYS = 30;
    }

    public final Target target;
    public final AwsClients aws;
    public final Progress progress;
    public final Options options;
    /** Keys made by this run, shown once by the command; never part of the snapshot. */
    final NewKeys keys;

    private final ProjectConfig previous;
    private final AtomicReference<Snapshot> snapshot;

    /** Choices that are not about one resource: deploying stages, log retention, the forwarded name, what teardown keeps. */
    public record Options(
            boolean deployStages,
            Integer logRetentionDays,
            String forwardKeyName,
            Wiring.Removal removal,
            boolean accessLogs) {
        public static final Options DEFAULT = new Options(false, null, null, Wiring.Removal.DEFAULT);

        /** Without --access-logs. */
        public Options(boolean deployStages, Integer logRetentionDays, String forwardKeyName, Wiring.Removal removal) {
            this(deployStages, logRetentionDays, forwardKeyName, removal, false);
        }

        public Options withDeployStages(boolean v) {
            return new Options(v, logRetentionDays, forwardKeyName, removal, accessLogs);
        }

        /** setup --access-logs: turn on each stage's access logging. */
        public Options withAccessLogs(boolean v) {
            return new Options(deployStages, logRetentionDays, forwardKeyName, removal, v);
        }
    }

    /** The keys this run generated, and who is told of each before it is stored (the write-ahead). */
    public static final class NewKeys {
        PendingKeys.Handover handover = PendingKeys.Handover.NONE;
        ApiKey live;
        ApiKey dev;
    }

    /** {@code previous}: secure-api.json's entry (null: none; an entry for another API counts as none). */
    public Wiring(Target target, AwsClients aws, Progress progress, ProjectConfig previous) {
        this(
                target,
                aws,
                progress,
                Optional.ofNullable(previous)
                        .filter(ProjectConfig.forApi(target.apiId()))
                        .orElse(null),
                Options.DEFAULT,
                new NewKeys(),
                Snapshot.EMPTY);
    }

    private Wiring(
            Target target,
            AwsClients aws,
            Progress progress,
            ProjectConfig previous,
            Options options,
            NewKeys keys,
            Snapshot snapshot) {
        this.target = target;
        this.aws = aws;
        this.progress = progress;
        this.previous = previous;
        this.options = options;
        this.keys = keys;
        this.snapshot = new AtomicReference<>(snapshot);
    }

    /** The same run with other options (set before planning). */
    public Wiring with(Options o) {
        return new Wiring(target, aws, progress, previous, o, keys, snapshot());
    }

    /** The same run for another target (e.g. the user's own function, found by the first reads). */
    public Wiring with(Target t) {
        return new Wiring(t, aws, progress, previous, options, keys, snapshot());
    }

    /**
     * The same run on its own copy of the current snapshot, reporting to {@code p}: a change
     * applied concurrently with others ({@code engine.Setup}), merged back with
     * {@link Snapshot#merged} when it ends.
     */
    public Wiring fork(Progress p) {
        return new Wiring(target, aws, p, previous, options, keys, snapshot());
    }

    /** A view of this run on another snapshot: what a piece's helpers read while it works out its change. */
    Wiring on(Snapshot s) {
        return new Wiring(target, aws, progress, previous, options, keys, s);
    }

    public Snapshot snapshot() {
        return snapshot.get();
    }

    /** Moves the run to the snapshot a read or an applied change answered. */
    public void advance(Snapshot next) {
        snapshot.set(next);
    }

    /** Moves the run on by replacing some components of its snapshot; safe from concurrent reads. */
    public void advance(java.util.function.Consumer<Snapshot.Builder> change) {
        snapshot.updateAndGet(s -> s.with(change));
    }

    public void advanceWith(UnaryOperator<Snapshot> f) {
        snapshot.updateAndGet(f);
    }

    public Optional<ProjectConfig> previous() {
        return Optional.ofNullable(previous);
    }

    public String region() {
        return target.region();
    }

    public String apiId() {
        return target.apiId();
    }

    public String partition() {
        return snapshot().partition();
    }

    public String account() {
        return snapshot().account();
    }

    public State.Api api() {
        return snapshot().api();
    }

    public List<State.Route> routes() {
        return snapshot().routes();
    }

    public List<State.Authorizer> authorizers() {
        return snapshot().authorizers();
    }

    public Optional<State.Secret> secret() {
        return Optional.ofNullable(snapshot().secret());
    }

    public Optional<String> secretValue() {
        return Optional.ofNullable(snapshot().secretValue());
    }

    public Optional<String> previousSecretValue() {
        return Optional.ofNullable(snapshot().previousSecretValue());
    }

    public Optional<String> secretPolicy() {
        return Optional.ofNullable(snapshot().secretPolicy());
    }

    public Optional<State.Function> function() {
        return Optional.ofNullable(snapshot().function());
    }

    public Optional<State.Role> role() {
        return Optional.ofNullable(snapshot().role());
    }

    public List<State.Stage> stages() {
        return snapshot().stages();
    }

    public Map<String, StagesPiece.Deployed> deployed() {
        return snapshot().deployed();
    }

    public Optional<String> functionPolicy() {
        return Optional.ofNullable(snapshot().functionPolicy());
    }

    public Optional<KeyDecryptionPiece.Key> kmsKey() {
        return Optional.ofNullable(snapshot().kmsKey());
    }

    public Optional<String> kmsRolePolicy() {
        return Optional.ofNullable(snapshot().kmsRolePolicy());
    }

    public Optional<LogGroupPiece.Group> logGroup() {
        return Optional.ofNullable(snapshot().logGroup());
    }

    /** The access-log settings of every stage and our access-log group, when read (setup --access-logs, or recorded). */
    public Optional<AccessLogsPiece.Current> accessLogs() {
        return Optional.ofNullable(snapshot().accessLogs());
    }

    public List<KeyNameForwardingPiece.Integration> integrations() {
        return snapshot().integrations();
    }

    public String functionVersion() {
        return function().map(State.Function::version).orElse("$LATEST");
    }

    public Optional<ApiKey> newLiveKey() {
        return Optional.ofNullable(keys.live);
    }

    public Optional<ApiKey> newDevKey() {
        return Optional.ofNullable(keys.dev);
    }

    /** Told of each new key before it is stored (the write-ahead) and whether it was. */
    public void handOverTo(PendingKeys.Handover h) {
        keys.handover = h;
    }

    public String functionName() {
        return target.function().map(Wiring::nameOf).orElse(Names.managedFunctionName(apiId()));
    }

    public static String nameOf(String nameOrArn) {
        return Arns.parse(nameOrArn)
                .map(p -> p.resource().replaceFirst("^function:", "").replaceFirst(":.*$", ""))
                .orElse(nameOrArn.replaceFirst(":.*$", ""));
    }

    public String functionArn() {
        return function()
                .map(State.Function::arn)
                .orElse("arn:" + partition() + ":lambda:" + region() + ":" + account() + ":function:" + functionName());
    }

    /** The alias or version of --function (…:function:fn:live, fn:7), if it has one. */
    public Optional<String> qualifier() {
        return target.function().flatMap(Wiring::qualifierOf);
    }

    static Optional<String> qualifierOf(String nameOrArn) {
        String[] p = nameOrArn.split(":");
        if (nameOrArn.startsWith("arn:"))
            return p.length >= 8 && !p[7].isBlank() ? Optional.of(p[7]) : Optional.empty();
        return p.length == 2 && !p[1].isBlank() ? Optional.of(p[1]) : Optional.empty();
    }

    /** The function as API Gateway calls it: with its alias or version when --function named one. */
    public String qualifiedFunctionArn() {
        return functionArn() + qualifier().map(q -> ":" + q).orElse("");
    }

    /** The function resolves to a published version: its configuration (environment) can never change. */
    public boolean publishedVersion() {
        return !"$LATEST".equals(functionVersion());
    }

    public String roleArn() {
        if (target.managedFunction()) return Arns.role(partition(), account(), Names.managedRoleName(apiId()));
        return function().map(State.Function::role).orElse(null);
    }

    /** The secret's ARN, or null while it is still to be created. */
    public String secretArn() {
        return secret().map(State.Secret::arn).orElse(null);
    }

    public Optional<State.Authorizer> ourAuthorizer() {
        return authorizers().stream()
                .filter(a -> a.name().equals(target.authorizerName()))
                .findFirst();
    }

    public String authorizerUri() {
        return Arns.authorizerUri(partition(), region(), qualifiedFunctionArn());
    }

    /** The authorizers with {@code a} first (replacing the one with its id). */
    public static List<State.Authorizer> putAuthorizer(List<State.Authorizer> authorizers, State.Authorizer a) {
        List<State.Authorizer> out = new java.util.ArrayList<>(
                authorizers.stream().filter(x -> !x.id().equals(a.id())).toList());
        out.add(0, a);
        return List.copyOf(out);
    }
}
