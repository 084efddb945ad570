package io.secureapi.engine;

import io.secureapi.aws.AwsClients;
import io.secureapi.error.ExitException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
        return p;
    }

    /** Reads the whole actual state: independent chains of reads run concurrently. */
    public static Setup read(Target target, AwsClients aws, Progress progress, Optional<ProjectConfig> previous) {
        boolean knownApi = previous.filter(ProjectConfig.forApi(target.apiId())).isPresent();
        Wiring early = null;
        Target t = target;
        if (target.managedFunction() && !knownApi) {
            // No config for this API: if our authorizer already calls the user's own function, keep
            // that function rather than silently swapping in the bundled one.
            early = new Wiring(target, aws, progress, previous);
            Wiring e = early;
            new ConcurrentReads().chain(() -> HttpApi.read(e)).chain(() -> e.authorizers = HttpApi.authorizers(e)).run();
            Optional<String> userFn = early.ourAuthorizer().flatMap(a -> Arns.functionOfAuthorizerUri(a.uri()))
                    .filter(arn -> !Wiring.nameOf(arn).equals(Names.managedFunctionName(target.apiId())));
            if (userFn.isPresent()) {
                if (target.devKey()) {
                    throw ExitException.badInput("authorizer " + target.authorizerName() + " of API " + target.apiId()
                            + " calls your function " + userFn.get() + ", which reads one plain-string key: --dev-key needs the bundled authorizer",
                            "omit --dev-key, or run secure-api teardown first to switch to the bundled authorizer");
                }
                progress.say("authorizer " + target.authorizerName() + " calls your function " + Wiring.nameOf(userFn.get())
                        + ": keeping it (pass --function to be explicit)");
                t = target.withFunction(userFn.get());
            }
        }
        Wiring w = new Wiring(t, aws, progress, previous);
        List<Piece> pieces = pieces(t);
        ConcurrentReads reads = new ConcurrentReads();
        if (early == null) {
            // GetRoutes and GetAuthorizers need not wait for GetApi: an unknown API is still reported first.
            reads.chain(() -> HttpApi.read(w)).chain(() -> find(pieces, AuthorizerPiece.class).read(w));
        } else {
            w.api = early.api;
            w.authorizers = early.authorizers;
        }
        reads.chain(() -> find(pieces, RoutesPiece.class).read(w))
                .chain(() -> find(pieces, FunctionPiece.class).read(w), () -> find(pieces, InvokePermissionPiece.class).read(w))
                .chain(() -> find(pieces, SecretPiece.class).read(w), () -> find(pieces, SecretPolicyPiece.class).read(w));
        if (t.managedFunction()) {
            reads.chain(() -> find(pieces, ExecutionRolePiece.class).read(w), () -> w.kmsRolePolicy = KeyDecryptionPiece.readRolePolicy(w));
        }
        if (t.managedFunction()) reads.chain(() -> find(pieces, LogGroupPiece.class).read(w));
        reads.chain(() -> find(pieces, KeyNameForwardingPiece.class).read(w));
        reads.chain(() -> find(pieces, StagesPiece.class).read(w));
        reads.run();
        SecretSharing.refuseIfShared(w);
        // after the others: it needs the secret's key id and the account the function's role lives in
        find(pieces, KeyDecryptionPiece.class).read(w);
        return new Setup(w, pieces);
    }

    private static Piece find(List<Piece> pieces, Class<? extends Piece> type) {
        return pieces.stream().filter(type::isInstance).findFirst().orElseThrow();
    }

    /** --log-retention-days and --forward-key-name (null: not given); set before planning. */
    public Setup keyOptions(Integer logRetentionDays, String forwardKeyName) {
        wiring.logRetentionDays = logRetentionDays;
        wiring.forwardKeyName = forwardKeyName;
        return this;
    }

    public Wiring wiring() {
        return wiring;
    }

    /** --deploy-stages: lets apply deploy the stages without AutoDeploy that need it, as its last step. */
    public Setup deployStages(boolean allowed) {
        wiring.deployStages = allowed;
        return this;
    }

    public Plan plan() {
        List<Change> changes = new ArrayList<>();
        for (Piece p : pieces) {
            // one row per stage without AutoDeploy, decided on the changes planned before it
            if (p instanceof StagesPiece s) changes.addAll(s.rows(wiring, changes));
            else changes.add(p.plan(wiring));
        }
        before = RoutesPiece.before(wiring);
        return new Plan(changes);
    }

    /** Applies the changes in dependency order, re-planning each piece on the state its predecessors left. */
    public void apply(Progress progress) {
        ((StagesPiece) find(pieces, StagesPiece.class)).refuseWithoutFlag(wiring, "setup", "would keep serving routes without the protection");
        for (Piece piece : pieces) {
            if (piece instanceof StagesPiece s) {
                // deployed as planned: by now the routes it waited for are changed, so re-planning would miss them
                s.deploy(wiring, "secure-api setup: serve the API-key protection");
                continue;
            }
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
        return new ProjectConfig(w.apiId(), w.region(), w.qualifiedFunctionArn(), w.target.managedFunction(), w.secretArn(),
                w.target.secretName(), authorizerId, w.target.authorizerName(), w.target.header(), w.target.cacheTtl(),
                RoutesPiece.recorded(w, before), RoutesPiece.excluded(w), KeyNameForwardingPiece.header(w));
    }
}
