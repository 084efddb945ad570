package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.apigatewayv2.model.ApiGatewayV2Exception;
import software.amazon.awssdk.services.apigatewayv2.model.GetApiResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetAuthorizerResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetAuthorizersResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetRoutesResponse;
import software.amazon.awssdk.services.apigatewayv2.model.NotFoundException;

/** Reads of the HTTP API itself: it must exist and be HTTP; its routes and authorizers, every page. */
public final class HttpApi {
    private HttpApi() {
    }

    /** Largest page GetApis/GetRoutes/GetAuthorizers/GetStages return; tests set it small so their fixtures span pages. */
    static final String PAGE_SIZE = System.getProperty("secureapi.pageSize", "500");

    /** The API, or not-found as an answer; an API of another protocol is exit 2. */
    public static java.util.Optional<State.Api> find(Wiring w) {
        GetApiResponse api = call("reading API " + w.apiId(), w.region(), () -> {
            try {
                return w.aws.apigateway().getApi(r -> r.apiId(w.apiId()));
            } catch (NotFoundException e) {
                return null;
            }
        });
        if (api == null) return java.util.Optional.empty();
        if (!"HTTP".equals(api.protocolTypeAsString())) {
            throw ExitException.badInput("API " + w.apiId() + " in " + w.region() + " is a " + api.protocolTypeAsString()
                    + " API; secure-api protects HTTP APIs only (API Gateway v2, protocol HTTP)",
                    "pass the id of an HTTP API: aws apigatewayv2 get-apis --region " + w.region());
        }
        w.api = new State.Api(api.apiId(), api.name(), api.protocolTypeAsString(), api.apiEndpoint(),
                api.corsConfiguration() != null);
        return java.util.Optional.of(w.api);
    }

    /** The API; not found is exit 2, naming it and the region. */
    public static State.Api read(Wiring w) {
        return find(w).orElseThrow(() -> {
            if (isRestApi(w)) {
                return ExitException.badInput("API " + w.apiId() + " in " + w.region() + " is a REST API (API Gateway v1); "
                        + "secure-api protects HTTP APIs (v2), the kind Amplify creates for containers",
                        "list your HTTP APIs with: aws apigatewayv2 get-apis --region " + w.region());
            }
            return ExitException.badInput("HTTP API " + w.apiId() + " not found in region " + w.region() + " (the region searched)",
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
            call("checking whether " + w.apiId() + " is a REST API", w.region(),
                    () -> w.aws.restApis().getRestApi(r -> r.restApiId(w.apiId())));
            return true;
        } catch (ExitException | software.amazon.awssdk.core.exception.SdkException notOrUnknown) {
            return false;
        }
    }

    public static List<State.Route> routes(Wiring w) {
        List<State.Route> out = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            GetRoutesResponse page = call("listing the routes of API " + w.apiId(), w.region(),
                    () -> w.aws.apigateway().getRoutes(r -> r.apiId(w.apiId()).maxResults(PAGE_SIZE).nextToken(t)));
            page.items().forEach(r -> out.add(new State.Route(r.routeId(), r.routeKey(), r.authorizationTypeAsString(),
                    r.authorizerId(), r.authorizationScopes() == null ? List.of() : List.copyOf(r.authorizationScopes()))));
            token = page.nextToken();
        } while (token != null && !token.isEmpty());
        return out;
    }

    public static List<State.Authorizer> authorizers(Wiring w) {
        try {
            return listAuthorizers(w);
        } catch (ExitException e) {
            // only against an emulator (--endpoint-url): on AWS a 5xx is an error, never a shorter list
            if (!(e.getCause() instanceof ApiGatewayV2Exception api) || api.statusCode() < 500
                    || w.aws.settings().endpoint().isEmpty()) throw e;
            // An emulator without GetAuthorizers (plain moto answers 500): rebuild the list from the
            // authorizer ids that routes and the config name, one GetAuthorizer each.
            return knownAuthorizers(w);
        }
    }

    private static List<State.Authorizer> knownAuthorizers(Wiring w) {
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        w.previous.map(ProjectConfig::authorizerId).filter(id -> id != null).ifPresent(ids::add);
        routes(w).stream().map(State.Route::authorizerId).filter(id -> id != null && !id.isEmpty()).forEach(ids::add);
        List<State.Authorizer> out = new ArrayList<>();
        for (String id : ids) authorizer(w, id).ifPresent(out::add);
        return out;
    }

    /** One authorizer by id; empty when it does not exist. */
    public static java.util.Optional<State.Authorizer> authorizer(Wiring w, String id) {
        return call("reading authorizer " + id + " of API " + w.apiId(), w.region(), () -> {
            try {
                GetAuthorizerResponse a = w.aws.apigateway().getAuthorizer(r -> r.apiId(w.apiId()).authorizerId(id));
                return java.util.Optional.of(new State.Authorizer(a.authorizerId(), a.name(), a.authorizerTypeAsString(),
                        a.identitySource() == null ? List.of() : List.copyOf(a.identitySource()),
                        a.authorizerPayloadFormatVersion(), Boolean.TRUE.equals(a.enableSimpleResponses()),
                        a.authorizerResultTtlInSeconds(), a.authorizerUri()));
            } catch (NotFoundException gone) {
                return java.util.Optional.<State.Authorizer>empty();
            }
        });
    }

    private static List<State.Authorizer> listAuthorizers(Wiring w) {
        List<State.Authorizer> out = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            GetAuthorizersResponse page = call("listing the authorizers of API " + w.apiId(), w.region(),
                    () -> w.aws.apigateway().getAuthorizers(r -> r.apiId(w.apiId()).maxResults(PAGE_SIZE).nextToken(t)));
            page.items().forEach(a -> out.add(new State.Authorizer(a.authorizerId(), a.name(), a.authorizerTypeAsString(),
                    a.identitySource() == null ? List.of() : List.copyOf(a.identitySource()), a.authorizerPayloadFormatVersion(),
                    Boolean.TRUE.equals(a.enableSimpleResponses()), a.authorizerResultTtlInSeconds(), a.authorizerUri())));
            token = page.nextToken();
        } while (token != null && !token.isEmpty());
        return out;
    }
}
