package io.secureapi.scan;

import io.secureapi.aws.AwsCall;
import io.secureapi.aws.AwsClients;
import io.secureapi.error.ExitException;
import io.secureapi.model.State;
import io.secureapi.pieces.HttpApi;
import io.secureapi.pieces.StagesPiece;
import io.secureapi.support.Backoff;
import io.secureapi.support.Names;
import io.secureapi.support.Progress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.RegionMetadata;
import software.amazon.awssdk.services.account.model.ListRegionsResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetApisResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetAuthorizersResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetRoutesResponse;
import software.amazon.awssdk.services.apigatewayv2.model.GetStagesResponse;

/**
 * scan: which HTTP APIs of the account answer without any authorization. Read-only. Regions and
 * APIs are read concurrently on a bounded pool; throttling is waited out with bounded backoff.
 * OPTIONS routes are CORS preflight (browsers send no credentials) and are never counted.
 */
public final class Scan {
    /** At most this many AWS reads in flight: enough to hide latency, few enough not to invite throttling. */
    public static final int PARALLELISM = 8;

    static final String PAGE_SIZE = HttpApi.PAGE_SIZE;

    /** A route a user declared public on purpose: --allow-public "API_ID ROUTE KEY". */
    public record Allowed(String apiId, String routeKey) {}

    /** What secure-api's local config says it set up: the API, its region and its authorizer's name. */
    public record Configured(String apiId, String region, String authorizerName) {}

    public record Skipped(String region, String reason) {}

    /** One HTTP API as scanned. publicRoutes excludes the allowed ones; other = JWT, IAM or a foreign Lambda authorizer. */
    public record ApiFinding(
            String apiId,
            String name,
            String region,
            boolean protectedBySecureApi,
            List<String> publicRoutes,
            List<String> allowedPublicRoutes,
            List<String> otherAuthorizerRoutes,
            Map<String, String> otherAuthorizerTypes,
            List<String> stageFindings) {
        public ApiFinding {
            publicRoutes = List.copyOf(publicRoutes);
            allowedPublicRoutes = List.copyOf(allowedPublicRoutes);
            otherAuthorizerRoutes = List.copyOf(otherAuthorizerRoutes);
            otherAuthorizerTypes = Map.copyOf(otherAuthorizerTypes);
            stageFindings = List.copyOf(stageFindings);
        }

        public ApiFinding(
                String apiId,
                String name,
                String region,
                boolean protectedBySecureApi,
                List<String> publicRoutes,
                List<String> allowedPublicRoutes,
                List<String> otherAuthorizerRoutes,
                Map<String, String> otherAuthorizerTypes) {
            this(
                    apiId,
                    name,
                    region,
                    protectedBySecureApi,
                    publicRoutes,
                    allowedPublicRoutes,
                    otherAuthorizerRoutes,
                    otherAuthorizerTypes,
                    List.of());
        }

        public boolean ok() {
            return publicRoutes.isEmpty() && stageFindings.isEmpty();
        }
    }

    public record Result(List<String> regions, List<Skipped> skipped, List<ApiFinding> apis) {
        public static final int SCHEMA_VERSION = 1;

        public Result {
            regions = List.copyOf(regions);
            skipped = List.copyOf(skipped);
            apis = List.copyOf(apis);
        }

        public boolean ok() {
            return apis.stream().allMatch(ApiFinding::ok);
        }

        public int publicRouteCount() {
            return apis.stream().mapToInt(a -> a.publicRoutes().size()).sum();
        }

