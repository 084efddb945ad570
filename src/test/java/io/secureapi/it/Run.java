package io.secureapi.it;

import io.secureapi.cli.SecureApiCli;
import io.secureapi.cli.Session;
import io.secureapi.engine.CacheFlush;
import io.secureapi.support.Backoff;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
        // the tool's own split of reads and writes (its --verbose count), on "Service.Operation"
        return operations.stream()
                .filter(o -> !io.secureapi.aws.CallCounter.isRead(o.substring(o.indexOf('.') + 1)))
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

    /**
     * A fresh Amplify-shaped API set up with the bundled authorizer under {@code config}, its live key
     * written to {@code keyFile}; fails the test unless setup succeeded. Returns the API's id.
     */
    public static String setUpFresh(Aws aws, Path config, Path keyFile) {
        String api = aws.amplifyApi();
        Run setup = cli(config, "setup", "--api-id", api, "--key-out", keyFile.toString());
        org.assertj.core.api.Assertions.assertThat(setup.exitCode)
                .as(setup.toString())
                .isZero();
        return api;
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

    /** Like {@link #cli} in another region (see {@link Aws#Aws(String)}). */
    public static Run cliIn(String region, Path config, String... args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        a.addAll(List.of("--endpoint-url", LocalAws.endpoint(), "--region", region, "--config", config.toString()));
        return raw("", Map.of(), a.toArray(String[]::new));
    }

    /** Like {@link #cliWithStdin} against any endpoint (e.g. a fault proxy), stdin a terminal or not. */
    public static Run via(String endpoint, Path config, String stdin, boolean terminal, String... args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        a.addAll(List.of("--endpoint-url", endpoint, "--region", Aws.REGION, "--config", config.toString()));
        return raw(stdin, Map.of(), terminal, a.toArray(String[]::new));
    }

    /** Like {@link #via} in another region (see {@link Aws#Aws(String)}). */
    public static Run viaIn(
            String region, String endpoint, Path config, String stdin, boolean terminal, String... args) {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        a.addAll(List.of("--endpoint-url", endpoint, "--region", region, "--config", config.toString()));
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
        // one entry per operation the command made, not per attempt: a request the SDK resent (a pooled
        // connection dropped under load, a 5xx) is still one write
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
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
        int code = execute(session, args);
        return new Run(code, out.toString(), err.toString(), List.copyOf(ops));
    }

    /** Runs the command line in {@code session} on the test's clock (see {@link #useClock}); its exit code. */
    static int execute(Session session, String... args) {
        Backoff.Clock given = CLOCK.get();
        AutoCloseable clock = Backoff.useClock(given != null ? given : new FunctionTimeoutPassesAtOnce());
        try {
            return SecureApiCli.create(session, args).execute(args);
        } finally {
            try {
                clock.close(); // puts the thread's clock back; never throws
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final ThreadLocal<Backoff.Clock> CLOCK = new ThreadLocal<>();

    /**
     * Runs started on this thread until the returned handle is closed use {@code clock} for every
     * wait (a test that counts or fakes the waits themselves) instead of {@link FunctionTimeoutPassesAtOnce}.
     */
    public static AutoCloseable useClock(Backoff.Clock clock) {
        Backoff.Clock before = CLOCK.get();
        CLOCK.set(clock);
        return () -> CLOCK.set(before);
    }

    /**
     * The clock of every run unless a test gives its own: real time, except that the wait for the
     * authorizer function's timeout after a key write (CacheFlush.FUNCTION_TIMEOUT_WAIT, 5 s a write) passes at once:
     * that wait's Backoff sees time move on by exactly what it would have slept. Against the emulator no
     * invocation is running to wait for, and the tests assert what the flush does and in which order
     * (the second ResetAuthorizersCache after the wait, the window computed from the function's
     * timeout, the progress lines), which stay as they are. Every other wait (deployments settling,
     * AutoDeploy, compare-and-set pauses between concurrent runs, retries) sleeps for real. The
     * skipped time is per thread: a thread that waits never moves another thread's deadlines.
     */
    static final class FunctionTimeoutPassesAtOnce implements Backoff.Clock {
        private final ThreadLocal<long[]> skipped = ThreadLocal.withInitial(() -> new long[1]);

        @Override
        public long nanoTime() {
            return System.nanoTime() + skipped.get()[0];
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
            Thread.sleep(d.toMillis());
        }

        @Override
        public void sleep(Duration d, String what) throws InterruptedException {
            if (Thread.interrupted()) throw new InterruptedException();
            if (CacheFlush.FUNCTION_TIMEOUT_WAIT.equals(what)) skipped.get()[0] += d.toNanos();
            else Thread.sleep(d.toMillis());
        }
    }
}
