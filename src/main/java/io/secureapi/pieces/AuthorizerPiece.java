package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.unlessGone;

import io.secureapi.error.ExitException;
import io.secureapi.keys.DigestSecret;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import io.secureapi.support.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizerType;
import software.amazon.awssdk.services.apigatewayv2.model.NotFoundException;

/** The HTTP API's REQUEST authorizer: header identity source, payload 2.0, simple responses, TTL. */
public final class AuthorizerPiece implements Piece {
    @Override
    public String name() {
        return "authorizer";
    }

    /** What setup writes on the authorizer besides REQUEST, payload 2.0 and simple responses: identity source, TTL, function URI. */
    record Settings(List<String> identitySource, int resultTtl, String uri) {
        public Settings {
            identitySource = List.copyOf(identitySource);
        }

        static Settings of(Wiring w) {
            return new Settings(identitySources(w), w.target.cacheTtl(), w.authorizerUri());
        }
    }

    /**
     * The identity sources while a key is limited to routes: the key header first (a request
     * without it still gets API Gateway's 401 without invoking the function), then the request's
     * method and path, so each method and path has its own cache entry and an allow for one is
     * never served for another. HTTP API identity sources accept $request.header.* and $context.*
     * variables (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html,
     * "Identity sources"; the variables: http-api-logging-variables.html).
     */
    public static List<String> perRequest(String header) {
        return List.of(header, "$context.httpMethod", "$context.path");
    }

    /** Our authorizer as AWS holds it now (a keys run reads no authorizers up front). */
    public static Optional<State.Authorizer> fresh(Wiring w) {
        return w.on(w.snapshot().with(b -> b.authorizers = HttpApi.authorizers(w)))
                .ourAuthorizer();
    }

    /** Whether the authorizer caches per key, method and path. */
    public static boolean cachesPerRequest(Wiring w, State.Authorizer a) {
        return perRequest(w.target.identitySource()).equals(a.identitySource());
    }

    /**
     * The identity sources setup writes: the header only, unless our authorizer already caches per
     * request ({@code keys add|scope --routes} set it) or the secret holds a scoped key: never
     * narrowed back, or a cached allow would leak across paths again after every setup or Amplify
     * hook run.
     */
    static List<String> identitySources(Wiring w) {
        return w.ourAuthorizer().filter(a -> cachesPerRequest(w, a)).isPresent() || anyScoped(w)
                ? perRequest(w.target.identitySource())
                : List.of(w.target.identitySource());
    }

    /** Whether the secret as read holds a key limited to routes (unreadable or unread: no). */
    private static boolean anyScoped(Wiring w) {
        return w.secretValue()
                .filter(DigestSecret::is)
                .map(v -> {
                    try {
                        return DigestSecret.parse(v, w.target.secretName()).anyScoped();
                    } catch (ExitException unreadable) {
                        return false;
                    }
                })
                .orElse(false);
    }

    /**
     * Sets the per-request identity sources on our authorizer, its other settings as they are.
     * Returns false when it already has them.
     */
    public static boolean ensurePerRequest(Wiring w) {
        State.Authorizer a = fresh(w).orElseThrow(() -> ExitException.badInput(
                "API " + w.apiId() + " in " + w.region() + " has no authorizer named " + w.target.authorizerName()
                        + "; nothing was changed",
                "run secure-api setup --api-id " + w.apiId() + " first"));
        if (cachesPerRequest(w, a)) return false;
        w.progress.say("authorizer " + a.id() + ": identity sources " + a.identitySource() + " → "
                + perRequest(w.target.identitySource()) + " (a cache entry per key, method and path)");
        update(
                w,
                a.id(),
                new Settings(
                        perRequest(w.target.identitySource()),
                        a.resultTtl() == null ? w.target.cacheTtl() : a.resultTtl(),
                        a.uri()));
        return true;
    }

    /** Create the authorizer (or use one a concurrent run made meanwhile, updated to {@code to}). */
    record Create(String name, Settings to) implements Change.Diff {}

    /** Update authorizer {@code from} to {@code to}. */
    record Update(State.Authorizer from, Settings to) implements Change.Diff {}

    /** Delete our authorizers (more than one only after a race). */
    record Delete(List<String> ids) implements Change.Diff {
        public Delete {
            ids = List.copyOf(ids);
        }
    }

