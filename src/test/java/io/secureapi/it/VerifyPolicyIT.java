package io.secureapi.it;

import static io.secureapi.it.FaultProxy.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * verify under policies/operator-verify.json without its optional ReadKeySecretValue statements:
 * AWS refuses GetSecretValue (or KMS refuses Secrets Manager the secret's key), and verify still
 * passes, with the two checks that need the value reported as skipped, naming the missing action.
 * The refusals come from the fault proxy as AWS words them: the emulator enforces no IAM.
 */
class VerifyPolicyIT {
    final Aws aws = new Aws();
    final FaultProxy proxy = FaultProxy.start(LocalAws.endpoint());

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        proxy.close();
    }

    Path config() {
        return dir.resolve("secure-api.json");
    }

    String setUp() {
        String api = aws.amplifyApi();
        Run setup = Run.cli(config(), "setup", "--api-id", api);
        assertThat(setup.exitCode).as(setup.toString()).isZero();
        return api;
    }

    @Test
    void withoutGetSecretValue_verifyPasses_andTheValueChecksAreSkippedNamingTheAction() throws Exception {
        setUp();
        proxy.failWith(
                op("secretsmanager.GetSecretValue"),
                400,
                "AccessDeniedException",
                "User is not authorized to perform: secretsmanager:GetSecretValue",
                -1);
        Path junit = dir.resolve("verify.xml");
        Run text = Run.via(
                proxy.endpoint(), config(), "", false, "verify", "--output", "junit", "--report", junit.toString());
        assertThat(text.exitCode).as(text.toString()).isZero();
        assertThat(text.out)
                .containsPattern("skip\\s+secret.plaintext\\s+.*the caller lacks secretsmanager:GetSecretValue")
                .containsPattern("skip\\s+keys.expiring")
                .contains("ReadKeySecretValue")
                .contains("2 skipped");
        String xml = Files.readString(junit);
        assertThat(xml).contains("skipped=\"2\"").contains("<skipped message=\"cannot tell what secret");

        Run json = Run.via(proxy.endpoint(), config(), "", false, "verify", "--output", "json");
        assertThat(json.exitCode).as(json.toString()).isZero();
        assertThat(json.out).contains("\"skipped\": 2").contains("\"status\": \"skip\"");
    }

    @Test
    void kmsRefusingSecretsManager_verifyPasses_andTheSkipNamesKmsDecrypt() {
        setUp();
        // what Secrets Manager answers when KMS refuses the caller the secret's key
        proxy.failWith(
                op("secretsmanager.GetSecretValue"), 400, "AccessDeniedException", "Access to KMS is not allowed", -1);
        Run run = Run.via(proxy.endpoint(), config(), "", false, "verify");
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out).containsPattern("skip\\s+secret.plaintext\\s+.*the caller lacks kms:Decrypt");
    }

    @Test
    void kmsRefusingSecretsManager_onAWrite_isExit3NamingTheKmsActionAndTheStatement() {
        setUp();
        proxy.failWith(
                op("secretsmanager.PutSecretValue"), 400, "AccessDeniedException", "Access to KMS is not allowed", -1);
        Run run = Run.via(proxy.endpoint(), config(), "", false, "keys", "add", "partner-x");
        assertThat(run.exitCode).as(run.toString()).isEqualTo(3);
        assertThat(run.err)
                .contains("kms:GenerateDataKey and kms:Decrypt")
                .contains("UseTheSecretsKmsKeyThroughSecretsManager")
                .contains("key policy");
    }
}
