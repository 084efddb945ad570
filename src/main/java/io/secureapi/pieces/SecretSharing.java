package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.ifFound;

import io.secureapi.config.Target;
import io.secureapi.error.ExitException;
import io.secureapi.model.State;
import io.secureapi.support.Arns;
import io.secureapi.support.Names;
import io.secureapi.support.PolicyDocument;
import io.secureapi.support.Progress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.apigatewayv2.model.Api;
import software.amazon.awssdk.services.apigatewayv2.model.GetApisResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * A secret another API's authorizer already reads is never taken over: sharing it would flip the
 * policy statement between two roles, a key revoke would flush one API's caches only, and one
 * teardown would delete the other's key. Checked before any write.
 */
public final class SecretSharing {
    private static final Pattern BUNDLED_ROLE = Pattern.compile(":role/secure-api-authorizer-([A-Za-z0-9]+)$");

    private SecretSharing() {}

    /** Who else reads it: another API's id and how we know. */
    public record OtherReader(String apiId, String how) {}

    /** Refuses (exit 2) when the secret is read by another API's authorizer. */
    public static void refuseIfShared(Wiring w) {
        Optional<OtherReader> other = otherReader(w);
        if (other.isEmpty()) return;
        String who = other.get().apiId() == null
                ? "another authorizer"
                : "API " + other.get().apiId();
        throw ExitException.badInput(
                "secret " + w.target.secretName() + " in " + w.region() + " is already read by " + who
                        + " (" + other.get().how()
                        + "): sharing it would flip its policy between two authorizers' roles, and a teardown of one "
                        + "API would delete the other's key",
                "give API " + w.apiId() + " its own secret: pass another --secret-name, or omit it " + "(default "
                        + Names.defaultSecretName(w.apiId()) + ")");
    }

    static Optional<OtherReader> otherReader(Wiring w) {
        if (w.secret().isEmpty()) return Optional.empty();
        State.Secret s = w.secret().get();
        String tagged = s.tags().get(Names.TAG_API_ID);
        if (tagged != null && !tagged.equals(w.apiId())) {
            return Optional.of(new OtherReader(tagged, "its tag " + Names.TAG_API_ID + " names it"));
        }
        List<String> granted = grantedRoles(w);
        for (String principal : granted) {
            Matcher m = BUNDLED_ROLE.matcher(principal);
            if (m.find() && !m.group(1).equals(w.apiId())) {
                return Optional.of(new OtherReader(
                        m.group(1), "its resource policy lets that API's authorizer role " + principal + " read it"));
            }
        }
        if (tagged != null) return Optional.empty();
        // A secret secure-api did not create for this API: look for another API's authorizer whose function reads it.
        Optional<OtherReader> byFunction = readByAnotherAuthorizer(w, s.arn());
        if (byFunction.isPresent()) return byFunction;
        // Our statement lets a role read it that neither this run nor this API's authorizer uses: someone else's
        // reader.
        String ourRole = null;
        boolean ourRoleRead = false;
        for (String role : granted) {
            if (role.equals(w.roleArn()) || role.endsWith(":role/" + Names.managedRoleName(w.apiId()))) continue;
            if (!ourRoleRead) { // one read at most, and only when a role needs it
                ourRole = ourAuthorizerRole(w).orElse(null);
                ourRoleRead = true;
            }
            if (role.equals(ourRole)) continue;
            return Optional.of(new OtherReader(
                    null,
                    "its resource policy statement " + Names.SECRET_POLICY_SID + " lets role " + role
                            + " read it, and no authorizer of API " + w.apiId() + " runs with that role"));
        }
        return Optional.empty();
    }

    /** The role of the function this API's authorizer (our name) calls today, if any. */
    private static Optional<String> ourAuthorizerRole(Wiring w) {
        Optional<String> fn = w.ourAuthorizer().flatMap(a -> Arns.functionOfAuthorizerUri(a.uri()));
        if (fn.isEmpty()) return Optional.empty();
        if (w.function().isPresent()
                && Wiring.nameOf(fn.get()).equals(w.function().get().name()))
            return Optional.ofNullable(w.function().get().role());
        return ifFound(
                "reading the configuration of Lambda function " + Wiring.nameOf(fn.get()),
                w.region(),
                ResourceNotFoundException.class,
                () -> w.aws.lambda()
                        .getFunctionConfiguration(r -> r.functionName(fn.get()))
                        .role());
    }

    private static List<String> grantedRoles(Wiring w) {
        Optional<Map<String, Object>> st =
                PolicyDocument.parse(w.secretPolicy().orElse(null)).statement(Names.SECRET_POLICY_SID);
        return st.map(KeyDecryptionPiece::awsPrincipals).orElse(List.of());
    }

    private static Optional<OtherReader> readByAnotherAuthorizer(Wiring w, String secretArn) {
        // one function often serves the authorizers of many APIs (every Amplify env): read each once
        Map<String, Optional<String>> readsOf = new java.util.HashMap<>();
        for (String apiId : otherHttpApis(w)) {
            List<State.Authorizer> authorizers = authorizersOf(w, apiId);
            for (State.Authorizer a : authorizers) {
                if (!"REQUEST".equals(a.type())) continue;
                Optional<String> fn = Arns.functionOfAuthorizerUri(a.uri());
                if (fn.isEmpty()) continue;
                Optional<String> reads = readsOf.computeIfAbsent(fn.get(), f -> secretArnOf(w, f));
                if (reads.isPresent() && reads.get().equals(secretArn)) {
                    return Optional.of(new OtherReader(
                            apiId,
                            "its authorizer " + a.name() + " calls Lambda function " + Wiring.nameOf(fn.get())
                                    + ", whose " + Names.ENV_SECRET_ARN + " is this secret"));
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> otherHttpApis(Wiring w) {
        return HttpApi.every(
                        w,
                        "listing the HTTP APIs of " + w.region(),
                        t -> w.aws.apigateway()
                                .getApis(r -> r.maxResults(HttpApi.PAGE_SIZE).nextToken(t)),
                        GetApisResponse::items,
                        GetApisResponse::nextToken)
                .stream()
                .filter(api -> "HTTP".equals(api.protocolTypeAsString())
                        && !api.apiId().equals(w.apiId()))
                .map(Api::apiId)
                .toList();
    }

    private static List<State.Authorizer> authorizersOf(Wiring w, String apiId) {
        Target t = w.target;
        Target other = Target.builder(apiId, t.region())
                .secretName(t.secretName())
                .authorizerName(t.authorizerName())
                .header(t.header())
                .cacheTtl(t.cacheTtl())
                .build();
        try {
            return HttpApi.authorizers(new Wiring(other, w.aws, Progress.NONE, null));
        } catch (ExitException e) {
            // deleted between GetApis and GetAuthorizers (an amplify env removed meanwhile): it reads nothing
            if (e.getCause() instanceof software.amazon.awssdk.services.apigatewayv2.model.NotFoundException)
                return List.of();
            throw e;
        }
    }

    private static Optional<String> secretArnOf(Wiring w, String functionArn) {
        return ifFound(
                        "reading the configuration of Lambda function " + Wiring.nameOf(functionArn),
                        w.region(),
                        ResourceNotFoundException.class,
                        () -> w.aws.lambda().getFunctionConfiguration(r -> r.functionName(functionArn)))
                .map(c -> c.environment() == null || c.environment().variables() == null
                        ? null
                        : c.environment().variables().get(Names.ENV_SECRET_ARN));
    }
}
