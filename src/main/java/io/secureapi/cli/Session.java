package io.secureapi.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * What a command runs with: its streams, environment and extra SDK interceptors. main passes the
 * real ones; tests pass captured streams and counting interceptors.
 */
public record Session(PrintWriter out, PrintWriter err, InputStream in, Map<String, String> env,
        List<ExecutionInterceptor> interceptors, boolean stdinIsTerminal, boolean stdoutIsTerminal) {
}
