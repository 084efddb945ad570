package io.secureapi.it;

import io.secureapi.cli.Session;
import io.secureapi.support.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records every AWS call a command sends — service, operation, the HTTP verb and path for API
 * Gateway (its IAM actions are verbs on paths) and the names that identify the resource — so the
 * IAM simulator test (src/test/policy) can check each one against the operator policies. Only
 * identifier fields are read from a request: never a body, which may carry a key.
 */
final class CallRecorder {
    /** Request members that name the resource a call acts on; nothing else is kept. */
    private static final List<String> IDENTIFIERS = List.of(
            "SecretId",
            "Name",
            "FunctionName",
            "Qualifier",
            "Resource",
            "RoleName",
            "PolicyArn",
            "KeyId",
            "logGroupName",
            "logGroupNamePrefix",
            "logGroupNames",
            "logGroupIdentifiers",
            "queryId",
            // the members AWS turns into condition keys the operator policies test (calls.mjs
            // contextFromIds): route and authorizer types, the authorizer's URI, a secret's version
            // label or id, a function's layers; names and ARNs, never a value
            "AuthorizationType",
            "AuthorizerType",
            "AuthorizerUri",
            "VersionStage",
            "VersionId",
            "Layers");

    private final List<Map<String, Object>> calls = new CopyOnWriteArrayList<>();

    /** Runs the real command line against the emulator and records its calls under {@code command}. */
    /** What one recorded run printed and how it ended. */
    record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    Result run(String command, Path config, String... args) {
        return runIn(Aws.REGION, command, config, args);
    }

    /** Like {@link #run} in another region (see {@link Aws#Aws(String)}). */
    Result runIn(String region, String command, Path config, String... args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        a.addAll(List.of("--endpoint-url", LocalAws.endpoint(), "--region", region, "--config", config.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                String service = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
                String op = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("command", command);
                call.put("call", service + "." + op);
                if (service.startsWith("ApiGateway")) {
                    call.put("method", context.httpRequest().method().name());
                    call.put("path", context.httpRequest().encodedPath());
                }
                Map<String, Object> ids = identifiers(context.request());
                if (!ids.isEmpty()) call.put("ids", ids);
                calls.add(call);
            }
        };
        Session session = new Session(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]),
                Map.of(),
                List.of(recorder),
                false,
                false);
        int code = Run.execute(session, a.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    private static Map<String, Object> identifiers(SdkRequest request) {
        Map<String, Object> ids = new LinkedHashMap<>();
        for (String field : IDENTIFIERS) {
            if (request.sdkFields().stream().noneMatch(f -> f.memberName().equals(field))) continue;
            request.getValueForField(field, Object.class).ifPresent(v -> ids.put(field, v));
        }
        return ids;
    }

    List<Map<String, Object>> calls() {
        return List.copyOf(calls);
    }

    /** Writes the recorded calls next to the compiled tests: {@code <build dir>/recorded-calls.json}. */
    Path write(Map<String, Object> extra) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("recordedBy", "OperatorPolicyIT through an SDK interceptor, against the local emulator");
        doc.put("calls", calls());
        doc.putAll(extra);
        Path file = buildDir().resolve("recorded-calls.json");
        Files.writeString(file, Json.write(doc));
        return file;
    }

    /** target/ by default, or wherever -DbuildDir put the compiled tests. */
    static Path buildDir() {
        try {
            return Path.of(CallRecorder.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
