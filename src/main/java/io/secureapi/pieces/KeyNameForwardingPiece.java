package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.run;

import io.secureapi.config.ProjectConfig;
import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.apigatewayv2.model.GetIntegrationsResponse;

/**
 * setup --forward-key-name HEADER: every integration of the API gets the request parameter mapping
 * overwrite:header.HEADER = $context.authorizer.keyName, so the backend learns which consumer
 * called; a client-sent HEADER is overwritten, never trusted. Merged with the integration's other
 * mappings; teardown removes only this one. Parameter mapping for HTTP APIs, HTTP_PROXY and
 * Lambda (AWS_PROXY) integrations alike: docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 */
public final class KeyNameForwardingPiece implements Piece {
    public static final String VALUE = "$context.authorizer.keyName";

    /** An integration as read. {@code subtype} set: an AWS service integration, whose parameters mean something else. */
    public record Integration(String id, String type, String subtype, Map<String, String> requestParameters) {
        boolean mappable() {
            return ("HTTP_PROXY".equals(type) || "AWS_PROXY".equals(type)) && (subtype == null || subtype.isBlank());
        }
    }

    @Override
    public String name() {
        return "key name header";
    }

    public static String key(String header) {
        return "overwrite:header." + header;
    }

    /** Checks --forward-key-name before anything is read: a plain header name API Gateway lets a mapping set. */
    public static String checkHeader(String header, String keyHeader) {
        java.util.Optional<String> why = io.secureapi.support.Headers.notForwardable(header, keyHeader);
        if (why.isPresent() && why.get().startsWith("is not")) {
            throw ExitException.badInput(
                    "--forward-key-name \"" + (header == null ? "" : header) + "\" is not a header name",
                    "use letters, digits and -, e.g. --forward-key-name X-Consumer");
        }
        if (why.isPresent()) {
            throw ExitException.badInput(
                    "--forward-key-name " + header + " names a header API Gateway reserves or the key travels in",
                    "choose your own header, e.g. --forward-key-name X-Consumer");
        }
        return header;
    }

    /** The API's integrations, every page. */
    public static List<Integration> read(Wiring w) {
        return HttpApi.every(
                        w,
                        "listing the integrations of API " + w.apiId(),
                        t -> w.aws.apigateway()
                                .getIntegrations(r ->
                                        r.apiId(w.apiId()).maxResults("100").nextToken(t)),
                        GetIntegrationsResponse::items,
                        GetIntegrationsResponse::nextToken)
                .stream()
                .map(i -> new Integration(
                        i.integrationId(),
                        i.integrationTypeAsString(),
                        i.integrationSubtype(),
                        i.requestParameters() == null ? Map.<String, String>of() : Map.copyOf(i.requestParameters())))
                .toList();
    }

    /** The header to forward: asked for now, else recorded by an earlier setup; null = none. */
    public static String header(Wiring w) {
        if (w.options.forwardKeyName() != null) return w.options.forwardKeyName();
        return w.previous().map(ProjectConfig::forwardKeyName).orElse(null);
    }

    /** Integrations that lack the mapping (or map the header to something else). */
    public static List<Integration> missing(Wiring w, String header) {
        String k = key(header);
        return w.integrations().stream()
                .filter(Integration::mappable)
                .filter(i -> !VALUE.equals(i.requestParameters().get(k)))
                .toList();
    }

    /** Add the mapping of {@code header} to these integrations, each with its other mappings as read. */
    record Forward(String header, List<Integration> integrations) implements Change.Diff {
        public Forward {
            integrations = List.copyOf(integrations);
        }
    }

    /** Remove the mapping of {@code header} from these integrations, their other mappings kept. */
    record StopForwarding(String header, List<Integration> integrations) implements Change.Diff {
        public StopForwarding {
            integrations = List.copyOf(integrations);
        }
    }

