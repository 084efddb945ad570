package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the post-push hook relies on, and the installed hook itself run by bash with Amplify's stdin. */
class AmplifyHookIT {
    final Aws aws = new Aws();
    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    @Test
    void setupNoNewKey_whenAKeyWouldBeGenerated_isExit2WithoutAnyWrite_andOtherwiseRepairs() {
        String api = aws.amplifyApi();
        Run first = Run.cli(config(), "setup", "--api-id", api, "--key-out", dir.resolve("key").toString());
        assertThat(first.exitCode).as(first.toString()).isZero();

        // a later push resets a route: repaired without a new key
        String route = aws.route(api, "$default").routeId();
        aws.apigw.updateRoute(r -> r.apiId(api).routeId(route).authorizationType("NONE").authorizerId(""));
        Run repair = Run.cli(config(), "setup", "--no-new-key");
        assertThat(repair.exitCode).as(repair.toString()).isZero();
        assertThat(aws.route(api, "$default").authorizationTypeAsString()).isEqualTo("CUSTOM");
        assertThat(repair.out).doesNotContain("sak_");

        // the secret is gone: setup would have to make a key, and a hook's output lands in build logs
        aws.secrets.deleteSecret(r -> r.secretId("secure-api/" + api + "/api-key").forceDeleteWithoutRecovery(true));
        aws.apigw.updateRoute(r -> r.apiId(api).routeId(route).authorizationType("NONE").authorizerId(""));
        Run refused = Run.cli(config(), "setup", "--no-new-key");
        assertThat(refused.exitCode).as(refused.toString()).isEqualTo(2);
        assertThat(refused.writes()).as("refused before any write: " + refused.operations).isEmpty();
        assertThat(refused.err).contains("error: ").contains("--no-new-key").contains("next: ");
        assertThat(refused.all()).doesNotContain("sak_");
        assertThat(aws.secrets.listSecrets().secretList()).noneMatch(s -> s.name().equals("secure-api/" + api + "/api-key"));
    }
}
