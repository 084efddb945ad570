package io.secureapi.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secret another API's authorizer already reads is refused before any write, naming that API. In a
 * region of its own: the check for an untagged secret reads every HTTP API of the region (see
 * {@link Aws#Aws(String)}).
 */
class SharedSecretIT {
    static final String REGION = "us-east-2";
    final Aws aws = new Aws(REGION);

    @TempDir
    Path dir;

    static void assertRefusedNaming(Run run, String otherApi) {
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        String error =
                run.err.lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        assertThat(error).contains("already read by API " + otherApi).contains(REGION);
        assertThat(run.err).contains("next: ").contains("--secret-name");
        assertThat(run.writes()).as("refused before any write").isEmpty();
    }

    @Test
    void secretCreatedForAnotherApi_isRefusedNamingIt() {
        String apiA = aws.amplifyApi();
        String apiB = aws.amplifyApi();
        String shared = Aws.unique("shared");
        Run a = Run.cliIn(REGION, dir.resolve("a.json"), "setup", "--api-id", apiA, "--secret-name", shared);
        assertThat(a.exitCode).as(a.toString()).isZero();

        Run b = Run.cliIn(REGION, dir.resolve("b.json"), "setup", "--api-id", apiB, "--secret-name", shared);
        assertRefusedNaming(b, apiA);
        assertThat(aws.apigw.getAuthorizers(r -> r.apiId(apiB)).items()).isEmpty();
        assertThat(aws.secrets.getResourcePolicy(r -> r.secretId(shared)).resourcePolicy())
                .contains("secure-api-authorizer-" + apiA)
                .doesNotContain("secure-api-authorizer-" + apiB);
    }

    @Test
    void untaggedSecretReadByAnotherApisAuthorizerFunction_isRefusedNamingIt() {
        String apiA = aws.amplifyApi();
        String apiB = aws.amplifyApi();
        String name = Aws.unique("hand-made-secret");
        aws.secrets.createSecret(r -> r.name(name).secretString("m".repeat(40)));
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        Run a = Run.cliIn(
                REGION, dir.resolve("a.json"), "setup", "--api-id", apiA, "--function", fn, "--secret-name", name);
        assertThat(a.exitCode).as(a.toString()).isZero();

        Run b = Run.cliIn(REGION, dir.resolve("b.json"), "setup", "--api-id", apiB, "--secret-name", name);
        assertRefusedNaming(b, apiA);
        assertThat(b.err).contains(fn);
    }

    @Test
    void ownSecret_rerun_isNotRefused() {
        String api = aws.amplifyApi();
        String name = Aws.unique("mine");
        aws.secrets.createSecret(r -> r.name(name).secretString("m".repeat(40)));
        Path config = dir.resolve("c.json");
        assertThat(Run.cliIn(REGION, config, "setup", "--api-id", api, "--secret-name", name).exitCode)
                .isZero();
        Run again = Run.cliIn(REGION, config, "setup", "--api-id", api, "--secret-name", name);
        assertThat(again.exitCode).as(again.toString()).isZero();
        assertThat(again.writes()).isEmpty();
    }

    @Test
    void untaggedSecretWhosePolicyLetsAForeignRoleRead_isRefusedNamingTheRole() {
        String api = aws.amplifyApi();
        String name = Aws.unique("hand-made-secret");
        String arn = aws.secrets
                .createSecret(r -> r.name(name).secretString("m".repeat(40)))
                .arn();
        String otherFn = Aws.unique("other");
        aws.userFunction(otherFn, Map.of());
        String foreignRole = "arn:aws:iam::123456789012:role/" + otherFn + "-role";
        aws.secrets.putResourcePolicy(r -> r.secretId(arn)
                .resourcePolicy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":"
                        + "\"SecureApiAuthorizerRead\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + foreignRole
                        + "\"},"
                        + "\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"));

        Run run = Run.cliIn(REGION, dir.resolve("d.json"), "setup", "--api-id", api, "--secret-name", name);
        assertThat(run.exitCode).as(run.toString()).isEqualTo(2);
        assertThat(run.err).contains("already read by another authorizer").contains(foreignRole);
        assertThat(run.writes()).isEmpty();
    }

    @Test
    void switchingThisApisOwnFunction_isNotASharedSecret() {
        String api = aws.amplifyApi();
        String name = Aws.unique("hand-made-secret");
        aws.secrets.createSecret(r -> r.name(name).secretString("m".repeat(40)));
        String fnA = Aws.unique("fna");
        String fnB = Aws.unique("fnb");
        aws.userFunction(fnA, Map.of());
        aws.userFunction(fnB, Map.of());
        assertThat(Run.cliIn(
                                REGION,
                                dir.resolve("e.json"),
                                "setup",
                                "--api-id",
                                api,
                                "--function",
                                fnA,
                                "--secret-name",
                                name)
                        .exitCode)
                .isZero();
        Run b = Run.cliIn(
                REGION, dir.resolve("f.json"), "setup", "--api-id", api, "--function", fnB, "--secret-name", name);
        assertThat(b.exitCode).as(b.toString()).isZero();
        assertThat(aws.secrets.getResourcePolicy(r -> r.secretId(name)).resourcePolicy())
                .contains(fnB + "-role");
    }
}
