package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.cli.SecureApiCli;
import io.secureapi.cli.Session;
import io.secureapi.support.Names;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every command on both setup paths (bundled authorizer, the user's own function) and records
 * each AWS call through an SDK interceptor, plus the policies the tool wrote, into
 * {@code <build dir>/recorded-calls.json}. The IAM policy simulator test
 * ({@code node --test src/test/policy/}, run by scripts/test after this suite) evaluates each call
 * against policies/operator-*.json, and the written policies as the runtime chain.
 */
class OperatorPolicyIT {
    final Aws aws = new Aws();
    final CallRecorder recorder = new CallRecorder();

    @TempDir
    Path dir;

    /**
     * Action names in a policy file: a quick name-level check other tests use inline. It ignores
     * resources and conditions; the IAM simulator test is the real evaluation.
     */
    static Set<String> allowedActions(String file) throws Exception {
        PolicyText doc = PolicyText.parse(
                Files.readString(LocalAws.projectRoot().resolve("policies").resolve(file)));
        Set<String> actions = new HashSet<>();
        for (Map<String, Object> st : doc.statements()) {
            if (!"Allow".equals(st.get("Effect"))) continue;
            Object a = st.get("Action");
            if (a instanceof String s) actions.add(s);
            else ((List<?>) a).forEach(x -> actions.add((String) x));
        }
        return actions;
    }

    /** The IAM action name of an SDK operation; API Gateway's are HTTP verbs, so any apigateway call maps to its verb. */
    static String iamAction(String serviceOp) {
        String[] p = serviceOp.split("\\.", 2);
        String service = p[0].toLowerCase();
        String op = p[1];
        if (service.startsWith("apigateway")) {
            if (op.startsWith("Get")) return "apigateway:GET";
            if (op.startsWith("Create")) return "apigateway:POST";
            if (op.startsWith("Update")) return "apigateway:PATCH";
            if (op.startsWith("Delete") || op.startsWith("Reset")) return "apigateway:DELETE";
            if (op.startsWith("Export")) return "apigateway:GET";
        }
        if (service.startsWith("secrets")) return "secretsmanager:" + op;
        if (service.equals("cloudwatchlogs")) return "logs:" + op;
        return service + ":" + op;
    }

    void ok(CallRecorder.Result run) {
        assertThat(run.exitCode()).as(run.toString()).isZero();
    }

    @Test
    void everyCommandOnBothPaths_isRecordedForTheIamSimulator() throws Exception {
        Map<String, Object> written = new LinkedHashMap<>();

        // The bundled authorizer: setup, verify, a full rotation, teardown.
        Path a = dir.resolve("a.json");
        String api = aws.amplifyApi();
        ok(recorder.run(
                "setup",
                a,
                "setup",
                "--api-id",
                api,
                "--dev-key",
                "--key-out",
                dir.resolve("k").toString()));
        written.put("bundled", writtenPolicies(api, Names.managedFunctionName(api)));
        // a rerun with another setting updates the authorizer in place
        ok(recorder.run("setup", a, "setup", "--api-id", api, "--cache-ttl", "120"));
        recorder.run("verify", a, "verify");
        ok(recorder.run(
                "rotate-key", a, "rotate-key", "--key-out", dir.resolve("k2").toString()));
        ok(recorder.run("rotate-key", a, "rotate-key", "--finish"));
        // Commands other branches are adding: recorded once they exist (their calls are declared meanwhile).
        if (has("keys")) recorder.run("keys", a, "keys", "list");
        // access logs: turned on, queried by usage, then restored by teardown
        ok(recorder.run("setup", a, "setup", "--access-logs"));
        recorder.run("verify", a, "verify");
        if (has("keys")) recorder.run("keys", a, "keys", "list");
        ok(recorder.run("usage", a, "usage", "--since", "1d"));
        ok(recorder.run("teardown", a, "teardown", "--yes"));

        // The user's own function: setup, verify, teardown.
        Path b = dir.resolve("b.json");
        String api2 = aws.amplifyApi();
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        ok(recorder.run("setup", b, "setup", "--api-id", api2, "--function", fn));
        written.put("userFunction", writtenPolicies(api2, fn));
        recorder.run("verify", b, "verify");
        ok(recorder.run("teardown", b, "teardown", "--yes"));

        if (has("scan")) {
            // scan reads every API of its region: in a region of its own (see Aws(String)), over an API of
            // each kind it judges: one setup protects, and a public one whose stage does not AutoDeploy
            // (scan exports what that stage serves)
            String region = "eu-central-1";
            Aws here = new Aws(region);
            Run fixture = Run.cliIn(
                    region,
                    dir.resolve("c.json"),
                    "setup",
                    "--api-id",
                    here.amplifyApi(),
                    "--key-out",
                    dir.resolve("k3").toString());
            assertThat(fixture.exitCode).as(fixture.toString()).isZero();
            String open = here.amplifyApi();
            String deployment = here.apigw.createDeployment(r -> r.apiId(open)).deploymentId();
            here.apigw.createStage(
                    r -> r.apiId(open).stageName("prod").autoDeploy(false).deploymentId(deployment));
            recorder.runIn(region, "scan", dir.resolve("s.json"), "scan");
        }

        List<String> commands = recorder.calls().stream()
                .map(c -> (String) c.get("command"))
                .distinct()
                .toList();
        assertThat(commands).contains("setup", "verify", "rotate-key", "teardown");
        Path file = recorder.write(Map.of("written", written));
        String recording = Files.readString(file);
        assertThat(recording).contains("ApiGatewayV2.CreateAuthorizer", "\"method\":\"PATCH\"");
        for (Path keys : List.of(dir.resolve("k"), dir.resolve("k2"))) {
            for (String line : Files.readAllLines(keys)) {
                for (String token : line.split("[\\s=:]+")) {
                    if (token.length() >= 16)
                        assertThat(recording).as("a key in the recording").doesNotContain(token);
                }
            }
        }
    }

    /** Whether the command line has this subcommand (keys and scan are being added on other branches). */
    static boolean has(String command) {
        PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
        return SecureApiCli.create(
                        new Session(nowhere, nowhere, InputStream.nullInputStream(), Map.of(), List.of(), false, false))
                .getSubcommands()
                .containsKey(command);
    }

    /** The policies the tool wrote for this API, read back from AWS: they hold names and ARNs, never a key. */
    Map<String, Object> writtenPolicies(String api, String function) {
        Map<String, Object> w = new LinkedHashMap<>();
        String secretArn = aws.secrets
                .describeSecret(r -> r.secretId(Names.defaultSecretName(api)))
                .arn();
        w.put("apiId", api);
        w.put(
                "authorizerId",
                aws.apigw.getAuthorizers(r -> r.apiId(api)).items().stream()
                        .filter(x -> x.name().equals(Names.DEFAULT_AUTHORIZER_NAME))
                        .findFirst()
                        .orElseThrow()
                        .authorizerId());
        w.put("secretArn", secretArn);
        w.put(
                "secretPolicy",
                aws.secrets.getResourcePolicy(r -> r.secretId(secretArn)).resourcePolicy());
        var config = aws.lambda.getFunctionConfiguration(r -> r.functionName(function));
        w.put("functionArn", config.functionArn());
        w.put(
                "functionPolicy",
                aws.lambda.getPolicy(r -> r.functionName(function)).policy());
        w.put("roleArn", config.role());
        if (function.equals(Names.managedFunctionName(api))) {
            // IAM returns policy documents URL-encoded
            w.put(
                    "rolePolicy",
                    URLDecoder.decode(
                            aws.iam
                                    .getRolePolicy(r -> r.roleName(Names.managedRoleName(api))
                                            .policyName(Names.ROLE_POLICY_NAME))
                                    .policyDocument(),
                            StandardCharsets.UTF_8));
        }
        return w;
    }
}
