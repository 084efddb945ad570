package io.secureapi.pieces;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.ifFound;

import io.secureapi.aws.AwsClients;
import io.secureapi.error.ExitException;
import io.secureapi.model.Change;
import io.secureapi.model.Check;
import io.secureapi.model.State;
import io.secureapi.support.Arns;
import io.secureapi.support.Backoff;
import io.secureapi.support.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.apigatewayv2.model.CreateDeploymentResponse;
import software.amazon.awssdk.services.apigatewayv2.model.DeploymentStatus;
import software.amazon.awssdk.services.apigatewayv2.model.GetDeploymentResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetStagesResponse;
import software.amazon.awssdk.services.apigatewayv2.model.NotFoundException;

/**
 * Every stage serves the protection. A stage with AutoDeploy on serves each route change by
 * itself; one without it serves its last deployment — a snapshot of routes and authorizers — so
 * route and authorizer changes reach it only through CreateDeployment
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html). What a stage
 * serves is read back with ExportApi and its StageName.
 */
public final class StagesPiece implements Piece {
    public static final String FLAG = "--deploy-stages";
    public static final String CHECK_ID = "stage.deployed";

    /** One deployment to make, the diff of a stage's row: the stage, and why it needs it. */
    public record Deployment(String stage, String reason) implements Change.Diff {}

    /**
     * What a deployment serves, from its OpenAPI 3.0 export: each route key with the names of the
     * security schemes (authorizers) on it. An export names authorizers, not ids.
     */
    public record Deployed(Map<String, List<String>> routes) {
        public Deployed {
            routes = Map.copyOf(routes);
        }

        private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch");

        /**
         * Paths and operations as ExportApi writes them: {@code x-amazon-apigateway-any-method} is
         * ANY, and the $default route is the path "/$default" (or an operation marked isDefaultRoute)
         * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-any-method.html).
         */
        @SuppressWarnings("unchecked")
        public static Deployed fromOpenApi(String json) {
            Map<String, Object> doc = Json.parseObject(json);
            List<String> rootSecurity = names(doc.get("security"));
            Map<String, List<String>> out = new LinkedHashMap<>();
            Object paths = doc.get("paths");
            if (!(paths instanceof Map)) return new Deployed(out);
            for (Map.Entry<String, Object> p : ((Map<String, Object>) paths).entrySet()) {
                if (!(p.getValue() instanceof Map)) continue;
                for (Map.Entry<String, Object> op : ((Map<String, Object>) p.getValue()).entrySet()) {
                    String m = op.getKey().toLowerCase(Locale.ROOT);
                    String method = m.equals("x-amazon-apigateway-any-method")
                            ? "ANY"
                            : METHODS.contains(m) ? m.toUpperCase(Locale.ROOT) : null;
                    if (method == null || !(op.getValue() instanceof Map)) continue;
                    Map<String, Object> operation = (Map<String, Object>) op.getValue();
                    boolean isDefault = Boolean.TRUE.equals(operation.get("isDefaultRoute"))
                            || p.getKey().equals("/$default")
                            || p.getKey().equals("$default");
                    String key = isDefault ? "$default" : method + " " + p.getKey();
                    // an operation's own security replaces the document's (OpenAPI 3.0)
                    out.put(key, operation.containsKey("security") ? names(operation.get("security")) : rootSecurity);
                }
            }
            return new Deployed(out);
        }

        @SuppressWarnings("unchecked")
        private static List<String> names(Object security) {
            if (!(security instanceof List)) return List.of();
            List<String> out = new ArrayList<>();
            for (Object requirement : (List<Object>) security) {
                if (requirement instanceof Map) out.addAll(((Map<String, Object>) requirement).keySet());
            }
            return out;
        }

        public boolean serves(String routeKey) {
            return routes.containsKey(routeKey);
        }

        public boolean protects(String routeKey, String authorizerName) {
            return routes.getOrDefault(routeKey, List.of()).contains(authorizerName);
        }

        public boolean uses(String authorizerName) {
            return routes.values().stream().anyMatch(n -> n.contains(authorizerName));
        }
    }

