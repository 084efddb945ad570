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
            while (end < changes.size() && NEEDS.containsKey(changes.get(end).piece())) end++;
            if (end - i > 1) {
                applyConcurrently(changes.subList(i, end), progress);
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
     * What each change before the routes waits for: the changes of these pieces earlier in the same
     * plan. Everything else starts at once, so the longest chain, not the sum, is what setup waits:
     * with the user's function, the authorizer is made while the secret is created and the
     * function's SECRET_ARN set. The secret's format and its policy both write the secret, so the
     * policy waits for the format; the invoke permission waits for the function's variables, as
     * Lambda refuses AddPermission while a configuration update is in progress. A piece not named here (the routes and what
     * follows them) runs alone, after every change before it: routes are switched only once
     * everything that protects them is in place.
     */
    static final Map<String, java.util.Set<String>> NEEDS = Map.of(
            "secret", java.util.Set.of(),
            "execution role", java.util.Set.of(),
            "log group", java.util.Set.of(),
            "authorizer function", java.util.Set.of("secret", "execution role", "log group"),
            "secret format", java.util.Set.of("secret", "authorizer function"),
            "env var", java.util.Set.of("secret", "authorizer function", "secret format"),
            "secret policy", java.util.Set.of("secret", "execution role", "authorizer function", "secret format"),
            "key decryption", java.util.Set.of("secret", "execution role", "authorizer function"),
            "authorizer", java.util.Set.of("authorizer function"),
            "invoke permission", java.util.Set.of("authorizer function", "authorizer", "env var"));

    /**
     * Applies {@code run} (consecutive changes named in {@link #NEEDS}): each change starts as soon
     * as the changes it needs have finished, on its own copy of the snapshot (the start snapshot
     * with their results); the results are merged back into the run in plan order. What they report
     * is held and printed in plan order, as if they had run one by one. A change whose need failed
     * does not run; every started change is waited for (never interrupted mid-write); then the
     * first failure in plan order is thrown.
     */
    private void applyConcurrently(List<Change> run, Progress progress) {
        int n = run.size();
        Snapshot base = wiring.snapshot();
        Snapshot[] start = new Snapshot[n];
        Snapshot[] after = new Snapshot[n];
        RuntimeException[] failed = new RuntimeException[n];
        boolean[] skipped = new boolean[n];
        List<List<String>> said = new ArrayList<>();
        List<java.util.SortedSet<Integer>> needed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            said.add(java.util.Collections.synchronizedList(new ArrayList<>()));
            java.util.SortedSet<Integer> all = new java.util.TreeSet<>();
            java.util.Set<String> needs = NEEDS.get(run.get(i).piece());
            for (int j = 0; j < i; j++) {
                if (needs.contains(run.get(j).piece())) {
                    all.add(j);
                    all.addAll(needed.get(j));
                }
            }
            needed.add(all);
        }
        InOrder report = new InOrder(said, progress);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "secure-api-apply");
            t.setDaemon(true);
            return t;
        });
        List<java.util.concurrent.CompletableFuture<Void>> done = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                int me = i;
                java.util.concurrent.CompletableFuture<?>[] waits =
                        needed.get(me).stream().map(done::get).toArray(java.util.concurrent.CompletableFuture[]::new);
                done.add(java.util.concurrent.CompletableFuture.allOf(waits)
                        .thenRunAsync(
                                () -> {
                                    if (needed.get(me).stream().anyMatch(j -> failed[j] != null || skipped[j])) {
                                        skipped[me] = true;
                                        return;
                                    }
                                    Snapshot s = base;
                                    for (int j : needed.get(me)) s = s.merged(start[j], after[j]);
                                    start[me] = s;
                                    Change c = run.get(me);
                                    Wiring fork = wiring.fork(said.get(me)::add);
                                    fork.advance(s);
                                    Piece piece = piece(pieces, c);
                                    String line = piece.progressLine(c);
                                    if (c.changes() && line != null)
                                        said.get(me).add(line);
                                    try {
                                        fork.advance(piece.apply(fork, c));
                                    } catch (RuntimeException e) {
                                        failed[me] = e;
                                    } finally {
                                        after[me] = fork.snapshot();
                                    }
                                },
                                pool)
                        .whenComplete((ok, e) -> report.finished(me)));
            }
            done.forEach(java.util.concurrent.CompletableFuture::join);
        } finally {
            pool.shutdown();
        }
        Snapshot merged = wiring.snapshot();
        for (int i = 0; i < n; i++) if (after[i] != null) merged = merged.merged(start[i], after[i]);
        wiring.advance(merged);
        for (int i = 0; i < n; i++) if (failed[i] != null) throw failed[i];
    }

    /**
     * Prints what concurrent changes said, in plan order, as soon as every change before has
     * finished: progress keeps up with the work and still reads as if it ran one change at a time.
     */
    private static final class InOrder {
        private final List<List<String>> said;
        private final boolean[] finished;
        private final Progress progress;
        private int next;

        InOrder(List<List<String>> said, Progress progress) {
            this.said = said;
            this.finished = new boolean[said.size()];
            this.progress = progress;
        }

        synchronized void finished(int i) {
            finished[i] = true;
            while (next < finished.length && finished[next]) {
                said.get(next).forEach(progress::say);
                said.get(next).clear();
                next++;
            }
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
