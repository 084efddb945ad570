package io.secureapi.engine;

import io.secureapi.aws.AwsClients;
import io.secureapi.config.ProjectConfig;
import io.secureapi.config.Target;
import io.secureapi.model.Change;
import io.secureapi.model.Plan;
import io.secureapi.model.State;
import io.secureapi.pieces.AccessLogsPiece;
import io.secureapi.pieces.AuthorizerPiece;
import io.secureapi.pieces.EnvVarPiece;
import io.secureapi.pieces.ExecutionRolePiece;
import io.secureapi.pieces.FunctionPiece;
import io.secureapi.pieces.InvokePermissionPiece;
import io.secureapi.pieces.KeyDecryptionPiece;
import io.secureapi.pieces.KeyNameForwardingPiece;
import io.secureapi.pieces.LogGroupPiece;
import io.secureapi.pieces.Piece;
import io.secureapi.pieces.RoutesPiece;
import io.secureapi.pieces.SecretFormatPiece;
import io.secureapi.pieces.SecretPiece;
import io.secureapi.pieces.SecretPolicyPiece;
import io.secureapi.pieces.Snapshot;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * setup as an ordering of pieces: read everything, plan every piece, apply in dependency order.
 * Every validation happens in read or plan, so bad input never leaves anything half-changed.
 */
public final class Setup {
    private Wiring wiring;
    private final List<Piece> pieces;
    private Map<String, State.Authorization> before;
    /** The routes this run is switching to our authorizer, from just before the first UpdateRoute. */
    private volatile java.util.Set<String> protecting = java.util.Set.of();

    private AccessLogsPiece.Before accessLogsBefore;

    private Setup(Wiring wiring, List<Piece> pieces) {
        this.wiring = wiring;
        this.pieces = pieces;
    }

    /** Apply order: each piece needs what the ones before it made. */
    public static List<Piece> pieces(Target t) {
        List<Piece> p = new ArrayList<>();
        p.add(new SecretPiece());
        if (t.managedFunction()) p.add(new ExecutionRolePiece());
        if (t.managedFunction()) p.add(new LogGroupPiece());
        p.add(new FunctionPiece());
        if (t.managedFunction()) p.add(new SecretFormatPiece());
        p.add(new EnvVarPiece());
        p.add(new SecretPolicyPiece());
        p.add(new KeyDecryptionPiece());
        p.add(new AuthorizerPiece());
        p.add(new InvokePermissionPiece());
        p.add(new RoutesPiece());
        p.add(new KeyNameForwardingPiece());
        p.add(new StagesPiece());
        // plans no row unless --access-logs was asked for now or by an earlier setup
        p.add(new AccessLogsPiece());
        return p;
    }

    /** Reads the whole actual state: independent chains of reads run concurrently. {@code previous}: the config entry, null for none. */
    public static Setup read(
            Target target, Wiring.Options options, AwsClients aws, Progress progress, ProjectConfig previous) {
        Wiring w = Reader.forSetup(target, options, aws, progress, previous);
        return new Setup(w, pieces(w.target));
    }

    /** The same with --access-logs. */
    public static Wiring.Options options(
            boolean deployStages, Integer logRetentionDays, String forwardKeyName, boolean accessLogs) {
        return options(deployStages, logRetentionDays, forwardKeyName).withAccessLogs(accessLogs);
    }

    /** --deploy-stages, --log-retention-days and --forward-key-name (null: not given). */
    public static Wiring.Options options(boolean deployStages, Integer logRetentionDays, String forwardKeyName) {
        return new Wiring.Options(deployStages, logRetentionDays, forwardKeyName, Wiring.Options.DEFAULT.removal());
    }

    public Wiring wiring() {
        return wiring;
    }

    public Plan plan() {
        List<Change> changes = new ArrayList<>();
        for (Piece p : pieces) {
            // a piece may plan several rows (one per stage without AutoDeploy), decided on the rows before it
            changes.addAll(p.planRows(wiring, changes));
        }
        before = RoutesPiece.before(wiring);
        accessLogsBefore = AccessLogsPiece.before(wiring);
        return new Plan(changes);
    }

    /**
     * Applies the plan that was printed, change by change in its (dependency) order: each piece
     * consumes its own diff on the snapshot the changes before it left, and nothing is planned again.
     */
    public void apply(Plan plan, Progress progress) {
        apply(plan, progress, config -> {});
    }

