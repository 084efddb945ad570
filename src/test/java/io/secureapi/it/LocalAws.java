package io.secureapi.it;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One local AWS emulator (scripts/local_aws.py: moto plus the calls it adds) for the whole
 * test run. It exits when this JVM's pipe to its stdin closes, so a killed test run leaves nothing.
 */
public final class LocalAws {
    private static String endpoint;
    private static Process process;

    private LocalAws() {}

    public static synchronized String endpoint() {
        if (endpoint != null) return endpoint;
        String given = System.getenv("SECURE_API_TEST_ENDPOINT");
        if (given != null && !given.isBlank()) return endpoint = given;
        try {
            ProcessBuilder pb = new ProcessBuilder(
                    "python3", projectRoot().resolve("scripts/local_aws.py").toString(), "--watch-stdin");
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            // moto uses botocore itself: an empty AWS_PROFILE (surefire blanks it for the tool) breaks it
            pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
            process = pb.start();
            BufferedReader r =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            if (line == null || !line.startsWith("http://")) {
                process.destroyForcibly();
                throw new IllegalStateException("local AWS emulator did not start (is moto installed?)");
            }
            endpoint = line.strip();
            Runtime.getRuntime().addShutdownHook(new Thread(LocalAws::stop));
            return endpoint;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the local AWS emulator", e);
        }
    }

    static void stop() {
        if (process == null) return;
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

    /** POSTs a JSON document to one of the emulator's test-only endpoints (/_secure_api/…); fails unless 200. */
    public static void post(String path, String json) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(endpoint() + path))
                                    .header("Content-Type", "application/json")
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200)
                throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
        } catch (IOException e) {
            throw new IllegalStateException(path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(path, e);
        }
    }

    public static Path projectRoot() {
        Path p = new File("").getAbsoluteFile().toPath();
        while (p != null && !p.resolve("pom.xml").toFile().exists()) p = p.getParent();
        if (p == null) throw new IllegalStateException("not inside the project");
        return p;
    }

    /** What a child process needs to reach the emulator: its endpoint, the dummy credentials, the region. */
    static java.util.Map<String, String> childEnvironment() {
        return java.util.Map.of(
                "AWS_ENDPOINT_URL",
                endpoint(),
                "AWS_ACCESS_KEY_ID",
                "test",
                "AWS_SECRET_ACCESS_KEY",
                "test",
                "AWS_REGION",
                Aws.REGION);
    }
}
