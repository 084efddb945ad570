package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --routes never leaves a route public by accident, and a public catch-all route never passes verify unnoticed. */
class RoutesCatchAllIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    @Test
    void routes_withAnEmptyEntry_isExit2BeforeAnyCall_hintingSingleQuotes() {
        String api = aws.amplifyApi();
        aws.addRoute(api, "GET /x");
        // what `--routes "$default,GET /x"` becomes after the shell: ",GET /x"
        for (String routes : new String[] {",GET /x", "GET /x,", "$default,,GET /x"}) {
            Run run = Run.cli(config(), "setup", "--api-id", api, "--routes", routes);
            assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
            assertThat(run.err.lines().filter(l -> l.startsWith("error: ")))
                    .hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains("empty entry"));
            assertThat(run.err).contains("next: ").contains("'$default");
            assertThat(run.operations).isEmpty();
        }
        assertThat(aws.route(api, "GET /x").authorizationTypeAsString()).isEqualTo("NONE");
    }

    @Test
    void catchAllLeftPublicByRoutes_setupWarnsWithTheOption_verifyFailsUntilItIsAllowed() {
        String api = aws.amplifyApi();
        aws.addRoute(api, "GET /items");
        Run setup = Run.cli(config(), "setup", "--api-id", api, "--routes", "GET /items");
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("NONE");
        assertThat(aws.route(api, "GET /items").authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(setup.err).contains("warning: catch-all route \"$default\"").contains("--allow-public '$default'");

        Run verify = Run.cli(config(), "verify");
        assertThat(verify.exitCode).as(verify.toString()).isEqualTo(1);
        assertThat(verify.out.lines().filter(l -> l.contains("routes.protected")))
                .anySatisfy(l -> assertThat(l).contains("FAIL").contains("$default"));

        Run allowed = Run.cli(config(), "verify", "--allow-public", "$default");
        assertThat(allowed.exitCode).as(allowed.toString()).isZero();
    }

    @Test
    void otherRouteLeftOutByRoutes_verifyPasses_withoutTalkingAboutAllowPublic() {
        String api = aws.amplifyApi();
        aws.addRoute(api, "GET /health");
        Run setup = Run.cli(config(), "setup", "--api-id", api, "--routes", "$default");
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        assertThat(setup.err).doesNotContain("catch-all");
        assertThat(aws.route(api, "GET /health").authorizationTypeAsString()).isEqualTo("NONE");

        Run verify = Run.cli(config(), "verify");
        assertThat(verify.exitCode).as(verify.toString()).isZero();
        assertThat(verify.out).contains("GET /health").doesNotContain("--allow-public");
    }
}
