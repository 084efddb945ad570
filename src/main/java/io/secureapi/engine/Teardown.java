package io.secureapi.engine;

import io.secureapi.aws.AwsClients;
import io.secureapi.config.ProjectConfig;
import io.secureapi.config.Target;
import io.secureapi.model.Change;
import io.secureapi.model.Plan;
import io.secureapi.model.State;
import io.secureapi.pieces.FunctionPiece;
import io.secureapi.pieces.Piece;
import io.secureapi.pieces.RoutesPiece;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Arns;
import io.secureapi.support.Names;
import io.secureapi.support.Progress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * teardown as an ordering of pieces: read everything, plan each piece's removal, remove in
 * reverse dependency order (routes before the authorizer they use, the function before its role).
 * Only what secure-api made is removed; every check happens before the first write.
 */
public final class Teardown {
    /** What teardown keeps: the secret with --keep-secret, else a recovery window of 7..30 days. */
    private Wiring wiring;

    private final List<Piece> pieces;
    private final List<String> warnings = new ArrayList<>();

    private Teardown(Wiring wiring, List<Piece> pieces) {
        this.wiring = wiring;
        this.pieces = pieces;
    }

    /** Removal order: the reverse of setup's apply order. */
    public static List<Piece> pieces(Target t) {
        List<Piece> p = new ArrayList<>(Setup.pieces(t));
        Collections.reverse(p);
        // a stage without AutoDeploy is deployed right after the routes are restored, while the
        // authorizer and its permission still answer: its old deployment never calls a deleted one
        Piece stages =
                p.stream().filter(StagesPiece.class::isInstance).findFirst().orElseThrow();
        p.remove(stages);
        p.add(
                p.indexOf(p.stream()
                                .filter(RoutesPiece.class::isInstance)
                                .findFirst()
                                .orElseThrow())
                        + 1,
                stages);
        return p;
    }

    /**
     * Reads what is there. With secure-api.json the names come from it; without, from the default
     * names, and the function from the URI of the authorizer with our name (so a user's own function is found too).
     */
    public static Teardown read(
            String apiId,
            String region,
            ProjectConfig config,
            Wiring.Removal options,
            AwsClients aws,
            Progress progress) {
        List<String> notes = new ArrayList<>();
        Wiring w = Reader.forTeardown(
                apiId, region, config, new Wiring.Options(false, null, null, options), aws, progress, notes);
        Teardown t = new Teardown(w, pieces(w.target));
        t.warnings.addAll(notes);
        return t;
    }

    /** {@code cfg}: null for none; {@code function}: the user's function, null for the bundled one. */
    /**
     * No config: the function is the one our authorizer calls; the secret the one its SECRET_ARN
     * names. The function read goes into the probe's snapshot, so it is not read a second time.
     */
    static Target discover(Wiring probe, String apiId, String region) {
        Optional<String> fromAuthorizer = probe.authorizers().stream()
                .filter(a -> a.name().equals(Names.DEFAULT_AUTHORIZER_NAME) && "REQUEST".equals(a.type()))
                .map(a -> Arns.functionOfAuthorizerUri(a.uri()))
                .flatMap(Optional::stream)
                .findFirst();
        Optional<String> userFunction =
                fromAuthorizer.filter(arn -> !Wiring.nameOf(arn).equals(Names.managedFunctionName(apiId)));
        Target t = Target.fromConfig(apiId, region, null);
        Optional<State.Function> fn = FunctionPiece.find(probe, userFunction.orElse(Names.managedFunctionName(apiId)));
        probe.advance(b -> b.function = fn.orElse(null));
        Optional<String> secretArn =
                fn.map(f -> f.env().get(Names.ENV_SECRET_ARN)).filter(s -> s.startsWith("arn:"));
        String secretName = secretArn
                .flatMap(Arns::parse)
                .map(p -> p.resource().replaceFirst("^secret:", "").replaceFirst("-[A-Za-z0-9]{6}$", ""))
                .orElse(t.secretName());
        return t.toBuilder()
                .function(userFunction.orElse(null))
                .secretName(secretName)
                .build();
    }

    public Wiring wiring() {
        return wiring;
    }

    /** --deploy-stages: lets teardown deploy the stages without AutoDeploy whose deployment uses our authorizer. */
    public Teardown deployStages(boolean allowed) {
        wiring = wiring.with(wiring.options.withDeployStages(allowed));
        return this;
    }

    /** Exit 2 before any write when the plan deploys a stage without AutoDeploy (it would keep calling the authorizer teardown deletes). */
    public void refuseUndeployedStages(Plan plan) {
        StagesPiece.refuseWithoutFlag(
                wiring,
                plan.changes(),
                "teardown",
                "would keep serving secure-api's authorizer, which teardown deletes");
    }

    /** Plans every piece's removal; throws (exit 2) before any write when a route cannot be restored. */
    public Plan plan() {
        List<Change> changes = new ArrayList<>();
        for (Piece p : pieces) {
            changes.addAll(p.removalRows(wiring));
        }
        List<String> unknown = RoutesPiece.restorations(wiring).stream()
                .filter(r -> !r.recorded())
                .map(r -> r.route().key())
                .toList();
        if (!unknown.isEmpty()) {
            unrecorded = unknown;
            warnings.add(
                    unknown.size() == 1
                            ? "route \"" + unknown.get(0) + "\" has no authorization recorded from before setup: "
                                    + "it goes back to NONE, so it becomes public"
                            : unknown.size() + " routes have no authorization recorded from before setup: they go "
                                    + "back to NONE, so they become public: "
                                    + io.secureapi.support.Lists.shortened(unknown.stream()
                                            .map(k -> "\"" + k + "\"")
                                            .toList()));
        }
        return new Plan(changes);
    }

    private List<String> unrecorded = List.of();

    /** Routes on our authorizer with no earlier authorization recorded (they go back to NONE), all of them. */
    public List<String> unrecordedRoutes() {
        return unrecorded;
    }

    /** Lines the user must read: routes that become public, an API that is gone. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Routes that are public (NONE) once teardown is done. */
    public List<String> routesMadePublic() {
        return RoutesPiece.restorations(wiring).stream()
                .filter(RoutesPiece.Restore::becomesPublic)
                .map(r -> r.route().key())
                .toList();
    }

    /** Removes what the printed plan says, change by change in its order, each piece consuming its own diff. */
    public void apply(Plan plan, Progress progress) {
        refuseUndeployedStages(plan);
        for (Change c : plan.changes()) {
            if (!c.applies()) continue;
            Piece piece = Setup.piece(pieces, c);
            String line = piece.progressLine(c);
            if (line != null) progress.say(line);
            wiring.advance(piece.remove(wiring, c));
        }
    }
}