        /** The stable --output json document. */
        public Map<String, Object> toJson() {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("command", "scan");
            doc.put("schemaVersion", SCHEMA_VERSION);
            doc.put("ok", ok());
            doc.put("regions", regions);
            List<Object> sk = new ArrayList<>();
            for (Skipped s : skipped) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("region", s.region());
                m.put("reason", s.reason());
                sk.add(m);
            }
            doc.put("skippedRegions", sk);
            List<Object> list = new ArrayList<>();
            for (ApiFinding a : apis) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("apiId", a.apiId());
                m.put("name", a.name());
                m.put("region", a.region());
                m.put("protectedBySecureApi", a.protectedBySecureApi());
                // every route that answers without authorization, allowed or not; the allowed ones are also listed
                // apart
                List<String> answeringOpenly = new ArrayList<>(a.allowedPublicRoutes());
                answeringOpenly.addAll(a.publicRoutes());
                m.put("publicRoutes", answeringOpenly.stream().sorted().toList());
                m.put("allowedPublicRoutes", a.allowedPublicRoutes());
                m.put("otherAuthorizerRoutes", a.otherAuthorizerRoutes());
                m.put("stageFindings", a.stageFindings());
                list.add(m);
            }
            doc.put("apis", list);
            return doc;
        }
    }

    private Scan() {}

    /** A route as read, before judging it. */
    record RouteRead(String key, String authorizationType, String authorizerId) {}

    /** An authorizer as read: enough to tell secure-api's from others. */
    record AuthorizerRead(String id, String name, String type, String uri) {}

    /**
     * A stage as read: {@code served} is what a stage without AutoDeploy serves, route key → the
     * security schemes on it (null for an AutoDeploy stage, or one without a deployment).
     */
    record StageRead(State.Stage stage, Map<String, List<String>> served) {}

    static ApiFinding judge(
            String apiId,
            String name,
            String region,
            List<RouteRead> routes,
            List<AuthorizerRead> authorizers,
            Set<Allowed> allowed,
            List<Configured> configured) {
        return judge(apiId, name, region, routes, authorizers, List.of(), allowed, configured);
    }

    /**
     * Judges one API's routes, offline. A route is secure-api's when it is CUSTOM on an authorizer
     * secure-api makes (the configured name, the default name, or one calling the bundled function).
     */
    static ApiFinding judge(
            String apiId,
            String name,
            String region,
            List<RouteRead> routes,
            List<AuthorizerRead> authorizers,
            List<StageRead> stages,
            Set<Allowed> allowed,
            List<Configured> configured) {
        Configured entry = configured.stream()
                .filter(c -> c.apiId().equals(apiId)
                        && (c.region() == null || c.region().equals(region)))
                .findFirst()
                .orElse(null);
        Map<String, AuthorizerRead> byId = new LinkedHashMap<>();
        authorizers.forEach(a -> byId.put(a.id(), a));
        List<String> open = new ArrayList<>();
        List<String> allowedOpen = new ArrayList<>();
        List<String> other = new ArrayList<>();
        Map<String, String> otherTypes = new LinkedHashMap<>();
        boolean ours = false;
        for (RouteRead r :
                routes.stream().sorted(Comparator.comparing(RouteRead::key)).toList()) {
            String type = r.authorizationType() == null ? "NONE" : r.authorizationType();
            if (type.equals("NONE")) {
                if (r.key().startsWith("OPTIONS ")) continue;
                (allowed.contains(new Allowed(apiId, r.key())) ? allowedOpen : open).add(r.key());
                continue;
            }
            AuthorizerRead a = r.authorizerId() == null ? null : byId.get(r.authorizerId());
            if (type.equals("CUSTOM") && a != null && secureApis(a, entry)) {
                ours = true;
                continue;
            }
            other.add(r.key());
            otherTypes.put(
                    r.key(),
                    type.equals("CUSTOM") ? "CUSTOM (" + (a == null ? r.authorizerId() : a.name()) + ")" : type);
        }
        // What a stage without AutoDeploy serves is its deployment, whatever the routes say now: a route
        // without security there answers openly on that stage
        // (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html)
        List<String> stageFindings = new ArrayList<>();
        for (StageRead s : stages) {
            State.Stage st = s.stage();
            if (st.autoDeployFailed()) {
                stageFindings.add("stage " + st.name() + " (AutoDeploy on): the last automatic deployment did not"
                        + " succeed, it still serves deployment " + st.deploymentId() + ": \""
                        + st.lastDeploymentStatusMessage()
                                .replaceAll("\\s+", " ")
                                .strip() + "\"");
            }
            if (s.served() == null) continue;
            List<String> servedOpen = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : new java.util.TreeMap<>(s.served()).entrySet()) {
                String key = e.getKey();
                if (!e.getValue().isEmpty() || key.startsWith("OPTIONS ")) continue;
                if (allowed.contains(new Allowed(apiId, key))) {
                    if (!allowedOpen.contains(key)) allowedOpen.add(key);
                    continue;
                }
                servedOpen.add(key);
                if (!open.contains(key)) open.add(key);
            }
            if (!servedOpen.isEmpty()) {
                stageFindings.add("stage " + st.name() + " (AutoDeploy off) serves deployment " + st.deploymentId()
                        + " with " + String.join(", ", servedOpen) + " public, whatever the routes say now");
            }
        }
        open.sort(Comparator.naturalOrder());
        allowedOpen.sort(Comparator.naturalOrder());
        return new ApiFinding(
                apiId, name, region, ours || entry != null, open, allowedOpen, other, otherTypes, stageFindings);
    }

    private static boolean secureApis(AuthorizerRead a, Configured entry) {
        if (entry != null
                && entry.authorizerName() != null
                && entry.authorizerName().equals(a.name())) return true;
        if (Names.DEFAULT_AUTHORIZER_NAME.equals(a.name())) return true;
        return a.uri() != null && a.uri().contains(":function:" + Names.managedFunctionName(""));
    }

    /** Where a region name belongs: aws, aws-cn, aws-us-gov… (the SDK's metadata, else the name's prefix). */
    public static String partitionOf(String region) {
        RegionMetadata m = RegionMetadata.of(Region.of(region));
        if (m != null && m.partition() != null) return m.partition().id();
        if (region.startsWith("cn-")) return "aws-cn";
        if (region.startsWith("us-gov-")) return "aws-us-gov";
        if (region.startsWith("us-iso-")) return "aws-iso";
        if (region.startsWith("us-isob-")) return "aws-iso-b";
        return "aws";
    }

    /** Whether this SDK knows the region (an unknown name is bad input, exit 2, before any call). */
    public static boolean known(String region) {
        return Region.regions().stream().anyMatch(r -> r.id().equals(region));
    }

    /**
     * The regions of the caller's partition the account has enabled. In the aws partition the
     * Account API's ListRegions says so, with each region's opt-in status
     * (https://docs.aws.amazon.com/accounts/latest/reference/API_ListRegions.html; statuses:
     * https://docs.aws.amazon.com/accounts/latest/reference/API_Region.html): a region not ENABLED or
     * ENABLED_BY_DEFAULT is skipped with a note. aws-cn and aws-us-gov have no opt-in regions
     * (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html), and the
     * Account API has no endpoint in aws-us-gov: there the SDK's own list of the partition's
     * regions is used, without a call.
     */
    public static Map.Entry<List<String>, List<Skipped>> enabledRegions(AwsClients home, Progress progress) {
        String partition = partitionOf(home.region());
        if (!partition.equals("aws")) return Map.entry(partitionRegions(partition), List.of());
        List<software.amazon.awssdk.services.account.model.Region> listed = HttpApi.pages(
                t -> throttled(
                        progress,
                        "listing the regions",
                        () -> AwsCall.call(
                                "listing the account's regions (account:ListRegions)",
                                home.region(),
                                () -> home.account()
                                        .listRegions(q -> q.maxResults(50).nextToken(t)))),
                ListRegionsResponse::regions,
                ListRegionsResponse::nextToken);
        List<String> on = new ArrayList<>();
        List<Skipped> off = new ArrayList<>();
        listed.stream()
                .sorted(Comparator.comparing(software.amazon.awssdk.services.account.model.Region::regionName))
                .forEach(x -> {
                    if (!partitionOf(x.regionName()).equals(partition)) return;
                    String status =
                            x.regionOptStatusAsString() == null ? "ENABLED_BY_DEFAULT" : x.regionOptStatusAsString();
                    if (status.equals("ENABLED") || status.equals("ENABLED_BY_DEFAULT")) on.add(x.regionName());
                    else
                        off.add(new Skipped(
                                x.regionName(),
                                "opt-in region not enabled for this account (ListRegions: " + status + ")"));
                });
        return Map.entry(on, off);
    }

    /** The regions this SDK knows in a partition, without the global and FIPS pseudo-regions. */
    static List<String> partitionRegions(String partition) {
        return Region.regions().stream()
                .filter(r -> !r.isGlobalRegion())
                .map(Region::id)
                .filter(id ->
                        id.matches("[a-z]{2}(-[a-z]+)+-\\d+") && partitionOf(id).equals(partition))
                .sorted()
                .toList();
    }

    /** Reads every HTTP API of the given regions (one client set per region, from {@code clients}) and judges it. */
    public static Result run(
            List<String> regions,
            List<Skipped> skipped,
            Function<String, AwsClients> clients,
            Set<Allowed> allowed,
            List<Configured> configured,
            Progress progress) {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLELISM, r -> {
            Thread t = new Thread(r, "secure-api-scan");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<List<ApiFinding>>> perRegion = new ArrayList<>();
            for (String region : regions) {
                AwsClients aws = clients.apply(region);
                // no task waits on another: the pool cannot deadlock however few threads it has
                perRegion.add(CompletableFuture.supplyAsync(() -> apis(aws, progress), pool)
                        .thenCompose(apis -> {
                            List<CompletableFuture<ApiFinding>> each = new ArrayList<>();
                            for (String[] api : apis) {
                                each.add(CompletableFuture.supplyAsync(
                                        () -> read(aws, api[0], api[1], allowed, configured, progress), pool));
                            }
                            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                                    .thenApply(v -> each.stream()
                                            .map(CompletableFuture::join)
                                            .toList());
                        }));
            }
            List<ApiFinding> found = new ArrayList<>();
            List<String> read = new ArrayList<>();
            List<Skipped> refused = new ArrayList<>(skipped);
            ExitException firstRefusal = null;
            for (int i = 0; i < perRegion.size(); i++) {
                try {
                    found.addAll(perRegion.get(i).join());
                    read.add(regions.get(i));
                } catch (CompletionException e) {
                    Throwable c = e.getCause();
                    while (c instanceof CompletionException && c.getCause() != null) c = c.getCause();
                    Optional<String> reason = c instanceof ExitException x ? refusal(x) : Optional.empty();
                    if (reason.isPresent()) {
                        // an SCP, a permissions boundary or a region not enabled: this region only
                        refused.add(new Skipped(regions.get(i), reason.get()));
                        if (firstRefusal == null) firstRefusal = (ExitException) c;
                        continue;
                    }
                    if (c instanceof RuntimeException re) throw re;
                    throw e;
                }
            }
            // nothing could be read at all: that is not a scan, it is a refusal
            if (read.isEmpty() && firstRefusal != null) throw firstRefusal;
            found.sort(Comparator.comparing(ApiFinding::region)
                    .thenComparing(ApiFinding::name, Comparator.nullsFirst(Comparator.naturalOrder()))
                    .thenComparing(ApiFinding::apiId));
            refused.sort(Comparator.comparing(Skipped::region));
            return new Result(read, refused, found);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every HTTP API of one region, every page: {id, name}. */
    private static List<String[]> apis(AwsClients aws, Progress progress) {
        try {
            return listed(
                            aws,
                            progress,
                            "listing the APIs",
                            t -> aws.apigateway()
                                    .getApis(r -> r.maxResults(PAGE_SIZE).nextToken(t)),
                            GetApisResponse::items,
                            GetApisResponse::nextToken)
                    .stream()
                    .filter(a -> "HTTP".equals(a.protocolTypeAsString()))
                    .map(a -> new String[] {a.apiId(), a.name()})
                    .toList();
        } catch (ExitException e) {
            throw regionHint(e, aws.region());
        }
    }

    private static ApiFinding read(
            AwsClients aws,
            String apiId,
            String name,
            Set<Allowed> allowed,
            List<Configured> configured,
            Progress progress) {
        List<RouteRead> routes = listed(
                        aws,
                        progress,
                        "listing the routes of API " + apiId,
                        t -> aws.apigateway()
                                .getRoutes(r ->
                                        r.apiId(apiId).maxResults(PAGE_SIZE).nextToken(t)),
                        GetRoutesResponse::items,
                        GetRoutesResponse::nextToken)
                .stream()
                .map(r -> new RouteRead(r.routeKey(), r.authorizationTypeAsString(), r.authorizerId()))
                .toList();
        // only a CUSTOM route needs its authorizer's name: an API without one costs one call, not two
        List<AuthorizerRead> authorizers = routes.stream().noneMatch(r -> "CUSTOM".equals(r.authorizationType()))
                ? List.of()
                : listed(
                                aws,
                                progress,
                                "listing the authorizers of API " + apiId,
                                t -> aws.apigateway()
                                        .getAuthorizers(r -> r.apiId(apiId)
                                                .maxResults(PAGE_SIZE)
                                                .nextToken(t)),
                                GetAuthorizersResponse::items,
                                GetAuthorizersResponse::nextToken)
                        .stream()
                        .map(a -> new AuthorizerRead(
                                a.authorizerId(), a.name(), a.authorizerTypeAsString(), a.authorizerUri()))
                        .toList();
        List<StageRead> stages = listed(
                        aws,
                        progress,
                        "listing the stages of API " + apiId,
                        t -> aws.apigateway()
                                .getStages(r ->
                                        r.apiId(apiId).maxResults(PAGE_SIZE).nextToken(t)),
                        GetStagesResponse::items,
                        GetStagesResponse::nextToken)
                .stream()
                .map(StagesPiece::stage)
                .map(st -> st.autoDeploy() || st.deploymentId() == null
                        ? new StageRead(st, null)
                        : new StageRead(
                                st,
                                throttled(
                                                progress,
                                                "exporting what stage " + st.name() + " of API " + apiId + " serves",
                                                () -> StagesPiece.deployed(aws, apiId, st.name()))
                                        .map(StagesPiece.Deployed::routes)
                                        .orElse(null)))
                .toList();
        return judge(apiId, name, aws.region(), routes, authorizers, stages, allowed, configured);
    }

    /**
     * Why a region could not be read when AWS refused it there rather than failed: AccessDenied
     * (an explicit deny of a service control policy says so in its message, e.g. the Control Tower
     * region deny:
     * https://docs.aws.amazon.com/controltower/latest/userguide/primary-region-deny-policy.html), an
     * opt-in region that is not enabled (OptInRequired, or credentials the region does not
     * recognise: https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html).
     * Empty for anything else (throttling past retries, a server error, the network).
     */
    static Optional<String> refusal(ExitException e) {
        if (!(e.getCause() instanceof software.amazon.awssdk.awscore.exception.AwsServiceException s)
                || s.awsErrorDetails() == null
                || s.awsErrorDetails().errorCode() == null) return Optional.empty();
        String code = s.awsErrorDetails().errorCode();
        boolean denied = code.startsWith("AccessDenied")
                || code.equals("UnauthorizedOperation")
                || code.equals("AuthorizationError");
        boolean notEnabled = code.equals("OptInRequired")
                || code.equals("UnrecognizedClientException")
                || code.equals("InvalidClientTokenId")
                || code.equals("AuthFailure");
        if (!denied && !notEnabled) return Optional.empty();
        String message = s.awsErrorDetails().errorMessage() == null
                ? ""
                : s.awsErrorDetails().errorMessage().replaceAll("\\s+", " ").strip();
        if (message.length() > 240) message = message.substring(0, 240) + "…";
        String what = e.getMessage() == null ? "" : e.getMessage().replaceAll(" \\(.*", "");
        return Optional.of(
                (denied ? "access denied" : "the region refused the credentials (an opt-in region not enabled?)")
                        + " while " + what + ": " + code + (message.isEmpty() ? "" : " — " + message));
    }

    /** Credentials refused in one region only: that region may be an opt-in one the account has not enabled. */
    private static ExitException regionHint(ExitException e, String region) {
        if (!(e.getCause() instanceof software.amazon.awssdk.awscore.exception.AwsServiceException s)
                || s.awsErrorDetails() == null) return e;
        String code = s.awsErrorDetails().errorCode();
        if (!List.of("UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure")
                .contains(code)) return e;
        return new ExitException(
                e.exitCode(),
                e.getMessage(),
                "if " + region + " is an opt-in region, it may not be enabled for this account: "
                        + "leave it out, or use --regions all (it skips regions that are not enabled); otherwise "
                        + e.hint(),
                e.getCause());
    }

    /** Every page of one API Gateway listing, each call named for errors and throttling retried with progress. */
    private static <P, T> List<T> listed(
            AwsClients aws,
            Progress progress,
            String doing,
            java.util.function.Function<String, P> page,
            java.util.function.Function<P, List<T>> items,
            java.util.function.Function<P, String> next) {
        return HttpApi.pages(
                t -> throttled(progress, doing, () -> AwsCall.call(doing, aws.region(), () -> page.apply(t))),
                items,
                next);
    }

    /**
     * The SDK already retries throttling (standard mode, 3 attempts); a scan of many regions may
     * meet more of it than that, so it keeps waiting, with bounded backoff, rather than fail.
     */
    static <T> T throttled(Progress progress, String what, Supplier<T> call) {
        Backoff backoff = new Backoff(Duration.ofMinutes(2), Duration.ofMillis(250), Duration.ofSeconds(8));
        while (true) {
            try {
                return call.get();
            } catch (ExitException e) {
                boolean throttling =
                        e.getCause() instanceof software.amazon.awssdk.awscore.exception.AwsServiceException s
                                && s.isThrottlingException();
                if (!throttling || !backoff.retry(progress, what + ": throttled by AWS, waiting")) throw e;
            }
        }
    }
}
