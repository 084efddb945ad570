package io.secureapi.it;

import static io.secureapi.it.FaultProxy.Fault.ACCESS_DENIED;
import static io.secureapi.it.FaultProxy.Fault.THROTTLE;
import static io.secureapi.it.FaultProxy.rest;
import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.support.Json;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewayv2.ApiGatewayV2Client;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizationType;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizerType;
import software.amazon.awssdk.services.apigatewayv2.model.ProtocolType;

/**
 * scan against the emulator. Each test uses regions no other test class touches, so what it reads
 * back is exactly what it made; the fixtures are built with plain SDK clients, per region.
 */
class ScanIT {
    @TempDir
    Path dir;

    static ApiGatewayV2Client apigw(String region) {
        return ApiGatewayV2Client.builder()
                .region(Region.of(region))
                .endpointOverride(URI.create(LocalAws.endpoint()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .build();
    }

    /** An Amplify-shaped API: public $default and OPTIONS /{proxy+}. */
    static String amplifyApi(ApiGatewayV2Client c) {
        String id = c.createApi(
                        r -> r.name("amplify-" + UUID.randomUUID().toString().substring(0, 8))
                                .protocolType(ProtocolType.HTTP))
                .apiId();
        c.createRoute(r -> r.apiId(id).routeKey("$default"));
        c.createRoute(r -> r.apiId(id).routeKey("OPTIONS /{proxy+}"));
        c.createStage(r -> r.apiId(id).stageName("$default").autoDeploy(true));
        return id;
    }

    Run scan(String endpoint, String... args) {
        List<String> a = new ArrayList<>(List.of("scan"));
        a.addAll(List.of(args));
        a.addAll(List.of(
                "--endpoint-url",
                endpoint,
                "--config",
                dir.resolve("secure-api.json").toString()));
        return Run.raw("", Map.of(), a.toArray(String[]::new));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> apis(Map<String, Object> doc) {
        Map<String, Map<String, Object>> byId = new java.util.LinkedHashMap<>();
        for (Object o : (List<Object>) doc.get("apis")) {
            Map<String, Object> a = (Map<String, Object>) o;
            assertThat(a)
                    .containsOnlyKeys(
                            "apiId",
                            "name",
                            "region",
                            "protectedBySecureApi",
                            "publicRoutes",
                            "stageFindings",
                            "allowedPublicRoutes",
                            "otherAuthorizerRoutes");
            byId.put((String) a.get("apiId"), a);
        }
        return byId;
    }

    @Test
    void scan_twoRegions_findsPublicRoutes_notOptions_othersAndSecureApisOwn_readOnly() throws Exception {
        String east = "ap-northeast-3";
        String south = "sa-east-1";
        ApiGatewayV2Client a = apigw(east);
        ApiGatewayV2Client b = apigw(south);
        String open = amplifyApi(a);
        String extra =
                a.createRoute(r -> r.apiId(open).routeKey("POST /orders")).routeId();
        assertThat(extra).isNotBlank();
        // a Cognito-style JWT route: protected, by something else
        String jwtApi = a.createApi(r -> r.name("jwt-app").protocolType(ProtocolType.HTTP))
                .apiId();
        String jwt = a.createAuthorizer(r -> r.apiId(jwtApi)
                        .name("cognito")
                        .authorizerType(AuthorizerType.JWT)
                        .identitySource("$request.header.Authorization")
                        .jwtConfiguration(
                                j -> j.audience("client").issuer("https://cognito-idp.sa-east-1.amazonaws.com/pool")))
                .authorizerId();
        a.createRoute(r -> r.apiId(jwtApi)
                .routeKey("GET /me")
                .authorizationType(AuthorizationType.JWT)
                .authorizerId(jwt));
        a.createRoute(r -> r.apiId(jwtApi).routeKey("GET /health"));
        // protected by secure-api through setup, in region b
        String guarded = amplifyApi(b);
        Run setup = Run.raw(
                "",
                Map.of(),
                "setup",
                "--api-id",
                guarded,
                "--region",
                south,
                "--endpoint-url",
                LocalAws.endpoint(),
                "--config",
                dir.resolve("secure-api.json").toString(),
                "--key-out",
                dir.resolve("key").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        // CORS preflight only: nothing answers without authorization that a browser would not send without it anyway
        String cors = b.createApi(r -> r.name("cors-only").protocolType(ProtocolType.HTTP))
                .apiId();
        b.createRoute(r -> r.apiId(cors).routeKey("OPTIONS /{proxy+}"));
        // a WebSocket API is not an HTTP API: not scanned
        String ws = b.createApi(r -> r.name("ws")
                        .protocolType(ProtocolType.WEBSOCKET)
                        .routeSelectionExpression("$request.body.action"))
                .apiId();

        Run run = scan(LocalAws.endpoint(), "--regions", east + "," + south, "--output", "json", "--region", east);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat(run.writes()).as("scan is read-only: " + run.operations).isEmpty();
        Map<String, Object> doc = JsonText.parseObject(run.out);
        assertThat(doc)
                .containsEntry("command", "scan")
                .containsEntry("schemaVersion", 1L)
                .containsEntry("ok", false)
                .containsEntry("regions", List.of(east, south))
                .containsEntry("skippedRegions", List.of());
        Map<String, Map<String, Object>> apis = apis(doc);
        assertThat(apis.keySet())
                .containsExactlyInAnyOrder(open, jwtApi, guarded, cors)
                .doesNotContain(ws);

        assertThat(apis.get(open))
                .containsEntry("region", east)
                .containsEntry("protectedBySecureApi", false)
                .containsEntry("publicRoutes", List.of("$default", "POST /orders"))
                .containsEntry("otherAuthorizerRoutes", List.of());
        assertThat(apis.get(jwtApi))
                .containsEntry("publicRoutes", List.of("GET /health"))
                .containsEntry("otherAuthorizerRoutes", List.of("GET /me"))
                .containsEntry("protectedBySecureApi", false);
        assertThat(apis.get(guarded))
                .containsEntry("region", south)
                .containsEntry("protectedBySecureApi", true)
                .containsEntry("publicRoutes", List.of())
                .containsEntry("otherAuthorizerRoutes", List.of());
        assertThat(apis.get(cors))
                .containsEntry("publicRoutes", List.of())
                .containsEntry("protectedBySecureApi", false);

        // every public route allowed: exit 0; still public, and also listed in allowedPublicRoutes
        Run allowed = scan(
                LocalAws.endpoint(),
                "--regions",
                east + "," + south,
                "--output",
                "json",
                "--region",
                east,
                "--allow-public",
                open + " $default",
                "--allow-public",
                open + "  POST /orders",
                "--allow-public",
                jwtApi + " GET /health");
        assertThat(allowed.exitCode).as(allowed.toString()).isZero();
        Map<String, Map<String, Object>> after = apis(Json.parseObject(allowed.out));
        assertThat(after.get(open))
                .containsEntry("publicRoutes", List.of("$default", "POST /orders"))
                .containsEntry("allowedPublicRoutes", List.of("$default", "POST /orders"));

        // the table an auditor reads
        Run text = scan(LocalAws.endpoint(), "--regions", east + "," + south, "--region", east);
        assertThat(text.exitCode).isEqualTo(1);
        assertThat(text.out)
                .contains("REGION", "PUBLIC ROUTES", open, "GET /me [JWT]", "FAILED: 3 public routes on 2 of 4 APIs")
                .doesNotContain("OPTIONS /{proxy+}");

        // JUnit: one test case per API, failed while it has a public route
        Path xml = dir.resolve("reports/scan.xml");
        Run junit = scan(
                LocalAws.endpoint(),
                "--regions",
                east + "," + south,
                "--region",
                east,
                "--output",
                "junit",
                "--report",
                xml.toString());
        assertThat(junit.exitCode).isEqualTo(1);
        var dom = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(Files.readString(xml).getBytes(StandardCharsets.UTF_8)));
        NodeList cases = dom.getElementsByTagName("testcase");
        assertThat(cases.getLength()).isEqualTo(4);
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            if (c.getElementsByTagName("failure").getLength() > 0)
                failed.add(c.getAttribute("name").split(" ")[0]);
        }
        assertThat(failed).containsExactlyInAnyOrder(open, jwtApi);
    }

    @Test
    void scan_allRegions_skipsOptInRegionsNotEnabled_andStaysInThePartition() throws Exception {
        String region = "eu-south-1";
        String open = amplifyApi(apigw(region));
        // opt-in regions the account enabled (Account ListRegions: ENABLED); ap-east-1 stays DISABLED
        for (String optedIn : List.of(region, "af-south-1"))
            LocalAws.post("/_secure_api/regions", "{\"regionName\":\"" + optedIn + "\",\"status\":\"ENABLED\"}");
        Run run = scan(LocalAws.endpoint(), "--regions", "all", "--region", region, "--output", "json");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat(run.operations).contains("Account.ListRegions").noneMatch(o -> o.startsWith("Ec2."));
        assertThat(run.writes()).isEmpty();
        Map<String, Object> doc = JsonText.parseObject(run.out);
        @SuppressWarnings("unchecked")
        List<String> regions = (List<String>) doc.get("regions");
        assertThat(regions)
                .contains(region, "us-east-1", "af-south-1")
                .doesNotContain("cn-north-1", "us-gov-west-1", "ap-east-1");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> skipped = (List<Map<String, Object>>) doc.get("skippedRegions");
        assertThat(skipped)
                .anySatisfy(
                        s -> assertThat(s).containsEntry("region", "ap-east-1").containsKey("reason"));
        assertThat(skipped).allSatisfy(s -> assertThat((String) s.get("reason")).contains("not enabled"));
        assertThat(apis(doc)).containsKey(open);
        assertThat(apis(doc).get(open)).containsEntry("publicRoutes", List.of("$default"));

        // every call scan made is one its read-only operator policy allows
        Path policy = LocalAws.projectRoot().resolve("policies/operator-scan.json");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.exists(policy), "policies/operator-scan.json not in this tree yet");
        java.util.Set<String> allowed = OperatorPolicyIT.allowedActions("operator-scan.json");
        for (String op : run.operations)
            assertThat(allowed).as("operator-scan.json allows " + op).contains(OperatorPolicyIT.iamAction(op));
    }

    @Test
    void scan_unknownRegion_isExit2BeforeAnyAwsCall() {
        Run run = scan(LocalAws.endpoint(), "--regions", "us-east-1,mars-north-1", "--region", "us-east-1");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("error: unknown region \"mars-north-1\"").contains("next:");
        assertThat(run.operations).isEmpty();
        Run bad = scan(LocalAws.endpoint(), "--allow-public", "GET /health", "--region", "us-east-1");
        assertThat(bad.exitCode).isEqualTo(2);
        assertThat(bad.operations).isEmpty();
    }

    @Test
    void scan_throttledMoreThanTheSdkRetries_waitsItOut_andReportsEverything() {
        String region = "ap-southeast-3";
        ApiGatewayV2Client c = apigw(region);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) ids.add(amplifyApi(c));
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            // 4 in a row on one API's routes and 4 on the API list: past the SDK's 3 attempts each time
            proxy.fail(rest("GET", "/v2/apis"), THROTTLE, 4)
                    .fail(rest("GET", "/v2/apis/" + ids.get(2) + "/routes"), THROTTLE, 4);
            Run run = scan(proxy.endpoint(), "--region", region, "--output", "json");
            assertThat(run.exitCode).as(run + "\nfaults: " + proxy.faulted()).isEqualTo(1);
            assertThat(proxy.faulted()).hasSize(8);
            Map<String, Map<String, Object>> apis = apis(JsonText.parseObject(run.out));
            assertThat(apis.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            apis.values().forEach(a -> assertThat(a).containsEntry("publicRoutes", List.of("$default")));
        }
    }