    @Override
    public String name() {
        return "stages";
    }

    /** Each deployment says its own line as it goes. */
    @Override
    public String progressLine(Change c) {
        return null;
    }

    // read

    /** Every stage, and what each stage without AutoDeploy serves. */
    public static java.util.function.Consumer<Snapshot.Builder> read(Wiring w) {
        List<State.Stage> stages = stages(w);
        Map<String, Deployed> deployed = new LinkedHashMap<>();
        for (State.Stage s : stages) {
            if (s.autoDeploy() || s.deploymentId() == null) continue;
            deployed(w, s.name()).ifPresent(d -> deployed.put(s.name(), d));
        }
        return b -> {
            b.stages = List.copyOf(stages);
            b.deployed = Map.copyOf(deployed);
        };
    }

    public static List<State.Stage> stages(Wiring w) {
        return HttpApi.every(
                        w,
                        "listing the stages of API " + w.apiId(),
                        t -> w.aws.apigateway()
                                .getStages(r -> r.apiId(w.apiId())
                                        .maxResults(HttpApi.PAGE_SIZE)
                                        .nextToken(t)),
                        GetStagesResponse::items,
                        GetStagesResponse::nextToken)
                .stream()
                .map(StagesPiece::stage)
                .toList();
    }

    /** A stage as read, with how its last automatic deployment went (Stage.LastDeploymentStatusMessage). */
    public static State.Stage stage(software.amazon.awssdk.services.apigatewayv2.model.Stage s) {
        return new State.Stage(
                s.stageName(), Boolean.TRUE.equals(s.autoDeploy()), s.deploymentId(), s.lastDeploymentStatusMessage());
    }

    /**
     * What the stage serves: its deployment's definition, exported with its StageName (without one,
     * ExportApi shows the latest configuration, deployed or not:
     * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-export.html); empty when the stage has none.
     */
    static Optional<Deployed> deployed(Wiring w, String stage) {
        return deployed(w.aws, w.apiId(), stage);
    }

    /** The same for any API (scan reads APIs it has no wiring for). */
    public static Optional<Deployed> deployed(AwsClients aws, String apiId, String stage) {
        Optional<String> export = ifFound(
                "exporting what stage " + stage + " of API " + apiId + " serves",
                aws.region(),
                NotFoundException.class,
                () -> aws.apigateway()
                        .exportApi(r -> r.apiId(apiId)
                                .specification("OAS30")
                                .outputType("JSON")
                                .stageName(stage)
                                .includeExtensions(true))
                        .body()
                        .asString(StandardCharsets.UTF_8));
        if (export.isEmpty()) return Optional.empty();
        String json = export.get();
        try {
            return Optional.of(Deployed.fromOpenApi(json));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new ExitException(
                    ExitException.AWS,
                    "exporting what stage " + stage + " of API " + apiId + " serves (" + aws.region()
                            + "): ExportApi answered something that is not an OpenAPI JSON document",
                    "run it again with --verbose for details",
                    e);
        }
    }

    // plan

    @Override
    public Change plan(Wiring w) {
        List<Change> rows = planRows(w, List.of());
        return rows.stream().filter(Change::changes).findFirst().orElse(rows.get(0));
    }

