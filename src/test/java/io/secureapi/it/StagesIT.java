package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.services.apigatewayv2.model.IntegrationType;
import software.amazon.awssdk.services.apigatewayv2.model.ProtocolType;

/**
 * Stages without AutoDeploy serve their last deployment: setup and teardown deploy them only with
 * --deploy-stages, verify reads what each one serves back with ExportApi. Assertions read the
 * stages and their exported definitions back through the SDK, with the SDK's own JSON parser.
 */
class StagesIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    /** Amplify's API ($default stage, AutoDeploy on) plus stage "prod" without AutoDeploy, deployed before any protection. */
    String apiWithManualStage(String... manualStages) {
        String api = aws.amplifyApi();
        String deployment = aws.apigw
                .createDeployment(r -> r.apiId(api).description("the app's own release"))
                .deploymentId();
        for (String s : manualStages.length == 0 ? new String[] {"prod"} : manualStages) {
            aws.apigw.createStage(
                    r -> r.apiId(api).stageName(s).autoDeploy(false).deploymentId(deployment));
        }
        return api;
    }

    /** The authorizer names on each route key of what the stage serves (ExportApi, OpenAPI 3.0). */
    Map<String, List<String>> served(String api, String stage) {
        String json = aws.apigw
                .exportApi(r -> r.apiId(api)
                        .specification("OAS30")
                        .outputType("JSON")
                        .stageName(stage)
                        .includeExtensions(true))
                .body()
                .asString(StandardCharsets.UTF_8);
        Map<String, List<String>> out = new java.util.TreeMap<>();
        JsonNode.parser()
                .parse(json)
                .field("paths")
                .map(JsonNode::asObject)
                .orElse(Map.of())
                .forEach((path, item) -> item.asObject().forEach((method, op) -> {
                    String key = path.equals("/$default")
                            ? "$default"
                            : (method.equals("x-amazon-apigateway-any-method") ? "ANY" : method.toUpperCase()) + " "
                                    + path;
                    List<String> names = new ArrayList<>();
                    op.field("security")
                            .ifPresent(s -> s.asArray()
                                    .forEach(req -> names.addAll(req.asObject().keySet())));
                    out.put(key, names);
                }));
        return out;
    }

    String deploymentOf(String api, String stage) {
        return aws.apigw.getStage(r -> r.apiId(api).stageName(stage)).deploymentId();
    }

    @Test
    void setup_manualStage_withoutTheFlag_refusesBeforeAnyWrite_namingTheStageAndTheFlag() {
        String api = apiWithManualStage("prod", "beta");
        Run run = Run.cli(config(), "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        List<String> errors =
                run.err.lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0))
                .contains("prod")
                .contains("beta")
                .contains(api)
                .contains("us-east-1")
                .contains("--deploy-stages");
        assertThat(run.err.lines().filter(l -> l.contains("next: ")))
                .hasSize(1)
                .allSatisfy(l -> assertThat(l).contains("--deploy-stages"));
        assertThat(run.writes()).as("nothing written: " + run.operations).isEmpty();
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("NONE");
    }

    @Test
    void setup_dryRun_showsTheDeploymentRows_andExitsZero() {
        String api = apiWithManualStage();
        String before = deploymentOf(api, "prod");
        Run run = Run.cli(config(), "setup", "--api-id", api, "--dry-run");
        assertThat(run.exitCode).as(run.toString()).isZero();
        String row = run.out
                .lines()
                .filter(l -> l.contains("stage prod"))
                .findFirst()
                .orElseThrow();
        assertThat(row).contains("create").contains("deploy").contains("releases any other undeployed change");
        assertThat(run.writes()).isEmpty();
        assertThat(deploymentOf(api, "prod")).isEqualTo(before);
    }

    @Test
    void setup_withTheFlag_deploysTheStageLast_thenVerifyPasses_andARerunNeedsNoFlagAndWritesNothing() {
        String api = apiWithManualStage();
        String before = deploymentOf(api, "prod");
        assertThat(served(api, "prod").get("$default")).isEmpty();

        Run run = Run.cli(config(), "setup", "--api-id", api, "--deploy-stages");
        assertThat(run.exitCode).as(run.toString()).isZero();
        List<String> writes = run.writes();
        assertThat(writes.get(writes.size() - 1)).isEqualTo("ApiGatewayV2.CreateDeployment");
        assertThat(writes.stream().filter(w -> w.endsWith(".CreateDeployment"))).hasSize(1);
        // CreateDeployment answers PENDING: setup polls until DEPLOYED
        assertThat(run.operations).contains("ApiGatewayV2.GetDeployment");
        assertThat(run.operations.lastIndexOf("ApiGatewayV2.GetDeployment"))
                .isGreaterThan(run.operations.lastIndexOf("ApiGatewayV2.CreateDeployment"));
        assertThat(deploymentOf(api, "prod")).isNotEqualTo(before);
        assertThat(served(api, "prod").get("$default")).containsExactly("secure-api-key");
        assertThat(served(api, "prod").get("OPTIONS /{proxy+}")).isEmpty();

        Run verify = Run.cli(config(), "verify", "--output", "json");
        assertThat(verify.exitCode).as(verify.toString()).isZero();
        assertThat(verify.out).contains("\"stage.deployed\"");

        Run again = Run.cli(config(), "setup");
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(again.writes()).as(again.toString()).isEmpty();
    }

    @Test
    void verify_stageRolledBackToAnUnprotectedDeployment_failsStageDeployed_untilSetupDeploysIt() {
        String api = apiWithManualStage();
        String unprotected = deploymentOf(api, "prod");
        assertThat(Run.cli(config(), "setup", "--api-id", api, "--deploy-stages").exitCode)
                .isZero();
        aws.apigw.updateStage(r -> r.apiId(api).stageName("prod").deploymentId(unprotected));

        Run verify = Run.cli(config(), "verify");
        assertThat(verify.exitCode).as(verify.toString()).isEqualTo(1);
        String line = verify.out
                .lines()
                .filter(l -> l.contains("stage.deployed"))
                .findFirst()
                .orElseThrow();
        assertThat(line).contains("FAIL").contains("prod");
        assertThat(verify.out).contains("run secure-api setup --deploy-stages");

        Run refused = Run.cli(config(), "setup");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        assertThat(refused.writes()).isEmpty();
        assertThat(Run.cli(config(), "setup", "--deploy-stages").exitCode).isZero();
        assertThat(served(api, "prod").get("$default")).containsExactly("secure-api-key");
        assertThat(Run.cli(config(), "verify").exitCode).isZero();
    }

    @Test
    void setup_deploymentThatEndsFailed_isAClearError_quotingAws_andTheStageKeepsItsDeployment() {
        String api = apiWithManualStage();
        String before = deploymentOf(api, "prod");
        String message = "Execution failed due to configuration error: invalid integration (emulated)";
        aws.apigw.getStages(r -> r.apiId(api)); // the $default stage's first automatic deployment settles
        // the next two deployments fail: $default's automatic one after the route change, and prod's
        LocalAws.post(
                "/_secure_api/fail-deployments",
                "{\"apiId\":\"" + api + "\",\"message\":\"" + message + "\",\"count\":2}");

        Run run = Run.cli(config(), "setup", "--api-id", api, "--deploy-stages");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        String error =
                run.err.lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        assertThat(error).contains("stage prod", api, "failed", message);
        assertThat(run.operations).contains("ApiGatewayV2.GetDeployment");
        assertThat(deploymentOf(api, "prod")).isEqualTo(before);
        assertThat(served(api, "prod").get("$default")).isEmpty();
    }

    @Test
    void verify_autoDeployStageWhoseLastDeploymentFailed_failsStageDeployed_quotingAwsMessage() {
        String api = aws.amplifyApi();
        aws.apigw.getStages(r -> r.apiId(api)); // the first automatic deployment settles
        String message = "Unable to deploy the API: an integration is invalid (emulated)";
        LocalAws.post("/_secure_api/fail-deployments", "{\"apiId\":\"" + api + "\",\"message\":\"" + message + "\"}");
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();

        Run verify = Run.cli(config(), "verify");
        assertThat(verify.exitCode).as(verify.toString()).isEqualTo(1);
        String line = verify.out
                .lines()
                .filter(l -> l.contains("stage.deployed"))
                .findFirst()
                .orElseThrow();
        assertThat(line).contains("FAIL").contains("$default");
        assertThat(verify.out).contains(message);
        Run json = Run.cli(config(), "verify", "--output", "json");
        assertThat(json.exitCode).isEqualTo(1);
        assertThat(json.out).contains("\"stage.deployed\"").contains(message);
    }

    @Test
    void verify_onlyAutoDeployStages_leavesStageDeployedOut() {
        String api = aws.amplifyApi();
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();
        Run verify = Run.cli(config(), "verify");
        assertThat(verify.exitCode).as(verify.toString()).isZero();
        assertThat(verify.out).doesNotContain("stage.deployed");
    }

    @Test
    void teardown_manualStageServingOurAuthorizer_needsTheFlag_thenDeploysAfterTheRoutes() {
        String api = apiWithManualStage();
        assertThat(Run.cli(config(), "setup", "--api-id", api, "--deploy-stages").exitCode)
                .isZero();
        String protectedDeployment = deploymentOf(api, "prod");

        Run refused = Run.cli(config(), "teardown", "--yes");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err).contains("stage prod").contains("teardown --deploy-stages");
        assertThat(refused.writes()).isEmpty();
        assertThat(deploymentOf(api, "prod")).isEqualTo(protectedDeployment);

        Run dry = Run.cli(config(), "teardown", "--dry-run");
        assertThat(dry.exitCode).isZero();
        assertThat(dry.out).contains("stage prod");

        Run run = Run.cli(config(), "teardown", "--yes", "--deploy-stages");
        assertThat(run.exitCode).as(run.toString()).isZero();
        List<String> writes = run.writes();
        int deploy = writes.indexOf("ApiGatewayV2.CreateDeployment");
        assertThat(deploy).isGreaterThan(writes.lastIndexOf("ApiGatewayV2.UpdateRoute"));
        assertThat(deploy).isLessThan(writes.indexOf("ApiGatewayV2.DeleteAuthorizer"));
        assertThat(served(api, "prod").values())
                .allSatisfy(names -> assertThat(names).doesNotContain("secure-api-key"));
    }

    @Test
    void bubble_givesTheUrlOfEachStage_orTheEndpointWithADefaultStage() {
        String amplify = aws.amplifyApi();
        String endpoint = aws.apigw.getApi(r -> r.apiId(amplify)).apiEndpoint();
        Run one = Run.cli(config(), "setup", "--api-id", amplify);
        assertThat(one.out.lines().filter(l -> l.contains("API URL")))
                .containsExactly("  API URL:                " + endpoint);

        String api = aws.apigw
                .createApi(r -> r.name(Aws.unique("staged")).protocolType(ProtocolType.HTTP))
                .apiId();
        String integration = aws.apigw
                .createIntegration(r -> r.apiId(api)
                        .integrationType(IntegrationType.HTTP_PROXY)
                        .integrationMethod("ANY")
                        .integrationUri("http://backend.example.internal/{proxy}")
                        .payloadFormatVersion("1.0"))
                .integrationId();
        aws.apigw.createRoute(r -> r.apiId(api).routeKey("ANY /{proxy+}").target("integrations/" + integration));
        aws.apigw.createStage(r -> r.apiId(api).stageName("prod").autoDeploy(true));
        aws.apigw.createStage(r -> r.apiId(api).stageName("beta").autoDeploy(true));
        String base = aws.apigw.getApi(r -> r.apiId(api)).apiEndpoint();
        Run two = Run.cli(dir.resolve("b.json"), "setup", "--api-id", api);
        assertThat(two.exitCode).as(two.toString()).isZero();
        List<String> urls = two.out.lines().filter(l -> l.contains("API URL")).toList();
        assertThat(urls).hasSize(2);
        assertThat(urls).anySatisfy(l -> assertThat(l).contains("prod").endsWith(base + "/prod"));
        assertThat(urls).anySatisfy(l -> assertThat(l).contains("beta").endsWith(base + "/beta"));
    }
}
