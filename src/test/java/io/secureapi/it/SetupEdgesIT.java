package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.apigatewayv2.model.AuthorizerType;

/** Edges a review found: other people's authorizers, deleted secrets, unfinished rotations, regions. */
class SetupEdgesIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    String value(String api) {
        return aws.secrets
                .getSecretValue(r -> r.secretId("secure-api/" + api + "/api-key"))
                .secretString();
    }

    @Test
    void authorizerNameOfSomeoneElsesJwtAuthorizer_isRefused() {
        String api = aws.amplifyApi();
        aws.apigw.createAuthorizer(r -> r.apiId(api)
                .name("cognito")
                .authorizerType(AuthorizerType.JWT)
                .identitySource("$request.header.Authorization")
                .jwtConfiguration(j -> j.audience("c").issuer("https://cognito-idp.us-east-1.amazonaws.com/p")));
        Run run = Run.cli(config(), "setup", "--api-id", api, "--authorizer-name", "cognito");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("JWT authorizer named \"cognito\"");
        assertThat(run.writes()).isEmpty();
    }

    @Test
    void secretScheduledForDeletion_isRestoredWithItsKeysKept() {
        String api = aws.amplifyApi();
        Run first = Run.cli(config(), "setup", "--api-id", api);
        assertThat(first.exitCode).as(first.toString()).isZero();
        Object live = Digests.entry(value(api), "live").get("digest");
        aws.secrets.deleteSecret(
                r -> r.secretId("secure-api/" + api + "/api-key").recoveryWindowInDays(7L));
        Run again = Run.cli(config(), "setup", "--dev-key");
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(Digests.entry(value(api), "live")).containsEntry("digest", live);
        assertThat(Digests.keys(value(api))).containsKey("dev");
    }

    @Test
    void aDevKeyAddedLater_isTheKeyFilesOnlyLine_andTheSettingsSaySo() throws Exception {
        Run.setUpFresh(aws, config(), dir.resolve("live.key"));
        Path devFile = dir.resolve("dev.txt");
        Run dev = Run.cli(config(), "setup", "--dev-key", "--key-out", devFile.toString());
        assertThat(dev.exitCode).as(dev.toString()).isZero();
        assertThat(java.nio.file.Files.readAllLines(devFile)).hasSize(1);
        assertThat(dev.out).contains("Development key value:  (written to " + devFile + ")");
        assertThat(dev.out).doesNotContain("line 2");
    }

    @Test
    void addingADevKeyDuringAnUnfinishedRotation_keepsTheOldLiveKeyAccepted() throws Exception {
        String api = aws.amplifyApi();
        Path first = dir.resolve("first.key");
        assertThat(Run.cli(config(), "setup", "--api-id", api, "--key-out", first.toString()).exitCode)
                .isZero();
        assertThat(Run.cli(
                                config(),
                                "rotate-key",
                                "--key-out",
                                dir.resolve("second.key").toString())
                        .exitCode)
                .isZero();
        Run run = Run.cli(
                config(),
                "setup",
                "--dev-key",
                "--key-out",
                dir.resolve("dev.key").toString());
        assertThat(run.exitCode).as(run.toString()).isZero();
        // the digest format keeps the rotation's old key inside the current version: a new version cannot drop it
        String old = java.nio.file.Files.readString(first).strip();
        assertThat(Digests.isRetiring(value(api), "live", old)).isTrue();
        assertThat(Digests.isCurrent(
                        value(api),
                        "live",
                        java.nio.file.Files.readString(dir.resolve("second.key"))
                                .strip()))
                .isTrue();
        assertThat(Digests.keys(value(api))).containsKey("dev");
    }

    @Test
    void switchingFromTheBundledFunctionToYours_storesThePlainStringYourFunctionReads() {
        String api = aws.amplifyApi();
        Path keyFile = dir.resolve("live.key");
        Run first = Run.cli(config(), "setup", "--api-id", api, "--key-out", keyFile.toString());
        assertThat(first.exitCode).isZero();
        String fn = Aws.unique("own");
        aws.userFunction(fn, Map.of());
        // the secret holds only a digest: the key your function compares must come from you
        Run refused = Run.cli(config(), "setup", "--function", fn);
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err).contains("only digests").contains("--key-file");
        assertThat(refused.writes()).isEmpty();
        Run mine = Run.cli(config(), "setup", "--function", fn, "--key-file", keyFile.toString());
        assertThat(mine.exitCode).as(mine.toString()).isZero();
        String live;
        try {
            live = java.nio.file.Files.readString(keyFile).strip();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(value(api)).isEqualTo(live);
        assertThat(Run.cli(config(), "setup", "--function", fn).writes()).isEmpty();
    }

    @Test
    void regionContradictingTheConfig_isRefusedWithoutAnyCall() {
        String api = aws.amplifyApi();
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();
        Run run = Run.raw(
                "",
                Map.of(),
                "teardown",
                "--yes",
                "--region",
                "eu-west-1",
                "--endpoint-url",
                LocalAws.endpoint(),
                "--config",
                config().toString());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("us-east-1").contains("eu-west-1");
        assertThat(run.operations).isEmpty();
        Run envRegion = Run.raw(
                "",
                Map.of("AWS_REGION", "eu-west-1"),
                "verify",
                "--endpoint-url",
                LocalAws.endpoint(),
                "--config",
                config().toString());
        assertThat(envRegion.exitCode)
                .as("the config's region beats AWS_REGION: " + envRegion)
                .isZero();
    }

    @Test
    void probeOverPlainHttpToAnotherHost_isRefused() {
        String api = aws.amplifyApi();
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();
        Run run = Run.cli(config(), "verify", "--probe-url", "http://example.com/");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("clear text");
    }

    @Test
    void secretWithoutACurrentValue_getsANewKeyShownOnce() {
        String api = aws.amplifyApi();
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();
        String id = "secure-api/" + api + "/api-key";
        var stages = aws.secrets.describeSecret(r -> r.secretId(id)).versionIdsToStages();
        String current = stages.entrySet().stream()
                .filter(e -> e.getValue().contains("AWSCURRENT"))
                .findFirst()
                .orElseThrow()
                .getKey();
        aws.secrets.updateSecretVersionStage(
                r -> r.secretId(id).versionStage("AWSCURRENT").removeFromVersionId(current));

        Run run = Run.cli(config(), "setup");
        assertThat(run.exitCode).as(run.toString()).isZero();
        String key = SetupIT.keyFrom(run.out);
        assertThat(key).startsWith("sak_live_");
        assertThat(Digests.isCurrent(value(api), "live", key)).isTrue();
        assertThat(Run.cli(config(), "verify").exitCode).isZero();
    }

    @Test
    void teardown_detachesTheAuthorizerIdFromRestoredRoutes() {
        String api = aws.amplifyApi();
        assertThat(Run.cli(config(), "setup", "--api-id", api).exitCode).isZero();
        assertThat(Run.cli(config(), "teardown", "--yes").exitCode).isZero();
        var route = aws.route(api, "$default");
        assertThat(route.authorizationTypeAsString()).isEqualTo("NONE");
        assertThat(route.authorizerId()).isNullOrEmpty();
    }
}