    /** What differs from the authorizer setup writes (REQUEST, payload 2.0, simple responses, TTL, URI); empty when it matches. */
    public static List<String> differences(Wiring w, State.Authorizer a) {
        List<String> why = new ArrayList<>();
        if (!"REQUEST".equals(a.type())) why.add("type " + a.type() + " → REQUEST");
        // both sets are accepted; once per request, never narrowed (identitySources)
        if (!identitySources(w).equals(a.identitySource())) {
            why.add("identity source " + a.identitySource() + " → " + identitySources(w));
        }
        if (!"2.0".equals(a.payloadFormatVersion())) why.add("payload format " + a.payloadFormatVersion() + " → 2.0");
        if (!a.simpleResponses()) why.add("simple responses → on");
        if (!Objects.equals(a.resultTtl(), w.target.cacheTtl()))
            why.add("result TTL " + a.resultTtl() + " s → " + w.target.cacheTtl() + " s");
        if (!w.authorizerUri().equals(a.uri())) why.add("function → " + w.functionName());
        return why;
    }

    @Override
    public Change plan(Wiring w) {
        String resource = w.target.authorizerName() + " on API " + w.apiId();
        w.ourAuthorizer().filter(a -> !"REQUEST".equals(a.type())).ifPresent(a -> {
            throw ExitException.badInput(
                    "API " + w.apiId() + " already has a " + a.type() + " authorizer named \"" + a.name() + "\" ("
                            + a.id() + "), not one secure-api made",
                    "pass another --authorizer-name (default " + Names.DEFAULT_AUTHORIZER_NAME + ")");
        });
        return w.ourAuthorizer()
                .map(a -> {
                    List<String> why = differences(w, a);
                    return why.isEmpty()
                            ? Change.ok(
                                    name(),
                                    resource + " (" + a.id() + ")",
                                    "REQUEST, " + w.target.identitySource() + ", TTL " + a.resultTtl() + " s")
                            : new Change(
                                    name(),
                                    resource + " (" + a.id() + ")",
                                    Change.Action.UPDATE,
                                    String.join("; ", why),
                                    new Update(a, Settings.of(w)));
                })
                .orElse(new Change(
                        name(),
                        resource,
                        Change.Action.CREATE,
                        "REQUEST, " + w.target.identitySource() + ", payload 2.0, simple responses, TTL "
                                + w.target.cacheTtl() + " s",
                        new Create(w.target.authorizerName(), Settings.of(w))));
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        if (change.diff() instanceof Update u) return update(w, u.from().id(), u.to());
        Create c = change.diff(Create.class);
        Settings to = c.to();
        // Re-read before create: a concurrent run may have made it since the plan.
        Wiring now = w.on(w.snapshot().with(b -> b.authorizers = HttpApi.authorizers(w)));
        Optional<State.Authorizer> meanwhile = now.ourAuthorizer();
        if (meanwhile.isPresent()) {
            return differences(now, meanwhile.get()).isEmpty()
                    ? now.snapshot()
                    : update(now, meanwhile.get().id(), to);
        }
        String apiId = w.apiId();
        String id = call(
                "creating authorizer " + c.name() + " on API " + apiId,
                w.region(),
                () -> w.aws.apigateway()
                        .createAuthorizer(r -> r.apiId(apiId)
                                .name(c.name())
                                .authorizerType(AuthorizerType.REQUEST)
                                .identitySource(to.identitySource())
                                .authorizerPayloadFormatVersion("2.0")
                                .enableSimpleResponses(true)
                                .authorizerResultTtlInSeconds(to.resultTtl())
                                .authorizerUri(to.uri()))
                        .authorizerId());
        w.progress.say("created authorizer " + id);
        Snapshot settled = settle(now, id);
        String kept = settled.authorizers().isEmpty() ? id : ownedFirst(w.on(settled), id);
        // settle listed the authorizers after the create: the one kept, as listed there, is the read-back
        Optional<State.Authorizer> listed =
                settled.authorizers().stream().filter(a -> a.id().equals(kept)).findFirst();
        if (listed.isPresent())
            return settled.with(b -> b.authorizers = Wiring.putAuthorizer(b.authorizers, listed.get()));
        return withAuthorizer(w, settled, kept);
    }

    private static Snapshot update(Wiring w, String id, Settings to) {
        String apiId = w.apiId();
        call(
                "updating authorizer " + id + " on API " + apiId,
                w.region(),
                () -> w.aws.apigateway()
                        .updateAuthorizer(r -> r.apiId(apiId)
                                .authorizerId(id)
                                .authorizerType(AuthorizerType.REQUEST)
                                .identitySource(to.identitySource())
                                .authorizerPayloadFormatVersion("2.0")
                                .enableSimpleResponses(true)
                                .authorizerResultTtlInSeconds(to.resultTtl())
                                .authorizerUri(to.uri())));
        return withAuthorizer(w, w.snapshot(), id);
    }

    /** The snapshot with authorizer {@code id} as AWS now holds it, first in the list. */
    private static Snapshot withAuthorizer(Wiring w, Snapshot s, String id) {
        State.Authorizer a = HttpApi.authorizer(w, id).orElseThrow();
        return s.with(b -> b.authorizers = Wiring.putAuthorizer(b.authorizers, a));
    }

