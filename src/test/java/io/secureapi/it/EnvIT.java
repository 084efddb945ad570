package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.support.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizerType;

/** Several APIs in one secure-api.json (--env): entries never replaced or dropped, one entry per command. */
class EnvIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    static void ok(Run run) {
        assertThat(run.exitCode).as(run.toString()).isZero();
    }

    static void refused(Run run, String... words) {
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err.lines().filter(l -> l.startsWith("error: ")))
                .as(run.toString())
                .hasSize(1);
        assertThat(run.err).contains("next:");
        assertThat(run.err).contains(words);
        assertThat(run.writes()).as(run.toString()).isEmpty();
    }

    @Test
    void twoApisInOneFolder_eachKeepsItsEntry_andTearingOneDownRestoresItsJwtRoute() throws Exception {
        String dev = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", dev, "--env", "dev"));
        String prod = aws.amplifyApi();
        String jwtRoute = aws.addRoute(prod, "GET /private");
        String jwt = aws.apigw
                .createAuthorizer(r -> r.apiId(prod)
                        .name("cognito")
                        .authorizerType(AuthorizerType.JWT)
                        .identitySource("$request.header.Authorization")
                        .jwtConfiguration(
                                j -> j.audience("client").issuer("https://cognito-idp.us-east-1.amazonaws.com/pool")))
                .authorizerId();
        aws.apigw.updateRoute(r -> r.apiId(prod)
                .routeId(jwtRoute)
                .authorizationType("JWT")
                .authorizerId(jwt)
                .authorizationScopes("read"));
        ok(Run.cli(config(), "setup", "--api-id", prod, "--env", "prod", "--replace-authorizer"));

        Map<String, Object> doc = JsonText.parseObject(Files.readString(config()));
        assertThat(doc).containsEntry("schemaVersion", 2L);
        assertThat(((Map<?, ?>) doc.get("envs"))
                        .keySet().stream().map(String::valueOf).toList())
                .containsExactly("dev", "prod");
        assertThat(Aws.configEntry(config(), "dev")).containsEntry("apiId", dev);
        assertThat(Aws.configEntry(config(), "prod")).containsEntry("apiId", prod);
        String before = Files.readString(config());

        // several entries and no --env: which one? exit 2 naming them, for every command
        for (String[] args : new String[][] {{"verify"}, {"rotate-key"}, {"teardown", "--yes"}, {"setup"}}) {
            refused(Run.cli(config(), args), "dev, prod", "--env");
        }
        refused(Run.cli(config(), "verify", "--env", "staging"), "staging", "dev, prod");
        // an entry holding another API is never replaced; one API never gets two entries
        refused(Run.cli(config(), "setup", "--api-id", aws.amplifyApi(), "--env", "prod"), "holds API " + prod);
        refused(Run.cli(config(), "setup", "--api-id", prod, "--env", "dev"), "already entry prod");
        refused(Run.cli(config(), "verify", "--env", "dev", "--api-id", prod), "entry dev", prod);
        assertThat(Files.readString(config()))
                .as("nothing written by refused runs")
                .isEqualTo(before);

        Run verifyProd = Run.cli(config(), "verify", "--env", "prod");
        ok(verifyProd);
        assertThat(verifyProd.out).contains(prod).doesNotContain(dev);
        // --api-id picks the entry that holds it
        ok(Run.cli(config(), "verify", "--api-id", dev));

        ok(Run.cli(config(), "teardown", "--env", "prod", "--yes"));
        var priv = aws.route(prod, "GET /private");
        assertThat(priv.authorizationTypeAsString())
                .as("the JWT route of prod is restored")
                .isEqualTo("JWT");
        assertThat(priv.authorizerId()).isEqualTo(jwt);
        assertThat(aws.route(dev, "$default").authorizationTypeAsString())
                .as("dev untouched")
                .isEqualTo("CUSTOM");
        assertThat(Aws.configEntry(config(), "prod")).containsKey("tornDown");
        assertThat(Aws.configEntry(config(), "dev"))
                .doesNotContainKey("tornDown")
                .containsEntry("apiId", dev);
        ok(Run.cli(config(), "verify", "--env", "dev"));

        // a torn-down entry is verified for what teardown promised
        Run tornProd = Run.cli(config(), "verify", "--env", "prod");
        ok(tornProd);
        assertThat(tornProd.out).contains("teardown.authorizer").contains("teardown.routes");
        // a route that lost its earlier authorizer fails it
        String privId = priv.routeId();
        aws.apigw.updateRoute(
                r -> r.apiId(prod).routeId(privId).authorizationType("NONE").authorizerId(""));
        Run opened = Run.cli(config(), "verify", "--env", "prod");
        assertThat(opened.exitCode).as(opened.toString()).isEqualTo(1);
        assertThat(opened.out).contains("GET /private").contains("JWT");
        aws.apigw.updateRoute(
                r -> r.apiId(prod).routeId(privId).authorizationType("JWT").authorizerId(jwt));
        // a "tornDown" mark edited into a protected entry cannot make verify skip it
        io.secureapi.config.ConfigFile.read(config())
                .orElseThrow()
                .withField("dev", "tornDown", "2026-01-01T00:00:00Z")
                .write();
        Run forged = Run.cli(config(), "verify", "--env", "dev");
        assertThat(forged.exitCode).as(forged.toString()).isEqualTo(1);
        assertThat(forged.out).contains("teardown.authorizer").contains("still");
        Run all = Run.cli(config(), "verify", "--all");
        assertThat(all.exitCode).as(all.toString()).isEqualTo(1);
    }

    @Test
    void setupWithoutEnv_usesDefault_andASecondApiNeverReplacesIt() throws Exception {
        String first = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", first));
        assertThat(Aws.configEntry(config(), "default")).containsEntry("apiId", first);
        String before = Files.readString(config());
        refused(
                Run.cli(config(), "setup", "--api-id", aws.amplifyApi()),
                "entry default",
                "holds API " + first,
                "--env");
        assertThat(Files.readString(config())).isEqualTo(before);
        Run again = Run.cli(config(), "setup");
        ok(again);
        assertThat(again.writes()).as(again.toString()).isEmpty();
        assertThat(Files.readString(config()))
                .as("a converged rerun leaves the file as it is")
                .isEqualTo(before);
    }

    @Test
    void singleApiFileFromTheEarlierVersion_keepsWorking_andIsRewrittenLosingNothing() throws Exception {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api));
        // today's entry, written the way the single-API version wrote the whole file, plus a field it had
        Map<String, Object> entry = new java.util.LinkedHashMap<>(Aws.configEntry(config()));
        entry.put("note", "kept by hand");
        Files.writeString(config(), Json.pretty(entry) + "\n");

        Run verify = Run.cli(config(), "verify");
        ok(verify);
        assertThat(JsonText.parseObject(Files.readString(config())))
                .as("read-only commands do not rewrite it")
                .doesNotContainKey("envs");

        String other = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", other, "--env", "prod"));
        Map<String, Object> doc = JsonText.parseObject(Files.readString(config()));
        assertThat(doc).containsEntry("schemaVersion", 2L);
        assertThat(Aws.configEntry(config(), "default"))
                .as("the old file is entry default, every field kept")
                .isEqualTo(entry);
        assertThat(Aws.configEntry(config(), "prod")).containsEntry("apiId", other);
        ok(Run.cli(config(), "verify", "--env", "default"));
    }

    @Test
    void rotateKeyEnvLiveOrDev_withNoSuchEntry_pointsAtKey() {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api, "--dev-key"));
        for (String env : new String[] {"live", "dev"}) {
            Run run = Run.cli(config(), "rotate-key", "--env", env);
            refused(run, "--key");
            assertThat(run.err).contains("rotate-key --key " + env);
        }
        Run dev = Run.cli(config(), "rotate-key", "--key", "dev");
        ok(dev);
    }

    @Test
    void envWithoutAConfigFile_isExit2BeforeAnyAwsCall() {
        Run run = Run.cli(dir.resolve("none.json"), "verify", "--env", "prod", "--api-id", "abc123");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.operations).isEmpty();
        assertThat(run.err).contains("--env prod").contains("setup");
    }

    @Test
    void teardownKeepSecret_isRemembered_soALaterPlainTeardownKeepsTheSecret() {
        String api = aws.amplifyApi();
        ok(Run.cli(config(), "setup", "--api-id", api));
        String arn = (String) Aws.configEntry(config()).get("secretArn");
        ok(Run.cli(config(), "teardown", "--yes", "--keep-secret"));
        assertThat(Aws.configEntry(config())).containsEntry("keptSecret", true);
        Run plain = Run.cli(config(), "teardown", "--yes");
        ok(plain);
        assertThat(plain.writes()).as(plain.toString()).isEmpty();
        assertThat(plain.err).contains("keeping the secret");
        assertThat(aws.secrets.describeSecret(r -> r.secretId(arn)).deletedDate())
                .as("not scheduled for deletion")
                .isNull();
        // setup puts the protection back and forgets the choice
        ok(Run.cli(config(), "setup"));
        assertThat(Aws.configEntry(config())).doesNotContainKey("keptSecret").doesNotContainKey("tornDown");
    }
}
