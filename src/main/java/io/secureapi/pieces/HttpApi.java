package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;

import io.secureapi.error.ExitException;
import io.secureapi.model.State;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import software.amazon.awssdk.services.apigatewayv2.model.GetApiResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetAuthorizersResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetRoutesResponse;
import software.amazon.awssdk.services.apigatewayv2.model.NotFoundException;

/** Reads of the HTTP API itself: it must exist and be HTTP; its routes and authorizers, every page. */
public final class HttpApi {
    private HttpApi() {}

    /** Largest page GetApis/GetRoutes/GetAuthorizers/GetStages/GetIntegrations return; tests set it small so their fixtures span pages. */
    public static final String PAGE_SIZE = System.getProperty("secureapi.pageSize", "500");

    /** The API, or not-found as an answer; an API of another protocol is exit 2. */
    public static java.util.Optional<State.Api> find(Wiring w) {
        GetApiResponse api = ifFound(
                        "reading API " + w.apiId(),
                        w.region(),
                        NotFoundException.class,
                        () -> w.aws.apigateway().getApi(r -> r.apiId(w.apiId())))
                .orElse(null);
        if (api == null) return java.util.Optional.empty();
        if (!"HTTP".equals(api.protocolTypeAsString())) {
            throw ExitException.badInput(
                    "API " + w.apiId() + " in " + w.region() + " is a " + api.protocolTypeAsString()
                            + " API; secure-api protects HTTP APIs only (API Gateway v2, protocol HTTP)",
                    "pass the id of an HTTP API: aws apigatewayv2 get-apis --region " + w.region());
        }
        return java.util.Optional.of(new State.Api(
                api.apiId(),
                api.name(),
                api.protocolTypeAsString(),
                api.apiEndpoint(),
                api.corsConfiguration() != null));
    }

    /** The API; not found is exit 2, naming it and the region. */
    public static State.Api read(Wiring w) {
        return find(w).orElseThrow(() -> {
            if (isRestApi(w)) {
                return ExitException.badInput(
                        "API " + w.apiId() + " in " + w.region() + " is a REST API (API Gateway v1); "
                                + "secure-api protects HTTP APIs (v2), the kind Amplify creates for containers",
                        "list your HTTP APIs with: aws apigatewayv2 get-apis --region " + w.region());
            }
            return ExitException.badInput(
                    "HTTP API " + w.apiId() + " not found in region " + w.region() + " (the region searched)",
                    "list your HTTP APIs with: aws apigatewayv2 get-apis --region " + w.region()
                            + "; if it is in another region, pass --region REGION");
        });
    }

    /**
     * Whether the id names a REST API (v1): HTTP and WebSocket APIs live in apigatewayv2, REST APIs
     * only in apigateway (GetRestApi). Any failure to tell (no permission, say) is a plain "no".
     */
    static boolean isRestApi(Wiring w) {
        try {
            call(
                    "checking whether " + w.apiId() + " is a REST API",
                    w.region(),
                    () -> w.aws.restApis().getRestApi(r -> r.restApiId(w.apiId())));
            return true;
        } catch (ExitException | software.amazon.awssdk.core.exception.SdkException notOrUnknown) {
            return false;
        }
    }

    /** Every item of an API Gateway v2 list call, each page one AWS step named {@code doing}. */
    static <P, T> List<T> every(
            Wiring w,
            String doing,
            Function<String, P> page,
            Function<P, List<T>> items,
            Function<P, String> nextToken) {
        return pages(t -> call(doing, w.region(), () -> page.apply(t)), items, nextToken);
    }

    /**
     * The one paging loop. The SDK generates no paginators for apigatewayv2's Get* lists (GetRoutes,
     * GetAuthorizers, GetStages, GetApis, GetIntegrations); {@code page} gets the previous page's
     * token (null first) and the loop ends on a null or empty one.
     */
    public static <P, T> List<T> pages(
            Function<String, P> page, Function<P, List<T>> items, Function<P, String> nextToken) {
        List<T> out = new ArrayList<>();
        String token = null;
        do {
            P p = page.apply(token);
            out.addAll(items.apply(p));
            token = nextToken.apply(p);
        } while (token != null && !token.isEmpty());
        return out;
    }

    public static List<State.Route> routes(Wiring w) {
        return every(
                        w,
                        "listing the routes of API " + w.apiId(),
                        t -> w.aws.apigateway()
                                .getRoutes(r ->
                                        r.apiId(w.apiId()).maxResults(PAGE_SIZE).nextToken(t)),
                        GetRoutesResponse::items,
                        GetRoutesResponse::nextToken)
                .stream()
                .map(r -> new State.Route(
                        r.routeId(),
                        r.routeKey(),
                        r.authorizationTypeAsString(),
                        r.authorizerId(),
                        r.authorizationScopes() == null ? List.<String>of() : List.copyOf(r.authorizationScopes())))
                .toList();
    }

    /** One authorizer by id; empty when it does not exist. */
    public static java.util.Optional<State.Authorizer> authorizer(Wiring w, String id) {
        return ifFound(
                        "reading authorizer " + id + " of API " + w.apiId(),
                        w.region(),
                        NotFoundException.class,
                        () -> w.aws.apigateway()
                                .getAuthorizer(r -> r.apiId(w.apiId()).authorizerId(id)))
                .map(a -> new State.Authorizer(
                        a.authorizerId(),
                        a.name(),
                        a.authorizerTypeAsString(),
                        a.identitySource() == null ? List.of() : List.copyOf(a.identitySource()),
                        a.authorizerPayloadFormatVersion(),
                        Boolean.TRUE.equals(a.enableSimpleResponses()),
                        a.authorizerResultTtlInSeconds(),
                        a.authorizerUri()));
    }

    public static List<State.Authorizer> authorizers(Wiring w) {
        return every(
                        w,
                        "listing the authorizers of API " + w.apiId(),
                        t -> w.aws.apigateway()
                                .getAuthorizers(r ->
                                        r.apiId(w.apiId()).maxResults(PAGE_SIZE).nextToken(t)),
                        GetAuthorizersResponse::items,
                        GetAuthorizersResponse::nextToken)
                .stream()
                .map(a -> new State.Authorizer(
                        a.authorizerId(),
                        a.name(),
                        a.authorizerTypeAsString(),
                        a.identitySource() == null ? List.<String>of() : List.copyOf(a.identitySource()),
                        a.authorizerPayloadFormatVersion(),
                        Boolean.TRUE.equals(a.enableSimpleResponses()),
                        a.authorizerResultTtlInSeconds(),
                        a.authorizerUri()))
                .toList();
    }
}
