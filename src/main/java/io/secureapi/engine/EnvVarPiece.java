package io.secureapi.engine;

import static io.secureapi.aws.AwsCall.call;
import static io.secureapi.aws.AwsCall.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;

/** SECRET_ARN (and, for the bundled function, KEY_HEADER) merged into the function's environment. */
public final class EnvVarPiece implements Piece {
    @Override
    public String name() {
        return "env var";
    }

    @Override
    public void read(Wiring w) {
        // the function's environment is read with the function
    }

    /** The variables we own; SECRET_ARN is "pending" until the secret exists. */
    static Map<String, String> desired(Wiring w) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Names.ENV_SECRET_ARN, w.secretArn() == null ? "(new secret)" : w.secretArn());
        if (w.target.managedFunction()) env.put(Names.ENV_KEY_HEADER, w.target.header().toLowerCase());
        return env;
    }

    @Override
    public Change plan(Wiring w) {
        String resource = w.functionName() + " " + Names.ENV_SECRET_ARN;
        if (w.function.isEmpty()) {
            return new Change(name(), resource, Change.Action.CREATE, "set when the function is created");
        }
        Map<String, String> actual = w.function.get().env();
        List<String> why = new ArrayList<>();
        desired(w).forEach((k, v) -> {
            if (!actual.containsKey(k)) why.add("add " + k);
            else if (!actual.get(k).equals(v)) why.add(k + " → " + v);
        });
        int others = (int) actual.keySet().stream().filter(k -> !desired(w).containsKey(k)).count();
        String kept = others == 0 ? "" : " (" + others + " other variable" + (others == 1 ? "" : "s") + " kept)";
        if (why.isEmpty()) return Change.ok(name(), resource, "points at the secret" + kept);
        boolean fresh = why.stream().allMatch(s -> s.startsWith("add "));
        return new Change(name(), resource, fresh ? Change.Action.CREATE : Change.Action.UPDATE, String.join("; ", why) + kept);
    }

    @Override
    public void apply(Wiring w, Change change) {
        String name = w.functionName();
        // Merge into the environment as it is now, not as planned: never drop a variable added meanwhile.
        GetFunctionConfigurationResponse now = call("reading the configuration of Lambda function " + name, w.region(),
                () -> w.aws.lambda().getFunctionConfiguration(r -> r.functionName(w.functionArn())));
        Map<String, String> merged = new LinkedHashMap<>();
        if (now.environment() != null && now.environment().variables() != null) merged.putAll(now.environment().variables());
        Map<String, String> desired = desired(w);
        if (desired.entrySet().stream().allMatch(e -> e.getValue().equals(merged.get(e.getKey())))) return;
        merged.putAll(desired);
        FunctionPiece.waitUpdated(w, name);
        run("setting " + Names.ENV_SECRET_ARN + " on Lambda function " + name, w.region(), () -> w.aws.lambda()
                .updateFunctionConfiguration(r -> r.functionName(w.functionArn()).environment(e -> e.variables(merged))));
        FunctionPiece.waitUpdated(w, name);
        w.function = FunctionPiece.find(w, w.functionArn());
    }
}