    /**
     * One row per stage without AutoDeploy (and one for the AutoDeploy stages). A stage needs a
     * deployment when the changes planned before it touch routes, the authorizer or integrations, or when what
     * it serves leaves a route that should be protected without the protection.
     */
    @Override
    public List<Change> planRows(Wiring w, List<Change> earlier) {
        // integrations too: a --forward-key-name mapping reaches a stage only through a deployment
        Set<String> served =
                Set.of(new RoutesPiece().name(), new AuthorizerPiece().name(), new KeyNameForwardingPiece().name());
        boolean apiChanges = earlier.stream().anyMatch(c -> c.changes() && served.contains(c.piece()));
        Set<String> shouldProtect = RoutesPiece.selected(w).stream()
                .map(State.Route::key)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        List<Change> rows = new ArrayList<>();
        List<String> auto = w.stages().stream()
                .filter(State.Stage::autoDeploy)
                .map(State.Stage::name)
                .toList();
        if (!auto.isEmpty() || manual(w).isEmpty()) {
            rows.add(Change.ok(
                    name(),
                    "API " + w.apiId() + " stages",
                    auto.isEmpty()
                            ? "no stages: nothing serves the API yet"
                            : String.join(", ", auto) + ": AutoDeploy on, serves every change by itself"));
        }
        for (State.Stage s : manual(w)) {
            String resource = "stage " + s.name() + " of API " + w.apiId();
            Deployed d = w.deployed().get(s.name());
            if (d == null) {
                rows.add(Change.ok(name(), resource, "AutoDeploy off and no deployment: serves nothing"));
                continue;
            }
            List<String> gaps = gaps(w, d, shouldProtect);
            if (!apiChanges && gaps.isEmpty()) {
                rows.add(Change.ok(
                        name(), resource, "AutoDeploy off; deployment " + s.deploymentId() + " serves the protection"));
                continue;
            }
            String why = !gaps.isEmpty()
                    ? "its deployment " + s.deploymentId() + " serves " + quote(gaps) + " without the protection"
                    : "the route and authorizer changes above reach it only through a deployment";
            rows.add(new Change(
                    name(),
                    resource,
                    Change.Action.CREATE,
                    "deploy (AutoDeploy off): " + why
                            + "; a deployment also releases any other undeployed change of API " + w.apiId(),
                    new Deployment(s.name(), why)));
        }
        return rows;
    }

    /** Stages without AutoDeploy that serve a deployment: an authorizer change reaches them only through a new one. */
    public static List<String> needingDeployment(Wiring w) {
        return stages(w).stream()
                .filter(s -> !s.autoDeploy() && s.deploymentId() != null)
                .map(State.Stage::name)
                .toList();
    }

    /** Deploys one stage (paced, polled until DEPLOYED), as setup does. */
    public static void deployStage(Wiring w, String stage, String description) {
        deploy(w, new Deployment(stage, description), description);
    }

    /**
     * Waits, bounded, until each AutoDeploy stage serves a deployment other than the one it served
     * before a change ({@code before}: stage → deployment id). AutoDeploy deploys every change of
     * the API by itself, a moment later
     * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html).
     */
    public static void awaitAutoDeploy(Wiring w, Map<String, String> before) {
        Backoff backoff = new Backoff(Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(3));
        while (true) {
            List<String> waiting = stages(w).stream()
                    .filter(s -> s.autoDeploy() && before.containsKey(s.name()))
                    .filter(s -> java.util.Objects.equals(s.deploymentId(), before.get(s.name())))
                    .map(State.Stage::name)
                    .toList();
            if (waiting.isEmpty()) return;
            if (!backoff.retry(w.progress, "waiting for AutoDeploy of stage " + String.join(", ", waiting))) {
                throw new ExitException(
                        ExitException.AWS,
                        "stage " + String.join(", ", waiting) + " of API " + w.apiId() + " (" + w.region()
                                + ") did not deploy the authorizer change within 60 s; no key was changed",
                        "check the stage's LastDeploymentStatusMessage (aws apigatewayv2 get-stages --api-id "
                                + w.apiId() + "), then run the command again",
                        null);
            }
        }
    }

    private static List<State.Stage> manual(Wiring w) {
        return w.stages().stream().filter(s -> !s.autoDeploy()).toList();
    }

    /**
     * The routes a deployment serves without the protection that should have it, and the routes it
     * still serves publicly that the API no longer has (a deployment is the only way to drop them).
     * A route added since the deployment is not served by it, so it is no gap.
     */
    static List<String> gaps(Wiring w, Deployed d, Collection<String> shouldProtect) {
        String ours = w.target.authorizerName();
        List<String> out = new ArrayList<>();
        for (String key : shouldProtect) {
            if (d.serves(key) && !d.protects(key, ours)) out.add(key);
        }
        Set<String> live = w.routes().stream().map(State.Route::key).collect(Collectors.toSet());
        d.routes().forEach((key, security) -> {
            if (!live.contains(key) && !key.startsWith("OPTIONS ") && security.isEmpty()) out.add(key);
        });
        return out;
    }

