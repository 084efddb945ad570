package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.run;

import io.secureapi.error.ExitException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizationType;

/** Every selected route on CUSTOM authorization with our authorizer. */
public final class RoutesPiece implements Piece {
    @Override
    public String name() {
        return "routes";
    }

    /** The routes to protect: the named ones, or every route but CORS preflight (OPTIONS) ones. */
    public static List<State.Route> selected(Wiring w) {
        if (w.target.routes().isEmpty()) {
            return w.routes().stream().filter(r -> !r.isOptions() && !w.target.excludedRoutes().contains(r.key())).toList();
        }
        Map<String, State.Route> byKey = new LinkedHashMap<>();
        w.routes().forEach(r -> byKey.put(r.key(), r));
        List<State.Route> out = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String key : w.target.routes().get()) {
            State.Route r = byKey.get(key);
            if (r == null) unknown.add(key);
            else if (!out.contains(r)) out.add(r);
        }
        if (!unknown.isEmpty()) {
            throw ExitException.badInput("API " + w.apiId() + " in " + w.region() + " has no route " + String.join(", ", quote(unknown)),
                    "its routes are: " + String.join(", ", quote(w.routes().stream().map(State.Route::key).limit(20).toList()))
                            + (w.routes().size() > 20 ? " …" : ""));
        }
        return out;
    }

    /** $default, or ANY on a greedy path at the root (ANY /{proxy+}): it answers every path no other route matches. */
    public static boolean isCatchAll(String key) {
        return key.equals("$default") || key.matches("ANY /\\{[^/{}]+\\+}");
    }

    /**
     * Catch-all routes that stay public (no authorization) after setup while other routes get the
     * key: anyone reaches every path they answer. verify fails them unless --allow-public names them.
     */
    public static List<String> publicCatchAlls(Wiring w) {
        List<State.Route> selected = selected(w);
        if (selected.isEmpty()) return List.of();
        return w.routes().stream().filter(r -> isCatchAll(r.key()) && !selected.contains(r) && !protectedByUs(w, r))
                .filter(r -> r.authorizationType() == null || "NONE".equals(r.authorizationType())).map(State.Route::key).toList();
    }

    private static List<String> quote(List<String> keys) {
        return keys.stream().map(k -> "\"" + k + "\"").toList();
    }

    public static boolean protectedByUs(Wiring w, State.Route r) {
        Optional<State.Authorizer> ours = w.ourAuthorizer();
        return ours.isPresent() && "CUSTOM".equals(r.authorizationType()) && ours.get().id().equals(r.authorizerId());
    }

    /** Routes whose authorization is something other than NONE or ours: never replaced silently. */
    static List<State.Route> foreign(Wiring w, List<State.Route> routes) {
        return routes.stream().filter(r -> !protectedByUs(w, r))
                .filter(r -> r.authorizationType() != null && !"NONE".equals(r.authorizationType())).toList();
    }

    /**
     * Put exactly these routes (the selected ones not yet on our authorizer) on CUSTOM authorization
     * with our authorizer, whose id the snapshot holds at apply (one this run creates has none at plan).
     */
    public record Protect(List<State.Route> routes) implements Change.Diff {
        public Protect {
            routes = List.copyOf(routes);
        }
    }

    /** Put each route back to the authorization it had before setup. */
    public record Unprotect(List<Restore> routes) implements Change.Diff {
        public Unprotect {
            routes = List.copyOf(routes);
        }
    }

    @Override
    public Change plan(Wiring w) {
        List<State.Route> selected = selected(w);
        List<State.Route> foreign = foreign(w, selected);
        if (!foreign.isEmpty() && !w.target.replaceAuthorizer()) {
            State.Route r = foreign.get(0);
            String more = foreign.size() > 1 ? " (and " + (foreign.size() - 1) + " more)" : "";
            throw ExitException.badInput("route \"" + r.key() + "\" of API " + w.apiId() + " already uses " + describe(w, r) + more,
                    "pass --replace-authorizer to put secure-api's authorizer in its place, or leave it out with --routes");
        }
        List<State.Route> todo = selected.stream().filter(r -> !protectedByUs(w, r)).toList();
        String resource = "API " + w.apiId() + " routes";
        if (selected.isEmpty()) return Change.ok(name(), resource, "no routes to protect");
        if (todo.isEmpty()) return Change.ok(name(), resource, selected.size() + " protected: " + list(selected));
        String replaced = foreign.isEmpty() ? "" : " (replacing " + foreign.size() + " other authorization" + (foreign.size() == 1 ? "" : "s") + ")";
        return new Change(name(), resource, Change.Action.UPDATE, "protect " + todo.size() + " of " + selected.size()
                + ": " + list(todo) + replaced, new Protect(todo));
    }

    static String describe(Wiring w, State.Route r) {
        if ("JWT".equals(r.authorizationType()) || "CUSTOM".equals(r.authorizationType())) {
            String name = w.authorizers().stream().filter(a -> a.id().equals(r.authorizerId())).map(State.Authorizer::name)
                    .findFirst().orElse(r.authorizerId());
            return r.authorizationType() + " authorizer " + name;
        }
        return r.authorizationType() + " authorization";
    }

    static String list(List<State.Route> routes) {
        String s = routes.stream().limit(5).map(State.Route::key).collect(Collectors.joining(", "));
        return routes.size() > 5 ? s + " and " + (routes.size() - 5) + " more" : s;
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        String authorizerId = w.ourAuthorizer().orElseThrow().id();
        Map<String, State.Route> changed = new java.util.HashMap<>();
        for (State.Route r : change.diff(Protect.class).routes()) {
            boolean clearScopes = r.scopes() != null && !r.scopes().isEmpty();
            run("protecting route \"" + r.key() + "\" of API " + w.apiId(), w.region(), () -> w.aws.apigateway().updateRoute(u -> {
                u.apiId(w.apiId()).routeId(r.id()).authorizationType(AuthorizationType.CUSTOM).authorizerId(authorizerId);
                // JWT scopes do not apply to a Lambda authorizer.
                if (clearScopes) u.authorizationScopes(List.of());
            }));
            changed.put(r.id(), new State.Route(r.id(), r.key(), "CUSTOM", authorizerId, List.of()));
        }
        return withRoutes(w, changed);
    }

    /** The snapshot with the routes this run changed, as it changed them. */
    private static Snapshot withRoutes(Wiring w, Map<String, State.Route> changed) {
        return w.snapshot().with(b -> b.routes = b.routes.stream().map(r -> changed.getOrDefault(r.id(), r)).toList());
    }

    /** Routes left out of protection on purpose: by this run's --routes, or kept from the config. */
    public static List<String> excluded(Wiring w) {
        if (w.target.routes().isEmpty()) {
            return w.routes().stream().map(State.Route::key).filter(w.target.excludedRoutes()::contains).toList();
        }
        List<String> chosen = w.target.routes().get();
        return w.routes().stream().filter(r -> !r.isOptions() && !chosen.contains(r.key()) && !protectedByUs(w, r))
                .map(State.Route::key).toList();
    }

    /** The config's route list: every route now on our authorizer, each with what it had before setup. */
    public static List<ProjectConfig.ProtectedRoute> recorded(Wiring w, Map<String, State.Authorization> beforeApply) {
        List<ProjectConfig.ProtectedRoute> out = new ArrayList<>();
        for (State.Route r : w.routes()) {
            if (!protectedByUs(w, r)) continue;
            State.Authorization before = beforeApply.get(r.id());
            out.add(new ProjectConfig.ProtectedRoute(r.key(), r.id(), before == null ? State.Authorization.NONE : before));
        }
        return out;
    }

    /** Each route's authorization before this run, or before the first setup when the config recorded it. */
    public static Map<String, State.Authorization> before(Wiring w) {
        Map<String, State.Authorization> m = new LinkedHashMap<>();
        for (State.Route r : w.routes()) {
            Optional<ProjectConfig.ProtectedRoute> recorded = w.previous().flatMap(c -> c.route(r.id()));
            if (recorded.isPresent()) m.put(r.id(), recorded.get().before());
            else if (!protectedByUs(w, r)) m.put(r.id(), r.authorization());
        }
        return m;
    }

    // teardown

    /** A route on one of our authorizers and the authorization it goes back to; recorded=false: unknown, so NONE. */
    public record Restore(State.Route route, State.Authorization before, boolean recorded) {
        public boolean becomesPublic() {
            return "NONE".equals(before.type());
        }
    }

    /** Every route now on one of our authorizers, each with what it had before setup (NONE when not recorded). */
    public static List<Restore> restorations(Wiring w) {
        java.util.Set<String> ours = AuthorizerPiece.owned(w).stream().map(State.Authorizer::id).collect(Collectors.toSet());
        List<Restore> out = new ArrayList<>();
        for (State.Route r : w.routes()) {
            if (!"CUSTOM".equals(r.authorizationType()) || !ours.contains(r.authorizerId())) continue;
            Optional<ProjectConfig.ProtectedRoute> rec = w.previous().flatMap(c -> c.route(r.id()));
            State.Authorization before = rec.map(ProjectConfig.ProtectedRoute::before).orElse(State.Authorization.NONE);
            // Recorded on one of our own authorizers (an earlier setup): nothing else to go back to.
            if (before.authorizerId() != null && ours.contains(before.authorizerId())) before = State.Authorization.NONE;
            out.add(new Restore(r, before, rec.isPresent()));
        }
        return out;
    }

    private static boolean needsAuthorizer(State.Authorization a) {
        return "CUSTOM".equals(a.type()) || "JWT".equals(a.type());
    }

    @Override
    public Change planRemoval(Wiring w) {
        String resource = "API " + w.apiId() + " routes";
        List<Restore> todo = restorations(w);
        if (todo.isEmpty()) return Change.ok(name(), resource, "no route uses secure-api's authorizer");
        for (Restore r : todo) {
            String id = r.before().authorizerId();
            if (needsAuthorizer(r.before()) && w.authorizers().stream().noneMatch(a -> a.id().equals(id))) {
                throw ExitException.badInput("route \"" + r.route().key() + "\" used " + r.before().type() + " authorizer " + id
                        + " before setup, and API " + w.apiId() + " no longer has it; nothing was changed",
                        "recreate that authorizer, or set that route's \"before\" in " + ProjectConfig.DEFAULT_FILE
                                + " to {\"authorizationType\": \"NONE\"} to leave the route public");
            }
        }
        String detail = todo.stream().limit(5).map(r -> r.route().key() + " → " + describeBefore(w, r))
                .collect(Collectors.joining(", ")) + (todo.size() > 5 ? " and " + (todo.size() - 5) + " more" : "");
        return new Change(name(), resource, Change.Action.UPDATE, "restore " + todo.size() + ": " + detail, new Unprotect(todo));
    }

    static String describeBefore(Wiring w, Restore r) {
        if (r.becomesPublic()) return r.recorded() ? "NONE (public)" : "NONE (public; nothing recorded)";
        if (!needsAuthorizer(r.before())) return r.before().type();
        String name = w.authorizers().stream().filter(a -> a.id().equals(r.before().authorizerId())).map(State.Authorizer::name)
                .findFirst().orElse(r.before().authorizerId());
        return r.before().type() + " " + name;
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        Map<String, State.Route> changed = new java.util.HashMap<>();
        for (Restore r : change.diff(Unprotect.class).routes()) {
            State.Authorization b = r.before();
            // An empty AuthorizerId detaches ours explicitly (as Terraform sends it); otherwise the
            // route may keep pointing at the authorizer deleted next.
            run("restoring route \"" + r.route().key() + "\" of API " + w.apiId() + " to " + b.type(), w.region(),
                    () -> w.aws.apigateway().updateRoute(u -> {
                        u.apiId(w.apiId()).routeId(r.route().id()).authorizationType(b.type());
                        u.authorizerId(needsAuthorizer(b) ? b.authorizerId() : "");
                        if (!b.scopes().isEmpty()) u.authorizationScopes(b.scopes());
                    }));
            changed.put(r.route().id(), new State.Route(r.route().id(), r.route().key(), b.type(),
                    needsAuthorizer(b) ? b.authorizerId() : null, b.scopes()));
        }
        return withRoutes(w, changed);
    }
}
