package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.run;

import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/** lambda:InvokeFunction for API Gateway, scoped to exactly this API's authorizer. */
public final class InvokePermissionPiece implements Piece {
    @Override
    public String name() {
        return "invoke permission";
    }

    @Override
    public void read(Wiring w) {
        w.functionPolicy = w.function.isEmpty() ? Optional.empty() : read(w, w.functionArn());
    }

    static Optional<String> read(Wiring w, String functionArn) {
        return call("reading the resource policy of Lambda function " + w.functionName(), w.region(), () -> {
            try {
                return Optional.ofNullable(w.aws.lambda().getPolicy(r -> r.functionName(functionArn)).policy());
            } catch (ResourceNotFoundException e) {
                return Optional.empty();
            }
        });
    }

    public static Optional<Map<String, Object>> statement(Wiring w) {
        return PolicyDocument.parse(w.functionPolicy.orElse(null)).statement(Names.permissionStatementId(w.apiId()));
    }

    public static Optional<String> sourceArn(Map<String, Object> statement) {
        Object cond = statement.get("Condition");
        if (!(cond instanceof Map<?, ?> c)) return Optional.empty();
        for (Object block : c.values()) {
            if (block instanceof Map<?, ?> b) {
                for (Map.Entry<?, ?> e : b.entrySet()) {
                    if (String.valueOf(e.getKey()).equalsIgnoreCase("AWS:SourceArn")) return Optional.of(String.valueOf(e.getValue()));
                }
            }
        }
        return Optional.empty();
    }

    public static String desiredSourceArn(Wiring w) {
        return w.ourAuthorizer().map(a -> Arns.authorizerSourceArn(w.partition(), w.region(), w.account(), w.apiId(), a.id()))
                .orElse(null);
    }

    static boolean principalIsApiGateway(Map<String, Object> st) {
        Object p = st.get("Principal");
        return p instanceof Map<?, ?> m && "apigateway.amazonaws.com".equals(m.get("Service"));
    }

    @Override
    public Change plan(Wiring w) {
        String resource = w.functionName() + " " + Names.permissionStatementId(w.apiId());
        String want = desiredSourceArn(w);
        Optional<Map<String, Object>> st = statement(w);
        if (st.isEmpty()) {
            return new Change(name(), resource, Change.Action.CREATE, "apigateway.amazonaws.com, only from "
                    + (want == null ? "the new authorizer" : want));
        }
        if (want == null || !want.equals(sourceArn(st.get()).orElse(null)) || !principalIsApiGateway(st.get())) {
            return new Change(name(), resource, Change.Action.UPDATE, "scope it to " + (want == null ? "the new authorizer" : want));
        }
        return Change.ok(name(), resource, "only from authorizer " + w.ourAuthorizer().get().id());
    }

    @Override
    public void apply(Wiring w, Change change) {
        String sid = Names.permissionStatementId(w.apiId());
        String fn = w.functionArn();
        String sourceArn = desiredSourceArn(w);
        w.functionPolicy = read(w, fn);
        Optional<Map<String, Object>> st = statement(w);
        if (st.isPresent() && sourceArn.equals(sourceArn(st.get()).orElse(null)) && principalIsApiGateway(st.get())) return;
        if (st.isPresent()) {
            run("removing the outdated invoke permission " + sid + " from Lambda function " + w.functionName(), w.region(),
                    () -> w.aws.lambda().removePermission(r -> r.functionName(fn).statementId(sid)));
        }
        call("allowing API " + w.apiId() + " to invoke Lambda function " + w.functionName(), w.region(), () -> {
            try {
                return w.aws.lambda().addPermission(r -> r.functionName(fn).statementId(sid).action("lambda:InvokeFunction")
                        .principal("apigateway.amazonaws.com").sourceArn(sourceArn));
            } catch (ResourceConflictException e) {
                // The statement id exists: a concurrent run added it. It is re-checked on the next read.
                return null;
            }
        });
        w.functionPolicy = read(w, fn);
    }

    // teardown

    @Override
    public Change planRemoval(Wiring w) {
        String resource = w.functionName() + " " + Names.permissionStatementId(w.apiId());
        if (w.function.isEmpty()) return Change.ok(name(), resource, "function not found");
        if (FunctionPiece.deletes(w)) return Change.ok(name(), resource, "goes with the bundled function");
        if (statement(w).isEmpty()) return Change.ok(name(), resource, "no such statement");
        return new Change(name(), resource, Change.Action.DELETE, "remove this statement only; others kept");
    }

    @Override
    public void remove(Wiring w, Change change) {
        String sid = Names.permissionStatementId(w.apiId());
        String fn = w.functionArn();
        // Bounded loop: an emulator may hold a statement id twice, AWS never does.
        for (int i = 0; i < 5 && statement(w).isPresent(); i++) {
            boolean removed = call("removing invoke permission " + sid + " from Lambda function " + w.functionName(), w.region(), () -> {
                try {
                    w.aws.lambda().removePermission(r -> r.functionName(fn).statementId(sid));
                    return true;
                } catch (ResourceNotFoundException gone) {
                    return false;
                }
            });
            w.functionPolicy = removed ? read(w, fn) : Optional.empty();
        }
    }
}