    @Override
    public Change plan(Wiring w) {
        String header = header(w);
        if (header == null) return Change.ok(name(), "-", "not asked for (--forward-key-name HEADER)");
        List<Integration> missing = missing(w, header);
        long mappable = w.integrations().stream().filter(Integration::mappable).count();
        if (missing.isEmpty())
            return Change.ok(
                    name(),
                    header,
                    mappable + " integration" + (mappable == 1 ? "" : "s") + " set " + header + " from the key name");
        return new Change(
                name(),
                header,
                Change.Action.UPDATE,
                "map " + key(header) + " = " + VALUE + " on " + missing.size() + " of " + mappable + " integration"
                        + (mappable == 1 ? "" : "s") + " (their other mappings kept)",
                new Forward(header, missing));
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        Forward f = change.diff(Forward.class);
        String header = f.header();
        for (Integration i : f.integrations()) {
            Map<String, String> merged = new LinkedHashMap<>(i.requestParameters());
            merged.put(key(header), VALUE);
            run(
                    "mapping " + header + " on integration " + i.id() + " of API " + w.apiId(),
                    w.region(),
                    () -> w.aws.apigateway()
                            .updateIntegration(r ->
                                    r.apiId(w.apiId()).integrationId(i.id()).requestParameters(merged)));
        }
        List<Integration> now = read(w);
        return w.snapshot().with(b -> b.integrations = now);
    }

    // teardown: only our mapping, and only where it still maps the key name

    @Override
    public Change planRemoval(Wiring w) {
        String header = w.previous().map(ProjectConfig::forwardKeyName).orElse(null);
        if (header == null) return Change.ok(name(), "-", "none recorded");
        List<Integration> ours = ours(w, header);
        if (ours.isEmpty()) return Change.ok(name(), header, "no integration maps it");
        return new Change(
                name(),
                header,
                Change.Action.DELETE,
                "remove " + key(header) + " from " + ours.size() + " integration" + (ours.size() == 1 ? "" : "s")
                        + " (other mappings kept)",
                new StopForwarding(header, ours));
    }

    private static List<Integration> ours(Wiring w, String header) {
        return w.integrations().stream()
                .filter(i -> VALUE.equals(i.requestParameters().get(key(header))))
                .toList();
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        StopForwarding s = change.diff(StopForwarding.class);
        String header = s.header();
        for (Integration i : s.integrations()) {
            // an empty value removes a mapping; the others are sent as they are
            Map<String, String> params = new LinkedHashMap<>(i.requestParameters());
            params.put(key(header), "");
            run(
                    "removing the " + header + " mapping from integration " + i.id() + " of API " + w.apiId(),
                    w.region(),
                    () -> w.aws.apigateway()
                            .updateIntegration(r ->
                                    r.apiId(w.apiId()).integrationId(i.id()).requestParameters(params)));
        }
        List<Integration> now = read(w);
        return w.snapshot().with(b -> b.integrations = now);
    }

    // verify

    /** integrations.key-name: setup --forward-key-name was used and every integration still maps the header. Left out otherwise. */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        String header = w.previous().map(ProjectConfig::forwardKeyName).orElse(null);
        if (header == null) return List.of();
        String res = "API " + w.apiId() + " integrations";
        List<Integration> missing = missing(w, header);
        if (missing.isEmpty()) {
            return List.of(Check.pass(
                    "integrations.key-name",
                    res,
                    "every integration of API " + w.apiId() + " sets " + header + " from the key name"));
        }
        return List.of(Check.fail(
                "integrations.key-name",
                res,
                missing.size() + " integration" + (missing.size() == 1 ? "" : "s")
                        + " of API " + w.apiId() + " do not set " + header + " from the key name: "
                        + missing.stream().map(Integration::id).collect(Collectors.joining(", "))
                        + " (the backend would trust whatever a client sends in it)",
                Check.SETUP_FIX + " (it merges the mapping; other mappings are kept)"));
    }
}
