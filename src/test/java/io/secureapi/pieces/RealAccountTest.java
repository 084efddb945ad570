package io.secureapi.pieces;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.config.Target;
import io.secureapi.engine.Verify;
import io.secureapi.model.State;
import io.secureapi.support.Arns;
import io.secureapi.support.Backoff;
import io.secureapi.support.LambdaRuntimes;
import io.secureapi.support.Names;
import io.secureapi.support.Progress;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Offline parts of the real-account behaviour: partitions, runtimes, backoff, qualifiers, KMS policy reading. */
class RealAccountTest {
    @Test
    void probeUrl_inChina_fallsBackToTheAmazonawsComCnEndpoint() {
        Target t = Target.fromConfig("api1", "cn-north-1", null);
        Wiring w = new Wiring(t, null, Progress.NONE, null);
        w.advance(b -> b.partition = "aws-cn");
        w.advance(b -> b.account = "111122223333");
        w.advance(b -> b.api = new State.Api("api1", "amp", "HTTP", null, false));
        assertThat(Verify.of(w).probeUrl()).hasToString("https://api1.execute-api.cn-north-1.amazonaws.com.cn/");
        assertThat(Arns.dnsSuffix("cn-northwest-1")).isEqualTo("amazonaws.com.cn");
        assertThat(Arns.dnsSuffix("us-gov-west-1")).isEqualTo("amazonaws.com");
    }

    @Test
    void bundledRuntime_isNodejs24_andNodejs22IsDeprecatedOn2027_04_30() {
        assertThat(Names.RUNTIME).isEqualTo("nodejs24.x");
        assertThat(LambdaRuntimes.schedule("nodejs22.x").orElseThrow().deprecated())
                .isEqualTo(LocalDate.of(2027, 4, 30));
        LocalDate aYearBefore = LambdaRuntimes.schedule(Names.RUNTIME)
                .orElseThrow()
                .deprecated()
                .minusYears(1);
        assertThat(LambdaRuntimes.AS_OF)
                .as("the bundled runtime is never within a year of its deprecation")
                .isBefore(aYearBefore);
    }

    @Test
    void backoff_givesUpAfterFiveMinutes_andReportsAtLeastEvery10Seconds() throws Exception {
        long[] now = {0};
        List<Duration> sleeps = new ArrayList<>();
        Backoff.Clock clock = new Backoff.Clock() {
            @Override
            public long nanoTime() {
                return now[0];
            }

            @Override
            public void sleep(Duration d) {
                sleeps.add(d);
                now[0] += d.toNanos();
            }
        };
        List<String> lines = new ArrayList<>();
        int retries = 0;
        try (AutoCloseable c = Backoff.useClock(clock)) {
            Backoff b = Backoff.iamPropagation();
            while (b.retry(lines::add, "waiting")) retries++;
        }
        assertThat(Duration.ofNanos(now[0]))
                .isLessThanOrEqualTo(Duration.ofMinutes(5))
                .isGreaterThan(Duration.ofMinutes(4));
        assertThat(sleeps).allMatch(d -> d.compareTo(Duration.ofSeconds(10)) < 0);
        assertThat(lines).hasSize(retries);
        assertThat(lines.get(lines.size() - 1)).contains(" s so far");
    }

    @Test
    void qualifier_comesFromAnAliasOrVersionArn_orNameColonQualifier() {
        assertThat(Wiring.qualifierOf("arn:aws:lambda:us-east-1:111122223333:function:fn:live"))
                .contains("live");
        assertThat(Wiring.qualifierOf("arn:aws:lambda:us-east-1:111122223333:function:fn:7"))
                .contains("7");
        assertThat(Wiring.qualifierOf("arn:aws:lambda:us-east-1:111122223333:function:fn"))
                .isEmpty();
        assertThat(Wiring.qualifierOf("fn:live")).contains("live");
        assertThat(Wiring.qualifierOf("fn")).isEmpty();
        assertThat(Wiring.nameOf("fn:live")).isEqualTo("fn");
        assertThat(FunctionPiece.baseArn("arn:aws:lambda:us-east-1:111122223333:function:fn:7"))
                .isEqualTo("arn:aws:lambda:us-east-1:111122223333:function:fn");
    }

    @Test
    void keyPolicy_defaultRootStatementEnablesIam_anAdminOnlyPolicyDoesNot() {
        String def =
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Enable IAM User Permissions\",\"Effect\":\"Allow\","
                        + "\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}";
        String admin =
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:user/admin\"},"
                        + "\"Action\":\"kms:*\",\"Resource\":\"*\"}]}";
        assertThat(KeyDecryptionPiece.enablesIam(def, "aws", "111122223333")).isTrue();
        assertThat(KeyDecryptionPiece.enablesIam(admin, "aws", "111122223333")).isFalse();
        assertThat(KeyDecryptionPiece.keyPolicyGrants(admin, "arn:aws:iam::111122223333:user/admin"))
                .isTrue();
        String key = "arn:aws:kms:us-east-1:111122223333:key/k1";
        assertThat(KeyDecryptionPiece.iamGrants(
                        List.of(
                                "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"kms:Decrypt\"],\"Resource\":\"*\"}}"),
                        key))
                .isTrue();
        assertThat(KeyDecryptionPiece.iamGrants(
                        List.of("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"kms:Encrypt\",\"Resource\":\"*\"}}"),
                        key))
                .isFalse();
        assertThat(KeyDecryptionPiece.iamGrants(
                        List.of("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"kms:Decrypt\",\"Resource\":"
                                + "\"arn:aws:kms:us-east-1:111122223333:key/other\"}}"),
                        key))
                .isFalse();
    }

    @Test
    void bundled_keyInAnotherAccount_warnsWithTheKeyPolicyStatementTheOwnerMustAdd() {
        Target t = Target.fromConfig("api1", "eu-west-1", null);
        Wiring w = new Wiring(t, null, Progress.NONE, null);
        w.advance(b -> b.partition = "aws");
        w.advance(b -> b.account = "111122223333");
        String secretArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:secure-api/api1/api-key-AbCdEf";
        w.advance(b -> b.secret = new State.Secret(secretArn, "secure-api/api1/api-key", null, java.util.Map.of()));
        KeyDecryptionPiece.Key key = new KeyDecryptionPiece.Key(
                "arn:aws:kms:eu-west-1:444455556666:key/k1", "444455556666", null, "AccessDenied on kms:GetKeyPolicy");
        List<String> warnings = KeyDecryptionPiece.warnings(w, key);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0))
                .contains("is in account 444455556666")
                .contains("the key's owner must add")
                .contains("\"AWS\":\"arn:aws:iam::111122223333:role/secure-api-authorizer-api1\"")
                .contains("\"kms:ViaService\":\"secretsmanager.eu-west-1.amazonaws.com\"")
                .contains("\"kms:EncryptionContext:SecretARN\":\"" + secretArn + "\"");
        w.advance(b -> b.kmsKey = key);
        String policy = KeyDecryptionPiece.desiredRolePolicy(w, key);
        assertThat(policy).contains("\"Resource\":\"arn:aws:kms:eu-west-1:444455556666:key/k1\"");
    }
}
