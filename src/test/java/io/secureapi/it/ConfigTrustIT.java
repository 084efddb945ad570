package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.config.ConfigFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * secure-api.json is input: a pull request that edits only the file cannot re-point the
 * protection. A value from the file that differs from what AWS has stops setup (exit 2, naming
 * both, before any write), also under --no-new-key as the Amplify hook runs it; the same value
 * given as a flag is accepted.
 */
class ConfigTrustIT {
    final Aws aws = new Aws();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    /** The file as a pull request would leave it: one field of the only entry changed. */
    void edit(String field, Object value) {
        ConfigFile f = ConfigFile.read(config()).orElseThrow();
        f.withField(f.names().get(0), field, value).write();
    }

    void refused(Run r, String field, String... mentions) {
        assertThat(r.exitCode).as(r.toString()).isEqualTo(2);
        assertThat(r.err).contains("error: ").contains(field).contains("next: ");
        for (String m : mentions) assertThat(r.err).contains(m);
        assertThat(r.writes()).as(r.toString()).isEmpty();
    }

    @Test
    void aFunctionSwappedInTheFile_isRefused_butTheSameChangeAsAFlagIsAccepted() throws Exception {
        String api = aws.amplifyApi();
        String mine = Aws.unique("own-authorizer");
        String mineArn = aws.userFunction(mine, Map.of());
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--function",
                mine,
                "--key-out",
                dir.resolve("k").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        // another function, one that answers isAuthorized: true to anyone
        String evil = Aws.unique("yes-authorizer");
        String evilArn = aws.userFunction(evil, Map.of());
        edit("functionArn", evilArn);
        refused(Run.cli(config(), "setup", "--no-new-key"), "functionArn", evilArn, mine);
        String authorizer =
                aws.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0).authorizerUri();
        assertThat(authorizer).contains(mineArn).doesNotContain(evil);

        // the same change, asked for as a flag, is the user's: accepted
        Run flagged = Run.cli(config(), "setup", "--no-new-key", "--function", evil);
        assertThat(flagged.exitCode).as(flagged.toString()).isZero();
        // the secret policy follows the new function's role, and the plan says so
        assertThat(flagged.out).contains("the current role of function " + evil);
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(api)).items().get(0).authorizerUri())
                .contains(evilArn);
    }

    @Test
    void excludedRoutesSecretAndForwardedHeaderFromTheFile_mustMatchAws() throws Exception {
        String api = aws.amplifyApi();
        Run setup = Run.cli(
                config(),
                "setup",
                "--api-id",
                api,
                "--forward-key-name",
                "X-Consumer",
                "--key-out",
                dir.resolve("k").toString());
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        String before = java.nio.file.Files.readString(config());

        edit("excludedRoutes", List.of("$default"));
        refused(Run.cli(config(), "setup", "--no-new-key"), "excludedRoutes", "$default");
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
        java.nio.file.Files.writeString(config(), before);

        edit("secretName", "secure-api/someone-else/api-key");
        refused(
                Run.cli(config(), "setup", "--no-new-key"),
                "secretName",
                "secure-api/someone-else/api-key",
                "secure-api/" + api + "/api-key");
        java.nio.file.Files.writeString(config(), before);

        edit("forwardKeyName", "X-Other");
        refused(Run.cli(config(), "setup", "--no-new-key"), "forwardKeyName", "X-Other", "X-Consumer");
        // as a flag: accepted
        Run flagged = Run.cli(config(), "setup", "--no-new-key", "--forward-key-name", "X-Other");
        assertThat(flagged.exitCode).as(flagged.toString()).isZero();

        java.nio.file.Files.writeString(config(), before);
        Run same = Run.cli(config(), "setup", "--no-new-key", "--forward-key-name", "X-Consumer");
        assertThat(same.exitCode).as(same.toString()).isZero();
    }
}