    /**
     * Like {@link #apply(Plan, Progress)}; {@code writeAhead} durably records the config, with the
     * routes about to be switched and their earlier authorization, before the first UpdateRoute: a
     * run killed between two route updates leaves the record a rerun and teardown restore from.
     */
    public void apply(Plan plan, Progress progress, java.util.function.Consumer<ProjectConfig> writeAhead) {
        StagesPiece.refuseWithoutFlag(
                wiring, plan.changes(), "setup", "would keep serving routes without the protection");
        List<Change> changes = plan.changes().stream().filter(Change::applies).toList();
        for (int i = 0; i < changes.size(); i++) {
            Change c = changes.get(i);
            int end = i;
            while (end < changes.size() && lane(changes.get(end), changes) >= 0) end++;
            if (end - i > 1) {
                applyLanes(changes.subList(i, end), changes, progress);
                i = end - 1;
                continue;
            }
            Piece piece = piece(pieces, c);
            if (c.diff() instanceof RoutesPiece.Protect p && !p.routes().isEmpty()) {
                protecting = p.routes().stream()
                        .map(State.Route::id)
                        .collect(java.util.stream.Collectors.toUnmodifiableSet());
                writeAhead.accept(config());
            }
            String line = piece.progressLine(c);
            if (c.changes() && line != null) progress.say(line);
            wiring.advance(piece.apply(wiring, c));
        }
    }

    /**
     * Which concurrent lane change {@code c} joins, or -1 when it runs alone. Once the secret and
     * the function are in place, these changes need nothing from each other and each talks to its
     * own service, so they run at once (the secret's format and the function's variables stay in
     * order in one lane; the secret's policy joins that lane when the format also writes the
     * secret). Routes are switched only after every lane has finished.
     */
    private static int lane(Change c, List<Change> changes) {
        return switch (c.piece()) {
            case "secret format", "env var" -> 0;
            case "secret policy" -> changes.stream().anyMatch(x -> x.piece().equals("secret format")) ? 0 : 1;
            case "key decryption" -> 2;
            case "authorizer" -> 3;
            default -> -1;
        };
    }

    /**
     * Applies {@code run} (consecutive changes that each have a lane) lane by lane, the lanes at
     * once, each on its own copy of the snapshot; their results are merged back into the run. What
     * they report is held and printed in plan order, as if they had run one by one. Every lane is
     * waited for (never interrupted mid-write); then the first failure in plan order is thrown.
     */
    private void applyLanes(List<Change> run, List<Change> all, Progress progress) {
        Snapshot base = wiring.snapshot();
        Map<Change, List<String>> said = new java.util.IdentityHashMap<>();
        run.forEach(c -> said.put(c, new java.util.ArrayList<>()));
        Map<Integer, List<Change>> lanes = new java.util.TreeMap<>();
        for (Change c : run)
            lanes.computeIfAbsent(lane(c, all), k -> new ArrayList<>()).add(c);
        List<Wiring> forks = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<Void>> running = new ArrayList<>();
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(lanes.size(), r -> {
                    Thread t = new Thread(r, "secure-api-apply");
                    t.setDaemon(true);
                    return t;
                });
        Map<Change, RuntimeException> failed = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
        try {
            for (List<Change> lane : lanes.values()) {
                Change[] current = {null};
                Wiring fork = wiring.fork(line -> said.get(current[0]).add(line));
                forks.add(fork);
                running.add(java.util.concurrent.CompletableFuture.runAsync(
                        () -> {
                            for (Change c : lane) {
                                current[0] = c;
                                Piece piece = piece(pieces, c);
                                String line = piece.progressLine(c);
                                if (c.changes() && line != null) said.get(c).add(line);
                                try {
                                    fork.advance(piece.apply(fork, c));
                                } catch (RuntimeException e) {
                                    failed.put(c, e);
                                    return; // the rest of this lane needed this change
                                }
                            }
                        },
                        pool));
            }
            running.forEach(java.util.concurrent.CompletableFuture::join);
        } finally {
            pool.shutdown();
        }
        Snapshot merged = wiring.snapshot();
        for (Wiring fork : forks) merged = merged.merged(base, fork.snapshot());
        wiring.advance(merged);
        for (Change c : run) {
            said.get(c).forEach(progress::say);
            RuntimeException e = failed.get(c);
            if (e != null) throw e;
        }
    }

    /** The piece that planned {@code c}. */
    static Piece piece(List<Piece> pieces, Change c) {
        return pieces.stream()
                .filter(p -> p.name().equals(c.piece()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no piece " + c.piece() + " in this ordering"));
    }

    public ProjectConfig config() {
        Wiring w = wiring;
        String authorizerId = w.ourAuthorizer().map(State.Authorizer::id).orElse(null);
        return new ProjectConfig(
                w.apiId(),
                w.region(),
                w.qualifiedFunctionArn(),
                w.target.managedFunction(),
                w.secretArn(),
                w.target.secretName(),
                authorizerId,
                w.target.authorizerName(),
                w.target.header(),
                w.target.cacheTtl(),
                RoutesPiece.recorded(w, before == null ? Map.of() : before, protecting),
                RoutesPiece.excluded(w),
                KeyNameForwardingPiece.header(w),
                AccessLogsPiece.record(w, accessLogsBefore));
    }
}
