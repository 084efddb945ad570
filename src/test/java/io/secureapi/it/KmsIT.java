package io.secureapi.it;

import static io.secureapi.it.FaultProxy.Fault.ACCESS_DENIED;
import static io.secureapi.it.FaultProxy.op;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * A secret encrypted with a customer-managed KMS key: the reader's role needs kms:Decrypt on it. In a
 * region of its own: setup on a secret it did not create checks every HTTP API of the region for
 * another authorizer reading it (see {@link Aws#Aws(String)}).
 */
class KmsIT {
    static final String REGION = "eu-west-3";
    final Aws aws = new Aws(REGION);
    final KmsClient kms = KmsClient.builder()
            .region(Region.of(REGION))
            .endpointOverride(URI.create(LocalAws.endpoint()))
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .build();

    @TempDir
    Path dir;

    Path config() {
        return dir.resolve("secure-api.json");
    }

    /** A customer-managed key with an alias; returns its ARN. */
    String key(String alias, String policy) {
        var req = software.amazon.awssdk.services.kms.model.CreateKeyRequest.builder()
                .description("test key");
        if (policy != null) req.policy(policy);
        String arn = kms.createKey(req.build()).keyMetadata().arn();
        kms.createAlias(r -> r.aliasName(alias).targetKeyId(arn));
        return arn;
    }

    String secretWithKey(String name, String kmsKeyId) {
        return aws.secrets
                .createSecret(r ->
                        r.name(name).secretString("sak_test_" + "k".repeat(40)).kmsKeyId(kmsKeyId))
                .arn();
    }

    /** The policy document as text, URL-decoded (IAM returns it encoded), whitespace removed; read without the tool's parser. */
    static String document(String policy) {
        String json = policy.startsWith("%") ? URLDecoder.decode(policy, StandardCharsets.UTF_8) : policy;
        return json.replaceAll("\\s+", "");
    }

    @Test
    void bundled_secretWithCustomerKeyByAlias_roleGetsDecryptOnTheKeyArn_scopedToSecretsManagerAndTheSecret()
            throws Exception {
        String api = aws.amplifyApi();
        String alias = "alias/" + Aws.unique("sa");
        String keyArn = key(alias, null);
        String secretArn = secretWithKey("secure-api/" + api + "/api-key", alias);

        Run run = Run.cliIn(REGION, config(), "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        String role = "secure-api-authorizer-" + api;
        String doc = aws.iam
                .getRolePolicy(r -> r.roleName(role).policyName("secure-api-authorizer-kms"))
                .policyDocument();
        assertThat(document(doc))
                .contains("\"Effect\":\"Allow\"")
                .contains("\"Action\":\"kms:Decrypt\"")
                .contains("\"Resource\":\"" + keyArn + "\"")
                .contains("\"kms:ViaService\":\"secretsmanager." + REGION + ".amazonaws.com\"")
                .contains("\"kms:EncryptionContext:SecretARN\":\"" + secretArn + "\"");
        assertThat(run.err).doesNotContain("warning:");

        Run again = Run.cliIn(REGION, config(), "setup", "--api-id", api);
        assertThat(again.writes()).as("converged " + again).isEmpty();

        Run verify = Run.cliIn(REGION, config(), "verify", "--output", "json");
        assertThat(VerifyIT.status(VerifyIT.checks(verify), "secret.kms"))
                .as(verify.toString())
                .isEqualTo("pass");

        Run teardown = Run.cliIn(REGION, config(), "teardown", "--yes");
        assertThat(teardown.exitCode).as(teardown.toString()).isZero();
        assertThat(aws.iam.listRoles().roles()).noneMatch(r -> r.roleName().equals(role));
    }

    @Test
    void bundled_keyPolicyThatDoesNotEnableIam_warnsWithTheStatementTheKeyOwnerMustAdd() {
        String api = aws.amplifyApi();
        String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AdminOnly\",\"Effect\":\"Allow\","
                + "\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:user/admin\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}";
        String keyArn = key("alias/" + Aws.unique("sa"), policy);
        secretWithKey("secure-api/" + api + "/api-key", keyArn);
        Run run = Run.cliIn(REGION, config(), "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.err)
                .contains("warning: the key policy of KMS key " + keyArn + " does not let IAM policies grant access")
                .contains("the key's owner must add")
                .contains(
                        "\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:role/secure-api-authorizer-" + api + "\"}");
        Run verify = Run.cliIn(REGION, config(), "verify", "--output", "json");
        var check = VerifyIT.checks(verify).get("secret.kms");
        assertThat(check.get("status")).isEqualTo("fail");
        assertThat((String) check.get("fix")).contains("key's owner must also add to the key policy");
    }

    @Test
    void userFunction_roleWithoutDecrypt_failsSecretKms_withTheExactStatement_thenPassesOnceAdded() throws Exception {
        String api = aws.amplifyApi();
        String keyArn = key("alias/" + Aws.unique("sa"), null);
        String keyId = keyArn.substring(keyArn.lastIndexOf('/') + 1);
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        String secretName = Aws.unique("kms-secret");
        String secretArn = secretWithKey(secretName, keyId);
        Run run = Run.cliIn(REGION, config(), "setup", "--api-id", api, "--function", fn, "--secret-name", secretName);
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.err).contains("customer-managed KMS key " + keyArn);

        Run verify = Run.cliIn(REGION, config(), "verify", "--output", "json");
        assertThat(verify.exitCode).isEqualTo(1);
        var check = VerifyIT.checks(verify).get("secret.kms");
        assertThat(check.get("status")).isEqualTo("fail");
        String fix = (String) check.get("fix");
        assertThat(fix)
                .contains("add this statement to a policy of role arn:aws:iam::123456789012:role/" + fn + "-role")
                .contains("\"Action\":\"kms:Decrypt\"")
                .contains("\"Resource\":\"" + keyArn + "\"")
                .contains("\"kms:EncryptionContext:SecretARN\":\"" + secretArn + "\"");

        String statement = fix.substring(fix.indexOf('{'));
        aws.iam.putRolePolicy(r -> r.roleName(fn + "-role")
                .policyName("decrypt")
                .policyDocument("{\"Version\":\"2012-10-17\",\"Statement\":[" + statement + "]}"));
        Run after = Run.cliIn(REGION, config(), "verify", "--output", "json");
        assertThat(VerifyIT.status(VerifyIT.checks(after), "secret.kms"))
                .as(after.toString())
                .isEqualTo("pass");
    }

    @Test
    void userFunction_attachedManagedPolicyGrantingDecrypt_passes() {
        String api = aws.amplifyApi();
        String keyArn = key("alias/" + Aws.unique("sa"), null);
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        String policyArn = aws.iam
                .createPolicy(r -> r.policyName(Aws.unique("decrypt"))
                        .policyDocument(
                                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\""
                                        + keyArn + "\"}]}"))
                .policy()
                .arn();
        aws.iam.attachRolePolicy(r -> r.roleName(fn + "-role").policyArn(policyArn));
        String secretName = Aws.unique("kms-secret");
        secretWithKey(secretName, keyArn);
        assertThat(Run.cliIn(REGION, config(), "setup", "--api-id", api, "--function", fn, "--secret-name", secretName)
                        .exitCode)
                .isZero();
        Run verify = Run.cliIn(REGION, config(), "verify", "--output", "json");
        assertThat(VerifyIT.status(VerifyIT.checks(verify), "secret.kms"))
                .as(verify.toString())
                .isEqualTo("pass");
    }

    @Test
    void userFunction_rolePoliciesUnreadable_warns() {
        String api = aws.amplifyApi();
        String keyArn = key("alias/" + Aws.unique("sa"), null);
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        String secretName = Aws.unique("kms-secret");
        secretWithKey(secretName, keyArn);
        assertThat(Run.cliIn(REGION, config(), "setup", "--api-id", api, "--function", fn, "--secret-name", secretName)
                        .exitCode)
                .isZero();
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            proxy.fail(op("ListRolePolicies"), ACCESS_DENIED, -1);
            Run verify = Run.viaIn(REGION, proxy.endpoint(), config(), "", false, "verify", "--output", "json");
            var check = VerifyIT.checks(verify).get("secret.kms");
            assertThat(check.get("status")).as(verify.toString()).isEqualTo("warn");
            assertThat((String) check.get("message")).contains("cannot tell").contains("AccessDenied");
        }
    }

    @Test
    void keyThatCannotBeDescribed_warnsInVerify() {
        String api = aws.amplifyApi();
        String keyArn = key("alias/" + Aws.unique("sa"), null);
        String fn = Aws.unique("fn");
        aws.userFunction(fn, Map.of());
        String secretName = Aws.unique("kms-secret");
        secretWithKey(secretName, keyArn);
        assertThat(Run.cliIn(REGION, config(), "setup", "--api-id", api, "--function", fn, "--secret-name", secretName)
                        .exitCode)
                .isZero();
        try (FaultProxy proxy = FaultProxy.start(LocalAws.endpoint())) {
            proxy.fail(op("TrentService.DescribeKey"), ACCESS_DENIED, -1);
            Run verify = Run.viaIn(REGION, proxy.endpoint(), config(), "", false, "verify", "--output", "json");
            var check = VerifyIT.checks(verify).get("secret.kms");
            assertThat(check.get("status")).as(verify.toString()).isEqualTo("warn");
            assertThat((String) check.get("message")).contains("kms:DescribeKey");
        }
    }

    @Test
    void awsManagedKey_needsNothing_andSecretKmsIsLeftOut() {
        String api = aws.amplifyApi();
        Run run = Run.cliIn(REGION, config(), "setup", "--api-id", api);
        assertThat(run.exitCode).as(run.toString()).isZero();
        String role = "secure-api-authorizer-" + api;
        try {
            aws.iam.getRolePolicy(r -> r.roleName(role).policyName("secure-api-authorizer-kms"));
            throw new AssertionError("no KMS policy expected for the AWS-managed key");
        } catch (NoSuchEntityException expected) {
            // nothing granted
        }
        assertThat(VerifyIT.checks(Run.cliIn(REGION, config(), "verify", "--output", "json")))
                .doesNotContainKey("secret.kms");
    }
}
