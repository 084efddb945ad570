package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.apigatewayv2.model.ProtocolType;

/** Every bad input the manual (src/site/markdown) documents: exit 2 (or 3), one clear error line, and nothing written to AWS. */
class BadInputIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    void assertRefused(Run run, int code, String... mentions) {
        assertThat(run.exitCode).as(run.toString()).isEqualTo(code);
        assertThat(run.writes()).as("writes for " + run).isEmpty();
        var errorLines = run.err.lines().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errorLines).as(run.toString()).hasSize(1);
        assertThat(run.err).doesNotContain("Exception:").doesNotContain("\tat ");
        for (String m : mentions) assertThat(errorLines.get(0)).contains(m);
    }

    @Test
    void unknownApi_isExit2NamingApiAndRegion() {
        assertRefused(Run.cli(config(), "setup", "--api-id", "nosuch123"), 2, "nosuch123", "us-east-1");
        assertThat(config()).doesNotExist();
    }

    @Test
    void malformedApiId_isExit2WithoutAnyAwsCall() {
        Run run = Run.cli(config(), "setup", "--api-id", "Not An Id");
        assertRefused(run, 2, "Not An Id");
        assertThat(run.operations).isEmpty();
    }

    @Test
    void websocketApi_isExit2() {
        String id = aws.apigw
                .createApi(r -> r.name("ws")
                        .protocolType(ProtocolType.WEBSOCKET)
                        .routeSelectionExpression("$request.body.action"))
                .apiId();
        assertRefused(Run.cli(config(), "setup", "--api-id", id), 2, "WEBSOCKET");
    }

    @Test
    void missingFunction_isExit2AndCreatesNothing() {
        String api = aws.amplifyApi();
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--function", "does-not-exist"), 2, "does-not-exist");
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
    }

    @Test
    void devKeyWithUserFunction_isExit2() {
        String api = aws.amplifyApi();
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--function", fn, "--dev-key"), 2, "--dev-key");
    }

    @Test
    void cacheTtlOutOfRange_isExit2() {
        String api = aws.amplifyApi();
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--cache-ttl", "3601"), 2, "3601");
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--cache-ttl", "-1"), 2);
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--cache-ttl", "soon"), 2);
    }

    @Test
    void shortOrUnreadableOrDoubleKey_isExit2AndNeverEchoesTheKey() throws Exception {
        String api = aws.amplifyApi();
        Path shortKey = dir.resolve("short.txt");
        Files.writeString(shortKey, "tooShortSecret99");
        Run run = Run.cli(config(), "setup", "--api-id", api, "--key-file", shortKey.toString());
        assertRefused(run, 2, "too short");
        assertThat(run.all()).doesNotContain("tooShortSecret99");
        assertRefused(
                Run.cli(
                        config(),
                        "setup",
                        "--api-id",
                        api,
                        "--key-file",
                        dir.resolve("missing.txt").toString()),
                2,
                "missing.txt");
        Path comma = dir.resolve("comma.txt");
        Files.writeString(comma, "abcdefghijklmnopqrstuvwxyz,0123456789ABCDEF");
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--key-file", comma.toString()), 2);
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--key-file", comma.toString(), "--key-stdin"), 2);
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items()).isEmpty();
    }

    @Test
    void unknownRoute_isExit2ListingTheRoutes() {
        String api = aws.amplifyApi();
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--routes", "GET /nope"), 2, "GET /nope");
    }

    @Test
    void badHeaderOrNames_isExit2() {
        String api = aws.amplifyApi();
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--header", "Bad Header"), 2, "Bad Header");
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--secret-name", "has space"), 2);
        assertRefused(Run.cli(config(), "setup", "--api-id", api, "--routes", " "), 2);
    }

    @Test
    void corruptConfig_isExit2() throws Exception {
        Files.writeString(config(), "{ not json");
        assertRefused(Run.cli(config(), "setup"), 2, "secure-api.json");
    }

    @Test
    void noApiIdAndNoConfig_isExit2() {
        assertRefused(Run.cli(config(), "setup"), 2, "--api-id");
    }

    @Test
    void unknownFlag_isExit2() {
        Run run = Run.cli(config(), "setup", "--api-idd", "x");
        assertThat(run.exitCode).isEqualTo(2);
        assertThat(run.err).startsWith("error: ").contains("--api-idd");
        assertThat(run.operations).isEmpty();
    }

    @Test
    void badEndpointOrRegion_isExit2() {
        assertThat(Run.raw(
                                "",
                                Map.of(),
                                "setup",
                                "--api-id",
                                "abc",
                                "--region",
                                "mars",
                                "--endpoint-url",
                                LocalAws.endpoint())
                        .exitCode)
                .isEqualTo(2);
        assertThat(Run.raw(
                                "",
                                Map.of(),
                                "setup",
                                "--api-id",
                                "abc",
                                "--region",
                                "us-east-1",
                                "--endpoint-url",
                                "not a url")
                        .exitCode)
                .isEqualTo(2);
    }

    @Test
    void unreachableEndpoint_isExit3WithOneLine() {
        Run run = Run.raw(
                "",
                Map.of(),
                "setup",
                "--api-id",
                "abc123",
                "--region",
                "us-east-1",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--config",
                config().toString());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        assertThat(run.err.lines().filter(l -> l.startsWith("error: "))).hasSize(1);
        assertThat(run.err).doesNotContain("\tat ");
    }
}