    /** How long the run holding the smallest id waits for a concurrent run to withdraw its duplicate. */
    static final java.time.Duration SETTLE_TIMEOUT = java.time.Duration.ofSeconds(8);

    /**
     * Two runs at once (or an SDK retry after a lost answer) can each create one. Converge on the
     * smallest id: a run whose own is not that deletes its own and uses it; the run that owns it
     * waits, bounded, for the others to go, and otherwise gives way too. Only authorizers with our
     * name calling our function are considered, so nothing of anyone else's is touched.
     */
    static Snapshot settle(Wiring w, String own) {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        while (true) {
            Wiring now = w.on(w.snapshot().with(b -> b.authorizers = HttpApi.authorizers(w)));
            List<String> others = owned(now).stream()
                    .map(State.Authorizer::id)
                    .filter(id -> !id.equals(own))
                    .sorted()
                    .toList();
            if (others.isEmpty()) return now.snapshot();
            boolean ownIsFirst = own.compareTo(others.get(0)) < 0;
            if (!ownIsFirst || System.nanoTime() > deadline) {
                unlessGone(
                        "deleting duplicate authorizer " + own + " of API " + w.apiId(),
                        w.region(),
                        NotFoundException.class,
                        () -> w.aws.apigateway()
                                .deleteAuthorizer(r -> r.apiId(w.apiId()).authorizerId(own)));
                w.progress.say("authorizer " + others.get(0)
                        + " was created at the same time (another run, or a retried request); "
                        + "using it and deleted " + own);
                return now.snapshot()
                        .with(b -> b.authorizers = b.authorizers.stream()
                                .filter(a -> !a.id().equals(own))
                                .toList());
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return now.snapshot();
            }
        }
    }

    /** The authorizer the run keeps after {@link #settle}: its own, unless it gave way to the smallest id. */
    private static String ownedFirst(Wiring w, String own) {
        List<String> ids = owned(w).stream().map(State.Authorizer::id).sorted().toList();
        return ids.contains(own) || ids.isEmpty() ? own : ids.get(0);
    }

    // teardown

    /** Authorizers secure-api made here: our name, REQUEST, calling our function. More than one only after a race. */
    public static List<State.Authorizer> owned(Wiring w) {
        String uri = w.authorizerUri();
        return w.authorizers().stream()
                .filter(a ->
                        a.name().equals(w.target.authorizerName()) && "REQUEST".equals(a.type()) && uri.equals(a.uri()))
                .toList();
    }

    @Override
    public Change planRemoval(Wiring w) {
        String resource = w.target.authorizerName() + " on API " + w.apiId();
        List<State.Authorizer> owned = owned(w);
        if (owned.isEmpty()) return Change.ok(name(), resource, "none calling " + w.functionName());
        List<String> ids = owned.stream().map(State.Authorizer::id).toList();
        return new Change(
                name(),
                resource + " (" + String.join(", ", ids) + ")",
                Change.Action.DELETE,
                "REQUEST authorizer calling " + w.functionName(),
                new Delete(ids));
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        List<String> deleted = new ArrayList<>();
        for (String id : change.diff(Delete.class).ids()) {
            unlessGone(
                    "deleting authorizer " + id + " of API " + w.apiId(),
                    w.region(),
                    NotFoundException.class,
                    () -> w.aws.apigateway()
                            .deleteAuthorizer(r -> r.apiId(w.apiId()).authorizerId(id)));
            deleted.add(id);
        }
        return w.snapshot()
                .with(b -> b.authorizers = b.authorizers.stream()
                        .filter(x -> !deleted.contains(x.id()))
                        .toList());
    }

    // verify

    /** authorizer.contract: our authorizer exists and is exactly what setup makes. */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        String name = w.target.authorizerName();
        String res = "authorizer " + name + " on API " + w.apiId();
        Optional<State.Authorizer> a = w.ourAuthorizer();
        if (a.isEmpty()) {
            return List.of(Check.fail(
                    "authorizer.contract",
                    res,
                    "API " + w.apiId() + " has no authorizer named " + name + ": no route can be protected by it",
                    Check.SETUP_FIX));
        }
        String id = a.get().id();
        List<String> diff = differences(w, a.get());
        if (!diff.isEmpty()) {
            return List.of(Check.fail(
                    "authorizer.contract",
                    res + " (" + id + ")",
                    "authorizer " + name + " (" + id + ") differs from what setup makes: " + String.join("; ", diff),
                    Check.SETUP_FIX));
        }
        return List.of(Check.pass(
                "authorizer.contract",
                res + " (" + id + ")",
                "authorizer " + name + " (" + id + "): REQUEST, " + w.target.identitySource()
                        + ", payload 2.0, simple responses, TTL " + a.get().resultTtl() + " s, calls "
                        + w.functionName()));
    }
}
