package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.run;

import io.secureapi.config.ProjectConfig;
import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
            return w.routes().stream()
                    .filter(r -> !r.isOptions() && !w.target.excludedRoutes().contains(r.key()))
                    .toList();
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
            throw ExitException.badInput(
                    "API " + w.apiId() + " in " + w.region() + " has no route " + String.join(", ", quote(unknown)),
                    "its routes are: "
                            + String.join(
                                    ", ",
                                    quote(w.routes().stream()
                                            .map(State.Route::key)
                                            .limit(20)
                                            .toList())) + (w.routes().size() > 20 ? " …" : ""));
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
        return w.routes().stream()
                .filter(r -> isCatchAll(r.key()) && !selected.contains(r) && !protectedByUs(w, r))
                .filter(r -> r.authorizationType() == null || "NONE".equals(r.authorizationType()))
                .map(State.Route::key)
                .toList();
    }

    private static List<String> quote(List<String> keys) {
        return keys.stream().map(k -> "\"" + k + "\"").toList();
    }

    public static boolean protectedByUs(Wiring w, State.Route r) {
        Optional<State.Authorizer> ours = w.ourAuthorizer();
        return ours.isPresent()
                && "CUSTOM".equals(r.authorizationType())
                && ours.get().id().equals(r.authorizerId());
    }

    /** Routes whose authorization is something other than NONE or ours: never replaced silently. */
    /** Whether setup would need --replace-authorizer here: a route it would protect is on another authorization. */
    public static boolean replacesAnother(Wiring w) {
        return !foreign(w, selected(w)).isEmpty();
    }

    static List<State.Route> foreign(Wiring w, List<State.Route> routes) {
        return routes.stream()
                .filter(r -> !protectedByUs(w, r))
                .filter(r -> r.authorizationType() != null && !"NONE".equals(r.authorizationType()))
                .toList();
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
            throw ExitException.badInput(
                    "route \"" + r.key() + "\" of API " + w.apiId() + " already uses " + describe(w, r) + more,
                    "pass --replace-authorizer to put secure-api's authorizer in its place, or leave it out with --routes");
        }
        List<State.Route> todo =
                selected.stream().filter(r -> !protectedByUs(w, r)).toList();
        String resource = "API " + w.apiId() + " routes";
        List<String> unknown = unknownBefore(w);
        String note = unknown.isEmpty()
                ? ""
                : "; no earlier authorization recorded for " + unknown.size() + " already on "
                        + w.target.authorizerName() + " (teardown makes "
                        + (unknown.size() == 1 ? "it" : "them") + " public): "
                        + io.secureapi.support.Lists.shortened(unknown);
        if (selected.isEmpty()) return Change.ok(name(), resource, "no routes to protect" + note);
        if (todo.isEmpty())
            return Change.ok(name(), resource, selected.size() + " protected: " + list(selected) + note);
        String replaced = foreign.isEmpty()
                ? ""
                : " (replacing " + foreign.size() + " other authorization" + (foreign.size() == 1 ? "" : "s") + ")";
        return new Change(
                name(),
                resource,
                Change.Action.UPDATE,
                "protect " + todo.size() + " of " + selected.size() + ": " + list(todo) + replaced + note,
                new Protect(todo));
    }

    static String describe(Wiring w, State.Route r) {
        if ("JWT".equals(r.authorizationType()) || "CUSTOM".equals(r.authorizationType())) {
            String name = w.authorizers().stream()
                    .filter(a -> a.id().equals(r.authorizerId()))
                    .map(State.Authorizer::name)
                    .findFirst()
                    .orElse(r.authorizerId());
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
            run(
                    "protecting route \"" + r.key() + "\" of API " + w.apiId(),
                    w.region(),
                    () -> w.aws.apigateway().updateRoute(u -> {
                        u.apiId(w.apiId())
                                .routeId(r.id())
                                .authorizationType(AuthorizationType.CUSTOM)
                                .authorizerId(authorizerId);
                        // JWT scopes do not apply to a Lambda authorizer.
                        if (clearScopes) u.authorizationScopes(List.of());
                    }));
            changed.put(r.id(), new State.Route(r.id(), r.key(), "CUSTOM", authorizerId, List.of()));
        }
        return withRoutes(w, changed);
    }

    /** The snapshot with the routes this run changed, as it changed them. */
    private static Snapshot withRoutes(Wiring w, Map<String, State.Route> changed) {
        return w.snapshot()
                .with(b -> b.routes = b.routes.stream()
                        .map(r -> changed.getOrDefault(r.id(), r))
                        .toList());
    }

    /** Routes left out of protection on purpose: by this run's --routes, or kept from the config. */
    public static List<String> excluded(Wiring w) {
        if (w.target.routes().isEmpty()) {
            return w.routes().stream()
                    .map(State.Route::key)
                    .filter(w.target.excludedRoutes()::contains)
                    .toList();
        }
        List<String> chosen = w.target.routes().get();
        return w.routes().stream()
                .filter(r -> !r.isOptions() && !chosen.contains(r.key()) && !protectedByUs(w, r))
                .map(State.Route::key)
                .toList();
    }

    /**
     * The config's route list: every route now on our authorizer, and every route in {@code protecting}
     * (the ones this run is about to switch: the write-ahead before the first UpdateRoute), each with what
     * it had before the first setup; a route whose earlier state nobody could know is marked so.
     */
    public static List<ProjectConfig.ProtectedRoute> recorded(
            Wiring w, Map<String, State.Authorization> beforeApply, Set<String> protecting) {
        List<ProjectConfig.ProtectedRoute> out = new ArrayList<>();
        for (State.Route r : w.routes()) {
            if (!protectedByUs(w, r) && !protecting.contains(r.id())) continue;
            State.Authorization before = beforeApply.get(r.id());
            out.add(
                    before == null
                            ? new ProjectConfig.ProtectedRoute(r.key(), r.id(), State.Authorization.NONE, false)
                            : new ProjectConfig.ProtectedRoute(r.key(), r.id(), before));
        }
        return out;
    }

    /**
     * Each route's authorization before the first setup, where it can be known: a route on our
     * authorizer keeps what the config recorded (an interrupted run switched it; what it has now is
     * ours, never its earlier state); any other route has what it has now. A route on our authorizer
     * with nothing recorded is left out: its earlier state is unknown ({@link #unknownBefore}).
     */
    public static Map<String, State.Authorization> before(Wiring w) {
        Map<String, State.Authorization> m = new LinkedHashMap<>();
        for (State.Route r : w.routes()) {
            if (!protectedByUs(w, r)) {
                m.put(r.id(), r.authorization());
                continue;
            }
            w.previous()
                    .flatMap(c -> c.route(r.id()))
                    .filter(ProjectConfig.ProtectedRoute::known)
                    .ifPresent(rec -> m.put(r.id(), rec.before()));
        }
        return m;
    }

    /** Routes on our authorizer whose authorization before the first setup nobody recorded (teardown makes them public). */
    public static List<String> unknownBefore(Wiring w) {
        Map<String, State.Authorization> known = before(w);
        return w.routes().stream()
                .filter(r -> protectedByUs(w, r) && !known.containsKey(r.id()))
                .map(State.Route::key)
                .toList();
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
        java.util.Set<String> ours =
                AuthorizerPiece.owned(w).stream().map(State.Authorizer::id).collect(Collectors.toSet());
        List<Restore> out = new ArrayList<>();
        for (State.Route r : w.routes()) {
            if (!"CUSTOM".equals(r.authorizationType()) || !ours.contains(r.authorizerId())) continue;
            Optional<ProjectConfig.ProtectedRoute> rec =
                    w.previous().flatMap(c -> c.route(r.id())).filter(ProjectConfig.ProtectedRoute::known);
            State.Authorization before =
                    rec.map(ProjectConfig.ProtectedRoute::before).orElse(State.Authorization.NONE);
            // Recorded on one of our own authorizers (an earlier setup): nothing else to go back to.
            if (before.authorizerId() != null && ours.contains(before.authorizerId()))
                before = State.Authorization.NONE;
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
                throw ExitException.badInput(
                        "route \"" + r.route().key() + "\" used " + r.before().type() + " authorizer " + id
                                + " before setup, and API " + w.apiId() + " no longer has it; nothing was changed",
                        "recreate that authorizer, or set that route's \"before\" in " + ProjectConfig.DEFAULT_FILE
                                + " to {\"authorizationType\": \"NONE\"} to leave the route public");
            }
        }
        String detail = todo.stream()
                        .limit(5)
                        .map(r -> r.route().key() + " → " + describeBefore(w, r))
                        .collect(Collectors.joining(", "))
                + (todo.size() > 5 ? " and " + (todo.size() - 5) + " more" : "");
        return new Change(
                name(), resource, Change.Action.UPDATE, "restore " + todo.size() + ": " + detail, new Unprotect(todo));
    }

    static String describeBefore(Wiring w, Restore r) {
        if (r.becomesPublic()) return r.recorded() ? "NONE (public)" : "NONE (public; nothing recorded)";
        if (!needsAuthorizer(r.before())) return r.before().type();
        String name = w.authorizers().stream()
                .filter(a -> a.id().equals(r.before().authorizerId()))
                .map(State.Authorizer::name)
                .findFirst()
                .orElse(r.before().authorizerId());
        return r.before().type() + " " + name;
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        Map<String, State.Route> changed = new java.util.HashMap<>();
        for (Restore r : change.diff(Unprotect.class).routes()) {
            State.Authorization b = r.before();
            // An empty AuthorizerId detaches ours explicitly (as Terraform sends it); otherwise the
            // route may keep pointing at the authorizer deleted next.
            run(
                    "restoring route \"" + r.route().key() + "\" of API " + w.apiId() + " to " + b.type(),
                    w.region(),
                    () -> w.aws.apigateway().updateRoute(u -> {
                        u.apiId(w.apiId()).routeId(r.route().id()).authorizationType(b.type());
                        u.authorizerId(needsAuthorizer(b) ? b.authorizerId() : "");
                        if (!b.scopes().isEmpty()) u.authorizationScopes(b.scopes());
                    }));
            changed.put(
                    r.route().id(),
                    new State.Route(
                            r.route().id(),
                            r.route().key(),
                            b.type(),
                            needsAuthorizer(b) ? b.authorizerId() : null,
                            b.scopes()));
        }
        return withRoutes(w, changed);
    }

    // verify

    /**
     * routes.protected over every route across all pages: protected by our authorizer, OPTIONS (CORS
     * preflight), public by --allow-public, or left out by setup's --routes (recorded in the config).
     * A catch-all route answers every path no other route matches, so only --allow-public exempts it.
     * Then routes.allow-public when --allow-public was given.
     */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        List<Check> out = new ArrayList<>();
        out.add(protection(w, o.allowPublic()));
        if (!o.allowPublic().isEmpty()) out.add(allowPublic(w, o.allowPublic()));
        return out;
    }

    private static Check protection(Wiring w, Set<String> allowPublic) {
        String res = "API " + w.apiId() + " routes";
        String name = w.target.authorizerName();
        List<State.Route> all = w.routes();
        Set<String> excludedBySetup = Set.copyOf(w.target.excludedRoutes());
        List<String> unprotected = new ArrayList<>();
        List<String> options = new ArrayList<>();
        List<String> allowed = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        boolean catchAllLeftOut = false;
        int protectedCount = 0;
        for (State.Route r : all) {
            if (protectedByUs(w, r)) protectedCount++;
            else if (r.isOptions()) options.add(r.key());
            else if (allowPublic.contains(r.key())) allowed.add(r.key());
            else if (excludedBySetup.contains(r.key()) && !isCatchAll(r.key())) leftOut.add(r.key());
            else {
                boolean excluded = excludedBySetup.contains(r.key());
                catchAllLeftOut |= excluded;
                unprotected.add("\"" + r.key() + "\": " + why(w, r)
                        + (excluded
                                ? "; setup's --routes left it out, but a public catch-all route answers every path no other route matches"
                                : ""));
            }
        }
        if (!unprotected.isEmpty())
            return unprotected(w, res, unprotected, all.size() - options.size(), catchAllLeftOut);
        StringBuilder m = new StringBuilder(
                all.isEmpty()
                        ? "API " + w.apiId() + " has no routes"
                        : protectedCount + " route" + (protectedCount == 1 ? "" : "s") + " of API " + w.apiId()
                                + " protected by authorizer " + name);
        if (!options.isEmpty())
            m.append("; ")
                    .append(options.size())
                    .append(" OPTIONS route")
                    .append(options.size() == 1 ? "" : "s")
                    .append(" public for CORS preflight");
        if (!allowed.isEmpty()) m.append("; public by --allow-public: ").append(String.join(", ", allowed));
        if (!leftOut.isEmpty())
            m.append("; left public by setup's --routes choice: ").append(String.join(", ", leftOut));
        return Check.pass("routes.protected", res, m.toString());
    }

    /** Fails naming the first three unprotected routes; every one is a detail line. */
    private static Check unprotected(
            Wiring w, String res, List<String> unprotected, int checked, boolean catchAllLeftOut) {
        String fix = Check.SETUP_FIX
                + " (it protects every route but OPTIONS ones; a route on another authorizer needs --replace-authorizer), "
                + "or pass --allow-public \"ROUTE KEY\" for a route that is public on purpose";
        if (catchAllLeftOut) {
            fix = Check.SETUP_FIX + " --routes all to protect the catch-all route, or pass --allow-public '"
                    + unprotected.stream()
                            .filter(u -> u.contains("setup's --routes left it out"))
                            .findFirst()
                            .map(u -> u.substring(1, u.indexOf("\": ")))
                            .orElse("$default")
                    + "' if it is public on purpose";
        }
        return Check.fail(
                        "routes.protected",
                        res,
                        unprotected.size() + " of " + checked + " route" + (checked == 1 ? "" : "s") + " of API "
                                + w.apiId()
                                + " not protected by authorizer " + w.target.authorizerName() + ": "
                                + unprotected.stream()
                                        .limit(3)
                                        .map(s -> s.substring(0, s.indexOf("\": ") + 1))
                                        .collect(Collectors.joining(", "))
                                + (unprotected.size() > 3 ? " and " + (unprotected.size() - 3) + " more" : ""),
                        fix)
                .withDetails(unprotected);
    }

    /** Why a route is not protected by our authorizer. */
    private static String why(Wiring w, State.Route r) {
        String type = r.authorizationType() == null ? "NONE" : r.authorizationType();
        if ("NONE".equals(type)) return "no authorization (public)";
        if ("CUSTOM".equals(type) || "JWT".equals(type)) {
            Optional<State.Authorizer> a = w.authorizers().stream()
                    .filter(x -> x.id().equals(r.authorizerId()))
                    .findFirst();
            if (a.isPresent() && a.get().name().equals(w.target.authorizerName()))
                return "authorizer " + a.get().name() + " (" + a.get().id() + ") is not the one verified";
            return describe(w, r) + ", not " + w.target.authorizerName();
        }
        return type + " authorization, not " + w.target.authorizerName();
    }

    /** routes.allow-public: every route --allow-public names exists (a typo would leave a real route failing). */
    private static Check allowPublic(Wiring w, Set<String> allowPublic) {
        String res = "API " + w.apiId() + " routes";
        Set<String> keys = w.routes().stream().map(State.Route::key).collect(Collectors.toSet());
        List<String> unused =
                allowPublic.stream().filter(k -> !keys.contains(k)).sorted().toList();
        if (unused.isEmpty()) {
            return Check.pass(
                    "routes.allow-public",
                    res,
                    "every --allow-public route exists: "
                            + String.join(
                                    ", ",
                                    new LinkedHashSet<>(
                                            allowPublic.stream().sorted().toList())));
        }
        return Check.warn(
                "routes.allow-public",
                res,
                "--allow-public names no route of API " + w.apiId() + ": "
                        + unused.stream().map(k -> "\"" + k + "\"").collect(Collectors.joining(", ")),
                "check the route key (aws apigatewayv2 get-routes --api-id " + w.apiId() + " --region " + w.region()
                        + "), or drop it");
    }
}
