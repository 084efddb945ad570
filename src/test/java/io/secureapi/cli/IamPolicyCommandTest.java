package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.it.Run;
import io.secureapi.support.Json;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * secure-api iam-policy through the real command line, no AWS. The policies it prints for the
 * simulator's sample API and function, in one region of each partition, are written to
 * {@code <build dir>/generated-policies/} with a manifest; the IAM simulator test
 * ({@code node --test src/test/policy/}, after this suite in scripts/test) evaluates them like the
 * policy files: every call allowed, the same calls on another API or function denied.
 */
class IamPolicyCommandTest {
    static final String API = "a1b2c3d4e5";
    static final String FUNCTION = "orders-authorizer";
    static final List<String> REGIONS = List.of("us-east-1", "cn-north-1", "us-gov-west-1");

    @TempDir
    Path dir;

    static Run policy(String... args) {
        List<String> a = new ArrayList<>(List.of("iam-policy"));
        a.addAll(List.of(args));
        return Run.raw("", Map.of(), a.toArray(String[]::new));
    }

    @Test
    void printsEachPolicyScopedToTheApiAndFunction_forTheSimulator() throws Exception {
        Path folder = buildDir().resolve("generated-policies");
        Files.createDirectories(folder);
        List<Object> manifest = new ArrayList<>();
        for (String region : REGIONS) {
            for (String forCommand : List.of("setup", "verify", "keys")) {
                for (boolean yours : List.of(false, true)) {
                    List<String> args =
                            new ArrayList<>(List.of("--for", forCommand, "--api-id", API, "--region", region));
                    if (yours) args.addAll(List.of("--function", FUNCTION));
                    Run run = policy(args.toArray(String[]::new));
                    assertThat(run.exitCode).as(run.toString()).isZero();
                    Map<String, Object> doc = Json.parseObject(run.out);
                    assertThat(doc).containsKey("Statement");
                    String file = forCommand + "-" + region + (yours ? "-function" : "") + ".json";
                    Files.writeString(folder.resolve(file), run.out);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("file", file);
                    m.put("for", forCommand);
                    m.put("region", region);
                    m.put("apiId", API);
                    m.put("function", yours ? FUNCTION : null);
                    manifest.add(m);
                }
            }
            Run scan = policy("--for", "scan", "--regions", region);
            assertThat(scan.exitCode).as(scan.toString()).isZero();
            String file = "scan-" + region + ".json";
            Files.writeString(folder.resolve(file), scan.out);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", file);
            m.put("for", "scan");
            m.put("region", region);
            manifest.add(m);
        }
        Files.writeString(folder.resolve("manifest.json"), Json.pretty(Map.of("policies", manifest)));
    }

    @Test
    void scopedPolicy_namesTheApiRegionAndSecret_andKeepsEveryCondition() {
        Run run = policy("--for", "setup", "--api-id", API, "--region", "eu-west-1");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out)
                .contains("arn:aws:apigateway:eu-west-1::/apis/" + API + "/*")
                .contains("arn:aws:secretsmanager:eu-west-1:*:secret:secure-api/" + API + "/api-key-??????")
                .contains("arn:aws:lambda:eu-west-1:*:function:secure-api-authorizer-" + API)
                .contains("secretsmanager.eu-west-1.amazonaws.com\"")
                .contains("kms:EncryptionContext:SecretARN")
                .contains("apigateway:Request/RouteAuthorizationType")
                .contains("\"lambda:Layer\"")
                .doesNotContain("YourAuthorizerFunction")
                .doesNotContain("amazonaws.com.cn");
        Run china = policy("--for", "verify", "--api-id", API, "--region", "cn-north-1", "--function", FUNCTION);
        assertThat(china.out)
                .contains("arn:aws-cn:lambda:cn-north-1:*:function:" + FUNCTION + "\"")
                .contains("secretsmanager.cn-north-1.amazonaws.com.cn")
                .contains("YourAuthorizerFunction")
                .contains("ReadKeySecretValue");
    }

    @Test
    void badUsage_isExit2WithOneErrorLine() {
        for (String[] args : List.of(
                new String[] {"--for", "scan", "--api-id", API},
                new String[] {"--for", "setup", "--regions", "eu-west-1"},
                new String[] {"--for", "setup", "--function", FUNCTION},
                new String[] {"--for", "setup", "--api-id", "Not An Id"},
                new String[] {"--for", "scan", "--regions", "mars"},
                new String[] {"--for", "nothing"},
                new String[] {"--for", "setup", "--env", "prod", "--config", "/nonexistent/secure-api.json"})) {
            Run run = policy(args);
            assertThat(run.exitCode).as(String.join(" ", args) + "\n" + run).isEqualTo(2);
            assertThat(run.err).contains("error: ");
            assertThat(run.operations).isEmpty();
        }
    }

    @Test
    void usage_withoutItsTemplate_isAClearError() {
        boolean shipped = IamPolicyCommandTest.class.getResource("/policies/operator-usage.json") != null;
        Run run = policy("--for", "usage", "--api-id", API, "--region", "us-east-1");
        if (shipped) {
            assertThat(run.exitCode).as(run.toString()).isZero();
        } else {
            assertThat(run.exitCode).isEqualTo(2);
            assertThat(run.err).contains("policies/operator-usage.json");
        }
    }

    @Test
    void help_teaches() {
        Run help = policy("--help");
        assertThat(help.exitCode).isZero();
        assertThat(help.out).contains("--for", "--api-id", "--function", "--env", "--all", "--regions", "Examples");
    }

    @Test
    void envAndAll_takeTheApisRegionsAccountsAndFunctionsFromTheConfig() throws Exception {
        Path config = dir.resolve("secure-api.json");
        Files.writeString(
                config,
                Json.pretty(Map.of(
                        "schemaVersion",
                        1,
                        "envs",
                        Map.of(
                                "prod",
                                Map.of(
                                        "apiId", "prod0api1",
                                        "region", "eu-west-1",
                                        "functionArn",
                                                "arn:aws:lambda:eu-west-1:444455556666:function:orders-authorizer:live",
                                        "functionManaged", false,
                                        "secretArn",
                                                "arn:aws:secretsmanager:eu-west-1:444455556666:secret:secure-api/prod0api1/api-key-Ab12Cd"),
                                "dev",
                                Map.of("apiId", "dev0api2", "region", "us-east-1")))));
        Run prod = policy("--for", "verify", "--env", "prod", "--config", config.toString());
        assertThat(prod.exitCode).as(prod.toString()).isZero();
        assertThat(prod.out)
                .contains("arn:aws:apigateway:eu-west-1::/apis/prod0api1/*")
                .contains("arn:aws:secretsmanager:eu-west-1:444455556666:secret:secure-api/prod0api1/api-key-??????")
                .contains("arn:aws:lambda:eu-west-1:444455556666:function:orders-authorizer:*")
                .doesNotContain("dev0api2");
        Run all = policy("--for", "setup", "--all", "--config", config.toString());
        assertThat(all.exitCode).as(all.toString()).isZero();
        assertThat(all.out).contains("/apis/prod0api1/*").contains("/apis/dev0api2/*");
        Run missing = policy("--for", "setup", "--env", "stage", "--config", config.toString());
        assertThat(missing.exitCode).isEqualTo(2);
        assertThat(missing.err).contains("stage").contains("prod");
    }

    /** target/ by default, or wherever -DbuildDir put the compiled tests. */
    static Path buildDir() throws URISyntaxException {
        return Path.of(IamPolicyCommandTest.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .getParent();
    }
}
