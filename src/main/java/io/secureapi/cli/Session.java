package io.secureapi.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * What a command runs with: its streams, environment and extra SDK interceptors. main passes the
 * real ones; tests pass captured streams and counting interceptors.
 */
public record Session(
        PrintWriter out,
        PrintWriter err,
        InputStream in,
        Map<String, String> env,
        List<ExecutionInterceptor> interceptors,
        boolean stdinIsTerminal,
        boolean stdoutIsTerminal) {
    /** One line typed on standard input (a confirmation, a key), stripped; "" at its end or when it cannot be read. */
    public String readLine() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) line.write(b);
        } catch (IOException e) {
            return "";
        }
        return line.toString(StandardCharsets.UTF_8).strip();
    }
}
