package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizerType;

/** The HTTP API's REQUEST authorizer: header identity source, payload 2.0, simple responses, TTL. */
public final class AuthorizerPiece implements Piece {
    @Override
    public String name() {
        return "authorizer";
    }

    @Override
    public void read(Wiring w) {
        w.authorizers = HttpApi.authorizers(w);
    }

    /** What differs from the contract (SPEC §1); empty when the authorizer matches it. */
    public static List<String> differences(Wiring w, State.Authorizer a) {
        List<String> why = new ArrayList<>();
        if (!"REQUEST".equals(a.type())) why.add("type " + a.type() + " → REQUEST");
        if (!List.of(w.target.identitySource()).equals(a.identitySource())) {
            why.add("identity source " + a.identitySource() + " → " + w.target.identitySource());
        }
        if (!"2.0".equals(a.payloadFormatVersion())) why.add("payload format " + a.payloadFormatVersion() + " → 2.0");
        if (!a.simpleResponses()) why.add("simple responses → on");
        if (!Objects.equals(a.resultTtl(), w.target.cacheTtl())) why.add("result TTL " + a.resultTtl() + " s → " + w.target.cacheTtl() + " s");
        if (!w.authorizerUri().equals(a.uri())) why.add("function → " + w.functionName());
        return why;
    }

    @Override
    public Change plan(Wiring w) {
        String resource = w.target.authorizerName() + " on API " + w.apiId();
        return w.ourAuthorizer().map(a -> {
            List<String> why = differences(w, a);
            return why.isEmpty() ? Change.ok(name(), resource + " (" + a.id() + ")", "REQUEST, " + w.target.identitySource()
                    + ", TTL " + a.resultTtl() + " s")
                    : new Change(name(), resource + " (" + a.id() + ")", Change.Action.UPDATE, String.join("; ", why));
        }).orElse(new Change(name(), resource, Change.Action.CREATE, "REQUEST, " + w.target.identitySource()
                + ", payload 2.0, simple responses, TTL " + w.target.cacheTtl() + " s"));
    }

    @Override
    public void apply(Wiring w, Change change) {
        String apiId = w.apiId();
        if (change.action() == Change.Action.CREATE) {
            // Re-read before create: a concurrent run may have made it since the plan.
            w.authorizers = HttpApi.authorizers(w);
            if (w.ourAuthorizer().isPresent()) {
                if (!differences(w, w.ourAuthorizer().get()).isEmpty()) apply(w, new Change(name(), "", Change.Action.UPDATE, ""));
                return;
            }
            String id = call("creating authorizer " + w.target.authorizerName() + " on API " + apiId, w.region(),
                    () -> w.aws.apigateway().createAuthorizer(r -> r.apiId(apiId).name(w.target.authorizerName())
                            .authorizerType(AuthorizerType.REQUEST).identitySource(w.target.identitySource())
                            .authorizerPayloadFormatVersion("2.0").enableSimpleResponses(true)
                            .authorizerResultTtlInSeconds(w.target.cacheTtl()).authorizerUri(w.authorizerUri()))
                            .authorizerId());
            w.progress.say("created authorizer " + id);
            w.putAuthorizer(HttpApi.authorizer(w, id).orElseThrow());
        } else {
            String id = w.ourAuthorizer().orElseThrow().id();
            call("updating authorizer " + id + " on API " + apiId, w.region(),
                    () -> w.aws.apigateway().updateAuthorizer(r -> r.apiId(apiId).authorizerId(id)
                            .authorizerType(AuthorizerType.REQUEST).identitySource(w.target.identitySource())
                            .authorizerPayloadFormatVersion("2.0").enableSimpleResponses(true)
                            .authorizerResultTtlInSeconds(w.target.cacheTtl()).authorizerUri(w.authorizerUri())));
            w.putAuthorizer(HttpApi.authorizer(w, id).orElseThrow());
        }
    }
}