    /** Requests signed for one region (the credential scope of SigV4 names it). */
    static java.util.function.Predicate<FaultProxy.Request> signedFor(String region) {
        return r -> r.headers().getOrDefault("authorization", "").contains("/" + region + "/");
    }

    @Test
    void scan_accessDeniedInOneRegion_skipsThatRegionWithTheReason_andScansTheOthers_exit3OnlyWhenNoneCanBeRead()
            throws Exception {
        String denied = "eu-north-1";
        String open = "ca-central-1";
        String hidden = amplifyApi(apigw(denied));
        String seen = amplifyApi(apigw(open));
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            // an SCP denying apigateway:* in one region, as Control Tower's region deny does
            proxy.fail(signedFor(denied), ACCESS_DENIED, -1);
            String both = denied + "," + open;
            Run run = scan(proxy.endpoint(), "--regions", both, "--region", open, "--output", "json");
            assertThat(run.exitCode).as(run.toString()).isEqualTo(1); // the other region's public $default
            Map<String, Object> doc = JsonText.parseObject(run.out);
            assertThat(doc.get("regions")).isEqualTo(List.of(open));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> skipped = (List<Map<String, Object>>) doc.get("skippedRegions");
            assertThat(skipped).hasSize(1);
            assertThat(skipped.get(0)).containsEntry("region", denied);
            assertThat((String) skipped.get(0).get("reason"))
                    .contains("access denied", "AccessDeniedException", "not authorized");
            assertThat(apis(doc)).containsKey(seen).doesNotContainKey(hidden);

            Run text = scan(proxy.endpoint(), "--regions", both, "--region", open);
            assertThat(text.exitCode).as(text.toString()).isEqualTo(1);
            assertThat(text.out)
                    .contains("skipped " + denied + ": access denied")
                    .contains("1 region skipped");

            Path xml = dir.resolve("reports/skipped.xml");
            Run junit = scan(
                    proxy.endpoint(),
                    "--regions",
                    both,
                    "--region",
                    open,
                    "--output",
                    "junit",
                    "--report",
                    xml.toString());
            assertThat(junit.exitCode).as(junit.toString()).isEqualTo(1);
            var dom = DocumentBuilderFactory.newInstance()
                    .newDocumentBuilder()
                    .parse(new ByteArrayInputStream(Files.readString(xml).getBytes(StandardCharsets.UTF_8)));
            Element suite = (Element) dom.getElementsByTagName("testsuite").item(0);
            assertThat(suite.getAttribute("skipped")).isEqualTo("1");
            NodeList skips = dom.getElementsByTagName("skipped");
            assertThat(skips.getLength()).isEqualTo(1);
            Element testcase = (Element) skips.item(0).getParentNode();
            assertThat(testcase.getAttribute("name")).isEqualTo("region " + denied);
            assertThat(((Element) skips.item(0)).getAttribute("message")).contains("AccessDeniedException");

            // nothing readable at all: AWS refused the scan, exit 3
            Run none = scan(proxy.endpoint(), "--regions", denied, "--region", open);
            assertThat(none.exitCode).as(none.toString()).isEqualTo(3);
            assertThat(none.err).contains("error: ").contains("AccessDenied");
        }
    }

    @Test
    void scan_stageWithoutAutoDeploy_servingAPublicDeployment_isPublic_whateverTheRoutesSayNow() {
        String region = "us-west-1";
        ApiGatewayV2Client c = apigw(region);
        String api = c.createApi(
                        r -> r.name("served-" + UUID.randomUUID().toString().substring(0, 8))
                                .protocolType(ProtocolType.HTTP))
                .apiId();
        String route = c.createRoute(r -> r.apiId(api).routeKey("GET /orders")).routeId();
        String publicRelease =
                c.createDeployment(r -> r.apiId(api).description("release 1")).deploymentId();
        c.createStage(r -> r.apiId(api).stageName("prod").autoDeploy(false).deploymentId(publicRelease));
        // the routes now say JWT, but prod still serves release 1
        String jwt = c.createAuthorizer(r -> r.apiId(api)
                        .name("cognito")
                        .authorizerType(AuthorizerType.JWT)
                        .identitySource("$request.header.Authorization")
                        .jwtConfiguration(j -> j.audience("app").issuer("https://issuer.example.com")))
                .authorizerId();
        c.updateRoute(r -> r.apiId(api)
                .routeId(route)
                .authorizationType(AuthorizationType.JWT)
                .authorizerId(jwt));

        Run run = scan(LocalAws.endpoint(), "--region", region, "--output", "json");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat(run.operations).contains("ApiGatewayV2.GetStages", "ApiGatewayV2.ExportApi");
        assertThat(run.writes()).isEmpty();
        Map<String, Object> a = apis(JsonText.parseObject(run.out)).get(api);
        assertThat(a).containsEntry("publicRoutes", List.of("GET /orders"));
        @SuppressWarnings("unchecked")
        List<String> findings = (List<String>) a.get("stageFindings");
        assertThat(findings).singleElement().asString().contains("stage prod", publicRelease, "GET /orders");

        // deployed again: prod serves the JWT route, nothing public remains
        String release2 =
                c.createDeployment(r -> r.apiId(api).description("release 2")).deploymentId();
        c.updateStage(r -> r.apiId(api).stageName("prod").deploymentId(release2));
        Run after = scan(LocalAws.endpoint(), "--region", region, "--output", "json");
        assertThat(after.exitCode).as(after.toString()).isZero();
        assertThat(apis(JsonText.parseObject(after.out)).get(api)).containsEntry("stageFindings", List.of());
    }

    @Test
    void scan_autoDeployStageWhoseLastDeploymentFailed_isAFinding_quotingAwsMessage() {
        String region = "us-west-2";
        ApiGatewayV2Client c = apigw(region);
        String api = amplifyApi(c);
        String route = c.getRoutes(r -> r.apiId(api)).items().stream()
                .filter(r -> r.routeKey().equals("$default"))
                .findFirst()
                .orElseThrow()
                .routeId();
        String jwt = c.createAuthorizer(r -> r.apiId(api)
                        .name("cognito")
                        .authorizerType(AuthorizerType.JWT)
                        .identitySource("$request.header.Authorization")
                        .jwtConfiguration(j -> j.audience("app").issuer("https://issuer.example.com")))
                .authorizerId();
        // read once so the first automatic deployment settles, then make the next one fail
        c.getStages(r -> r.apiId(api));
        String message = "Unable to deploy API because no routes exist in this API (emulated failure)";
        LocalAws.post("/_secure_api/fail-deployments", "{\"apiId\":\"" + api + "\",\"message\":\"" + message + "\"}");
        c.updateRoute(r -> r.apiId(api)
                .routeId(route)
                .authorizationType(AuthorizationType.JWT)
                .authorizerId(jwt));

        Run run = scan(LocalAws.endpoint(), "--region", region, "--output", "json");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        Map<String, Object> a = apis(JsonText.parseObject(run.out)).get(api);
        // the $default route now says JWT, but the stage still serves the public one, and scan says why
        @SuppressWarnings("unchecked")
        List<String> findings = (List<String>) a.get("stageFindings");
        assertThat(findings).singleElement().asString().contains("stage $default", message);
        Run text = scan(LocalAws.endpoint(), "--region", region);
        assertThat(text.out).contains(message);
    }
}
