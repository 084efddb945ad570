package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.engine.PolicyDocument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** policies/operator-setup.json allows every call setup really makes, on both paths. */
class OperatorPolicyIT {
    final Aws aws = new Aws();
    @TempDir
    Path dir;

    static Set<String> allowedActions(String file) throws Exception {
        PolicyDocument doc = PolicyDocument.parse(Files.readString(LocalAws.projectRoot().resolve("policies").resolve(file)));
        Set<String> actions = new HashSet<>();
        for (Map<String, Object> st : doc.statements()) {
            Object a = st.get("Action");
            if (a instanceof String s) actions.add(s);
            else ((List<?>) a).forEach(x -> actions.add((String) x));
        }
        return actions;
    }

    /** The IAM action of an SDK operation; API Gateway's are HTTP verbs, so any apigateway call maps to its verb family. */
    static String iamAction(String serviceOp) {
        String[] p = serviceOp.split("\\.", 2);
        String service = p[0].toLowerCase();
        String op = p[1];
        if (service.startsWith("apigateway")) {
            if (op.startsWith("Get")) return "apigateway:GET";
            if (op.startsWith("Create")) return "apigateway:POST";
            if (op.startsWith("Update")) return "apigateway:PATCH";
            if (op.startsWith("Delete")) return "apigateway:DELETE";
            if (op.equals("ResetAuthorizersCache")) return "apigateway:DELETE"; // DELETE .../stages/{stage}/cache/authorizers
        }
        if (service.startsWith("secrets")) return "secretsmanager:" + op;
        if (service.startsWith("cloudwatchlogs")) return "logs:" + op;
        return service + ":" + op;
    }

    @Test
    void operatorSetupPolicy_allowsEveryCallOfBothSetupPaths() throws Exception {
        Set<String> allowed = allowedActions("operator-setup.json");
        List<String> ops = new ArrayList<>();
        String api = aws.amplifyApi();
        Run bundled = Run.cli(dir.resolve("a.json"), "setup", "--api-id", api, "--dev-key", "--key-out", dir.resolve("k").toString());
        assertThat(bundled.exitCode).as(bundled.toString()).isZero();
        ops.addAll(bundled.operations);
        String api2 = aws.amplifyApi();
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        Run user = Run.cli(dir.resolve("b.json"), "setup", "--api-id", api2, "--function", fn);
        assertThat(user.exitCode).as(user.toString()).isZero();
        ops.addAll(user.operations);
        for (String op : new HashSet<>(ops)) {
            if (op.endsWith(".GetCallerIdentity")) continue; // needs no permission
            assertThat(allowed).as("operator-setup.json must allow " + op).contains(iamAction(op));
        }
    }
}
