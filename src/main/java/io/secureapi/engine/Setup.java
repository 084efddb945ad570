package io.secureapi.engine;

import io.secureapi.aws.AwsClients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * setup as an ordering of pieces: read everything, plan every piece, apply in dependency order.
 * Every validation happens in read or plan, so bad input never leaves anything half-changed.
 */
public final class Setup {
    private final Wiring wiring;
    private final List<Piece> pieces;
    private Map<String, State.Authorization> before;

    private Setup(Wiring wiring, List<Piece> pieces) {
        this.wiring = wiring;
        this.pieces = pieces;
    }

    /** Apply order: each piece needs what the ones before it made. */
    public static List<Piece> pieces(Target t) {
        List<Piece> p = new ArrayList<>();
        p.add(new SecretPiece());
        if (t.managedFunction()) p.add(new ExecutionRolePiece());
        p.add(new FunctionPiece());
        p.add(new EnvVarPiece());
        p.add(new SecretPolicyPiece());
        p.add(new AuthorizerPiece());
        p.add(new InvokePermissionPiece());
        p.add(new RoutesPiece());
        return p;
    }

    /** Reads the whole actual state: independent chains of reads run concurrently. */
    public static Setup read(Target target, AwsClients aws, Progress progress, Optional<ProjectConfig> previous) {
        Wiring w = new Wiring(target, aws, progress, previous);
        List<Piece> pieces = pieces(target);
        Piece secret = find(pieces, SecretPiece.class);
        Piece policy = find(pieces, SecretPolicyPiece.class);
        Piece function = find(pieces, FunctionPiece.class);
        Piece permission = find(pieces, InvokePermissionPiece.class);
        Piece authorizer = find(pieces, AuthorizerPiece.class);
        Piece routes = find(pieces, RoutesPiece.class);
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "secure-api-read");
            t.setDaemon(true);
            return t;
        });
        try {
            CompletableFuture<Void> api = CompletableFuture.runAsync(() -> HttpApi.read(w), pool)
                    .thenRunAsync(() -> authorizer.read(w), pool);
            CompletableFuture<Void> apiRoutes = api.thenRunAsync(() -> routes.read(w), pool);
            CompletableFuture<Void> fn = CompletableFuture.runAsync(() -> function.read(w), pool)
                    .thenRunAsync(() -> permission.read(w), pool);
            CompletableFuture<Void> sec = CompletableFuture.runAsync(() -> secret.read(w), pool)
                    .thenRunAsync(() -> policy.read(w), pool);
            CompletableFuture<Void> role = target.managedFunction()
                    ? CompletableFuture.runAsync(() -> find(pieces, ExecutionRolePiece.class).read(w), pool)
                    : CompletableFuture.completedFuture(null);
            // Report failures in a fixed order (the API first), whatever finished first.
            for (CompletableFuture<Void> f : List.of(api, apiRoutes, fn, sec, role)) join(f);
        } finally {
            pool.shutdownNow();
        }
        return new Setup(w, pieces);
    }

    private static void join(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    private static Piece find(List<Piece> pieces, Class<? extends Piece> type) {
        return pieces.stream().filter(type::isInstance).findFirst().orElseThrow();
    }

    public Wiring wiring() {
        return wiring;
    }

    public Plan plan() {
        List<Change> changes = new ArrayList<>();
        for (Piece p : pieces) changes.add(p.plan(wiring));
        before = RoutesPiece.before(wiring);
        return new Plan(changes);
    }

    /** Applies the changes in dependency order, re-planning each piece on the state its predecessors left. */
    public void apply(Progress progress) {
        for (Piece piece : pieces) {
            // Re-planned on the state the pieces before it left: a new secret ARN changes the env var.
            Change now = piece.plan(wiring);
            if (!now.changes()) continue;
            progress.say(now.action().word() + " " + piece.name() + ": " + now.resource());
            piece.apply(wiring, now);
        }
    }

    public ProjectConfig config() {
        Wiring w = wiring;
        State.Function f = w.function.orElseThrow();
        String authorizerId = w.ourAuthorizer().map(State.Authorizer::id).orElse(null);
        return new ProjectConfig(w.apiId(), w.region(), f.arn(), w.target.managedFunction(), w.secretArn(),
                w.target.secretName(), authorizerId, w.target.authorizerName(), w.target.header(), w.target.cacheTtl(),
                RoutesPiece.recorded(w, before));
    }
}