    private static String oneLine(String s) {
        String line = s.replaceAll("\\s+", " ").strip();
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    private static String quote(List<String> keys) {
        String s = keys.stream().limit(5).map(k -> "\"" + k + "\"").collect(Collectors.joining(", "));
        return keys.size() > 5 ? s + " and " + (keys.size() - 5) + " more" : s;
    }

    /** The deployments a plan makes, in its order. */
    public static List<Deployment> deployments(List<Change> changes) {
        return changes.stream()
                .filter(c -> c.diff() instanceof Deployment)
                .map(c -> c.diff(Deployment.class))
                .toList();
    }

    /** The stages the plan deploys that the caller did not allow to (no --deploy-stages): the run would refuse. */
    public static List<String> needingFlag(Wiring w, List<Change> plan) {
        if (w.options.deployStages()) return List.of();
        return deployments(plan).stream().map(Deployment::stage).toList();
    }

    /** Exit 2, before any write, when the plan deploys a stage and the caller did not allow it. */
    public static void refuseWithoutFlag(Wiring w, List<Change> plan, String command, String consequence) {
        List<Deployment> planned = deployments(plan);
        if (planned.isEmpty() || w.options.deployStages()) return;
        List<String> names = planned.stream().map(Deployment::stage).toList();
        String stages = (names.size() == 1 ? "stage " : "stages ") + String.join(", ", names);
        throw ExitException.badInput(
                stages + " of API " + w.apiId() + " in " + w.region() + " " + (names.size() == 1 ? "has" : "have")
                        + " AutoDeploy off and " + consequence + "; " + command + " deploys stages only with " + FLAG
                        + ", so nothing was changed",
                "run secure-api " + command + " " + FLAG + " to deploy " + (names.size() == 1 ? "it" : "them")
                        + " (a deployment also releases any other undeployed change), or --dry-run to see the plan");
    }

    @Override
    public Snapshot apply(Wiring w, Change change) {
        return deploy(w, change.diff(Deployment.class), "secure-api setup: serve the API-key protection");
    }

    /** CreateDeployment for the planned stage, paced: API Gateway allows one every 5 seconds per account. */
    private static Snapshot deploy(Wiring w, Deployment d, String description) {
        w.progress.say("deploy stage " + d.stage() + " of API " + w.apiId());
        CreateDeploymentResponse r = createDeployment(w, d.stage(), description);
        settle(w, d.stage(), r.deploymentId(), r.deploymentStatus(), r.deploymentStatusMessage());
        return w.snapshot()
                .with(b -> b.stages = b.stages.stream()
                        .map(s -> s.name().equals(d.stage())
                                ? new State.Stage(s.name(), s.autoDeploy(), r.deploymentId())
                                : s)
                        .toList());
    }

    /**
     * How long a deployment may stay PENDING: AWS documents no bound; terraform-provider-aws waits
     * five minutes (internal/service/apigatewayv2 waiter, DeploymentDeployedTimeout).
     */
    static final Duration DEPLOYMENT_TIMEOUT = Duration.ofMinutes(5);

    /**
     * A deployment answers PENDING, FAILED or DEPLOYED
     * (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-deployments-deploymentid.html):
     * polled with GetDeployment, bounded backoff, until it leaves PENDING; FAILED is an error that quotes
     * AWS's DeploymentStatusMessage.
     */
    private static void settle(Wiring w, String stage, String id, DeploymentStatus status, String message) {
        String doing = "deploying stage " + stage + " of API " + w.apiId();
        Backoff backoff = new Backoff(DEPLOYMENT_TIMEOUT, Duration.ofMillis(200), Duration.ofSeconds(5));
        while (status == DeploymentStatus.PENDING) {
            if (!backoff.retry(w.progress, "deployment " + id + " of stage " + stage + " is PENDING, waiting")) {
                throw new ExitException(
                        Thread.currentThread().isInterrupted() ? ExitException.FAILED : ExitException.AWS,
                        doing + " (" + w.region() + "): deployment " + id + " still PENDING after "
                                + DEPLOYMENT_TIMEOUT.toMinutes() + " minutes",
                        "check it with aws apigatewayv2 get-deployment --api-id " + w.apiId() + " --deployment-id " + id
                                + ", then run it again; reruns are safe",
                        null);
            }
            GetDeploymentResponse g = call(
                    "reading deployment " + id + " of API " + w.apiId(),
                    w.region(),
                    () -> w.aws.apigateway()
                            .getDeployment(q -> q.apiId(w.apiId()).deploymentId(id)));
            status = g.deploymentStatus();
            message = g.deploymentStatusMessage();
        }
        if (status == DeploymentStatus.FAILED) {
            throw new ExitException(
                    ExitException.AWS,
                    doing + " (" + w.region() + "): deployment " + id + " failed"
                            + (message == null ? "" : ": " + message.replaceAll("\\s+", " ")),
                    "fix what the message names, then run it again; reruns are safe",
                    null);
        }
    }

    private static CreateDeploymentResponse createDeployment(Wiring w, String stage, String description) {
        // quota: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (CreateDeployment)
        Backoff backoff = new Backoff(Duration.ofSeconds(90), Duration.ofSeconds(5), Duration.ofSeconds(20));
        while (true) {
            try {
                w.aws.deployments().acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ExitException(
                        ExitException.FAILED,
                        "interrupted before deploying stage " + stage + " of API " + w.apiId(),
                        "run it again; reruns are safe",
                        e);
            }
            try {
                return call(
                        "deploying stage " + stage + " of API " + w.apiId(),
                        w.region(),
                        () -> w.aws.apigateway()
                                .createDeployment(
                                        r -> r.apiId(w.apiId()).stageName(stage).description(description)));
            } catch (ExitException e) {
                if (!(e.getCause() instanceof AwsServiceException t && t.isThrottlingException())
                        || !backoff.retry(w.progress, "CreateDeployment throttled (one per 5 s per account)")) throw e;
            }
        }
    }

    // teardown

    /** A stage without AutoDeploy whose deployment uses our authorizer keeps calling it until deployed again. */
    @Override
    public List<Change> removalRows(Wiring w) {
        Set<String> ours = new LinkedHashSet<>();
        ours.add(w.target.authorizerName());
        AuthorizerPiece.owned(w).forEach(a -> ours.add(a.name()));
        List<Change> rows = new ArrayList<>();
        for (State.Stage s : manual(w)) {
            Deployed d = w.deployed().get(s.name());
            String resource = "stage " + s.name() + " of API " + w.apiId();
            Optional<String> used =
                    d == null ? Optional.empty() : ours.stream().filter(d::uses).findFirst();
            if (used.isEmpty()) {
                rows.add(Change.ok(
                        name(),
                        resource,
                        d == null
                                ? "AutoDeploy off and no deployment: serves nothing"
                                : "its deployment " + s.deploymentId() + " does not use secure-api's authorizer"));
                continue;
            }
            String why = "its deployment " + s.deploymentId() + " calls authorizer " + used.get()
                    + " until the stage is deployed again";
            rows.add(new Change(
                    name(),
                    resource,
                    Change.Action.CREATE,
                    "deploy after the routes are restored (AutoDeploy off): " + why
                            + "; a deployment also releases any other undeployed change of API " + w.apiId(),
                    new Deployment(s.name(), why)));
        }
        if (rows.isEmpty()) rows.add(Change.ok(name(), "API " + w.apiId() + " stages", "no stage without AutoDeploy"));
        return rows;
    }

    @Override
    public Snapshot remove(Wiring w, Change change) {
        return deploy(w, change.diff(Deployment.class), "secure-api teardown: the API-key protection removed");
    }

    // verify

    /**
     * stage.deployed: every stage without AutoDeploy serves the protection on every route now
     * protected. Left out when every stage auto-deploys.
     */
    @Override
    public List<Check> check(Wiring w, Check.Options o) {
        List<State.Stage> manual = manual(w);
        List<State.Stage> autoFailed =
                w.stages().stream().filter(State.Stage::autoDeployFailed).toList();
        String res = "API " + w.apiId() + " stages";
        if (!autoFailed.isEmpty()) {
            // an automatic deployment runs after the change and can fail: the stage keeps serving the one before
            // (Stage.LastDeploymentStatusMessage, "Supported only for stages with autoDeploy enabled":
            // https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html)
            List<String> names = autoFailed.stream().map(State.Stage::name).toList();
            return List.of(Check.fail(
                            CHECK_ID,
                            res,
                            (names.size() == 1 ? "stage " : "stages ") + String.join(", ", names) + " of API "
                                    + w.apiId() + " (AutoDeploy on): the last automatic deployment did not succeed,"
                                    + " so the latest changes are not served: \""
                                    + oneLine(autoFailed.get(0).lastDeploymentStatusMessage()) + "\"",
                            "fix what the message names, then redeploy: aws apigatewayv2 create-deployment --api-id "
                                    + w.apiId() + " --stage-name " + names.get(0))
                    .withDetails(autoFailed.stream()
                            .map(s -> "stage " + s.name() + " serves deployment " + s.deploymentId()
                                    + "; LastDeploymentStatusMessage: \"" + oneLine(s.lastDeploymentStatusMessage())
                                    + "\"")
                            .toList()));
        }
        if (manual.isEmpty()) return List.of();
        List<String> protectedKeys = w.routes().stream()
                .filter(r -> RoutesPiece.protectedByUs(w, r))
                .map(State.Route::key)
                .toList();
        List<String> failing = new ArrayList<>();
        List<String> details = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        for (State.Stage s : manual) {
            Deployed d = w.deployed().get(s.name());
            if (d == null) {
                fine.add(s.name() + " (no deployment: serves nothing)");
                continue;
            }
            List<String> gaps = gaps(w, d, protectedKeys);
            if (gaps.isEmpty()) {
                fine.add(s.name() + " (deployment " + s.deploymentId() + ")");
            } else {
                failing.add(s.name());
                details.add("stage " + s.name() + ": deployment " + s.deploymentId() + " serves " + quote(gaps)
                        + " without authorizer " + w.target.authorizerName());
            }
        }
        if (!failing.isEmpty()) {
            return List.of(Check.fail(
                            CHECK_ID,
                            res,
                            (failing.size() == 1 ? "stage " : "stages ") + String.join(", ", failing) + " of API "
                                    + w.apiId() + " (AutoDeploy off) "
                                    + (failing.size() == 1 ? "serves a deployment" : "serve deployments")
                                    + " without the protection on every protected route",
                            "run secure-api setup " + FLAG)
                    .withDetails(details));
        }
        return List.of(Check.pass(
                CHECK_ID, res, "every stage without AutoDeploy serves the protection: " + String.join(", ", fine)));
    }

    // the API's URLs

    /** A stage and the URL clients call it at. */
    public record Url(String stage, String url) {}

    /**
     * The invoke URL of each stage: the API endpoint for $default (no path), else endpoint/stage.
     * With a $default stage that one URL is the API's; otherwise one per stage.
     */
    public static List<Url> urls(Wiring w) {
        String endpoint = w.api() != null
                        && w.api().endpoint() != null
                        && !w.api().endpoint().isBlank()
                ? w.api().endpoint()
                : "https://" + w.apiId() + ".execute-api." + w.region() + "." + Arns.dnsSuffix(w.region());
        endpoint = endpoint.replaceAll("/+$", "");
        if (w.stages().isEmpty() || w.stages().stream().anyMatch(s -> s.name().equals("$default"))) {
            return List.of(new Url("$default", endpoint));
        }
        String e = endpoint;
        return w.stages().stream()
                .map(s -> new Url(s.name(), e + "/" + s.name()))
                .toList();
    }
}
