package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The stand-in gateway (src/test/harness/gateway.mjs) against the local emulator, one process per
 * {@link #start}, each logging to its own file in the test's folder; {@link #stopAll} (from the
 * test's {@code @AfterEach}) closes their stdin, which makes them exit.
 */
final class Gateways {
    private final List<Process> running = new ArrayList<>();

    /**
     * API Gateway in front of the bundled function of {@code api}: answers cached for 300 s, emptied by
     * a ResetAuthorizersCache of its stage, and a fresh handler (with the function's environment)
     * whenever the function's configuration changes.
     */
    static Map<String, String> caching(String api) {
        return Map.of("CACHE_TTL", "300", "API_ID", api, "FUNCTION_NAME", "secure-api-authorizer-" + api);
    }

    /** Starts one reading the key set of {@code secretArn}, with {@code extra} environment; returns its URL. */
    String start(Path logDir, String secretArn, Map<String, String> extra) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("node", "src/test/harness/gateway.mjs")
                .directory(LocalAws.projectRoot().toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        Map<String, String> env = new HashMap<>(LocalAws.childEnvironment());
        env.put("SECRET_ARN", secretArn);
        env.putAll(extra);
        pb.environment().putAll(env);
        pb.redirectError(logDir.resolve("gateway-" + running.size() + ".log").toFile());
        Process p = pb.start();
        running.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line)
                .as("the harness prints its URL (is src/node_modules installed? npm ci --prefix src)")
                .startsWith("http://127.0.0.1:");
        return line.strip();
    }

    void stopAll() throws InterruptedException, IOException {
        for (Process p : running) {
            p.getOutputStream().close(); // stdin EOF: the harness exits
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        running.clear();
    }
}
