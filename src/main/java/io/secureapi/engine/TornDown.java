package io.secureapi.engine;

import io.secureapi.aws.AwsClients;
import io.secureapi.config.ProjectConfig;
import io.secureapi.config.Target;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import io.secureapi.model.Verification;
import io.secureapi.pieces.HttpApi;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Arns;
import io.secureapi.support.Progress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * verify of an entry marked torn down: what teardown promised holds. secure-api's authorizer is
 * gone and no route uses it, and each route setup recorded is back on its earlier authorization
 * (NONE included). A "tornDown" mark edited into the file therefore cannot hide a route that is
 * still wired to our authorizer, nor one left public that had an authorizer before.
 */
public final class TornDown {
    private TornDown() {}

    public static Verification verify(Target target, AwsClients aws, Progress progress, ProjectConfig cfg) {
        Wiring w = new Wiring(target, aws, progress, cfg);
        progress.say("reading the authorizers and routes of API " + w.apiId() + " (entry torn down)");
        List<State.Authorizer> authorizers = HttpApi.authorizers(w);
        List<State.Route> routes = HttpApi.routes(w);
        String resource = "API " + w.apiId();
        // ours: the id setup recorded, or our name on a REQUEST authorizer calling the recorded function
        Set<String> ours = authorizers.stream()
                .filter(a -> a.id().equals(cfg.authorizerId())
                        || (a.name().equals(target.authorizerName())
                                && "REQUEST".equals(a.type())
                                && cfg.functionArn() != null
                                && Arns.functionOfAuthorizerUri(a.uri())
                                        .map(f -> f.equals(cfg.functionArn()) || f.startsWith(cfg.functionArn() + ":"))
                                        .orElse(false)))
                .map(State.Authorizer::id)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        List<Check> checks = new ArrayList<>();
        String again = "run secure-api teardown --env ENTRY --yes again (or secure-api setup, if the entry should be"
                + " protected: then the tornDown mark goes)";
        checks.add(
                ours.isEmpty()
                        ? Check.pass("teardown.authorizer", resource, "secure-api's authorizer is gone")
                        : Check.fail(
                                "teardown.authorizer",
                                resource,
                                "the entry is marked torn down, but secure-api's authorizer " + String.join(", ", ours)
                                        + " is still on API " + w.apiId(),
                                again));
        List<String> wired = routes.stream()
                .filter(r -> r.authorizerId() != null && ours.contains(r.authorizerId()))
                .map(State.Route::key)
                .sorted()
                .toList();
        Map<String, State.Route> byId = routes.stream().collect(Collectors.toMap(State.Route::id, Function.identity()));
        List<String> moved = new ArrayList<>();
        for (ProjectConfig.ProtectedRoute r : cfg.routes()) {
            State.Route now = byId.get(r.routeId());
            if (now == null) continue; // deleted since: nothing left to give back
            State.Authorization before = r.before();
            boolean same = Objects.equals(before.type(), now.authorizationType())
                    && (before.type().equals("NONE")
                            || before.type().equals("AWS_IAM")
                            || Objects.equals(before.authorizerId(), now.authorizerId()))
                    && new HashSet<>(before.scopes()).equals(new HashSet<>(now.scopes()));
            if (!same && !wired.contains(now.key()))
                moved.add(now.key() + ": " + describe(now.authorizationType(), now.authorizerId()) + ", was "
                        + describe(before.type(), before.authorizerId()) + " before setup");
        }
        if (wired.isEmpty() && moved.isEmpty()) {
            checks.add(Check.pass(
                    "teardown.routes",
                    resource,
                    "no route uses secure-api's authorizer; " + cfg.routes().size()
                            + " recorded route(s) back on their earlier authorization"));
        } else {
            List<String> details = new ArrayList<>();
            wired.forEach(k -> details.add(k + ": still on secure-api's authorizer"));
            details.addAll(moved);
            checks.add(Check.fail(
                            "teardown.routes",
                            resource,
                            (wired.isEmpty() ? "" : wired.size() + " route(s) still use secure-api's authorizer; ")
                                    + (moved.isEmpty()
                                            ? ""
                                            : moved.size()
                                                    + " route(s) are not on the authorization they had before setup"),
                            again)
                    .withDetails(details));
        }
        return new Verification(w.apiId(), w.region(), checks, List.of());
    }

    private static String describe(String type, String authorizerId) {
        return authorizerId == null || authorizerId.isEmpty() || "NONE".equals(type) || "AWS_IAM".equals(type)
                ? type
                : type + " " + authorizerId;
    }
}
