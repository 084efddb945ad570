package io.secureapi.it;

import io.secureapi.cli.SecureApiCli;
import io.secureapi.cli.Session;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Runs the real command line (the one factory) against the emulator with captured streams, and
 * records every AWS operation the tool sent, read or write, through an SDK interceptor.
 */
public final class Run {
    public final int exitCode;
    public final String out;
    public final String err;
    public final List<String> operations;

    private Run(int exitCode, String out, String err, List<String> operations) {
        this.exitCode = exitCode;
        this.out = out;
        this.err = err;
        this.operations = operations;
    }

    /** Operations that change state (anything but Get/List/Describe, and ExportApi, which reads a stage's definition). */
    public List<String> writes() {
        return operations.stream()
                .filter(o -> !(o.contains(".Get")
                        || o.contains(".List")
                        || o.contains(".Describe")
                        || o.contains(".Export")))
                .toList();
    }

    /**
     * How many pages of {@code operation} (e.g. "ApiGatewayV2.GetRoutes") the tool fetched; tests run
     * with pages of {@link #PAGE_SIZE} items so a fixture of a few hundred routes spans many.
     */
    public long pages(String operation) {
        return operations.stream().filter(operation::equals).count();
    }

    /** The page size the tests run the tool with (set in the build so every fixture larger than it pages). */
    public static final int PAGE_SIZE = Integer.getInteger("secureapi.pageSize", 500);

    public String all() {
        return out + "\n" + err;
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }

    /** Runs with the emulator endpoint, region and the given config file added. */
    public static Run cliWithStdin(Path config, String stdin, String... args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        a.addAll(List.of("--endpoint-url", LocalAws.endpoint(), "--region", Aws.REGION, "--config", config.toString()));
        return raw(stdin, Map.of(), a.toArray(String[]::new));
    }

    public static Run cli(Path config, String... args) {
        return cliWithStdin(config, "", args);
    }

    /** Like {@link #cliWithStdin} against any endpoint (e.g. a fault proxy), stdin a terminal or not. */
    public static Run via(String endpoint, Path config, String stdin, boolean terminal, String... args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        a.addAll(List.of("--endpoint-url", endpoint, "--region", Aws.REGION, "--config", config.toString()));
        return raw(stdin, Map.of(), terminal, a.toArray(String[]::new));
    }

    /** Runs exactly the given arguments with the given environment. */
    public static Run raw(String stdin, Map<String, String> env, String... args) {
        return raw(stdin, env, false, args);
    }

    /** Runs exactly the given arguments; {@code terminal} says whether stdin is a terminal. */
    public static Run raw(String stdin, Map<String, String> env, boolean terminal, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> ops = new CopyOnWriteArrayList<>();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                ops.add(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + "."
                        + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
            }
        };
        Session session = new Session(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                env,
                List.of(recorder),
                terminal,
                false);
        int code = SecureApiCli.create(session, args).execute(args);
        return new Run(code, out.toString(), err.toString(), List.copyOf(ops));
    }
}
