package io.secureapi.aws;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.error.ExitException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

class AwsCallTest {
    @Test
    void translate_anAnswerWithoutAnErrorCode_namesItsHttpStatus_neverNull() {
        AwsServiceException e = AwsServiceException.builder()
                .statusCode(500)
                .awsErrorDetails(AwsErrorDetails.builder().build())
                .build();
        ExitException x = AwsCall.translate("reading API abc", "us-east-1", e);
        assertThat(x.exitCode()).isEqualTo(ExitException.AWS);
        assertThat(x.getMessage())
                .isEqualTo("reading API abc (us-east-1): HTTP 500")
                .doesNotContain("null");
    }

    @Test
    void translate_kmsRefusingSecretsManager_namesTheKmsActionTheStatementAndTheKeyPolicy_andTheKeyWhenKnown() {
        AwsServiceException e = AwsServiceException.builder()
                .statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("AccessDeniedException")
                        .errorMessage("Access to KMS is not allowed")
                        .serviceName("SecretsManager")
                        .build())
                .build();
        ExitException read = AwsCall.translate("reading the AWSCURRENT value of secret s", "eu-west-1", e);
        assertThat(AwsCall.accessDenied(read)).isTrue();
        assertThat(read.getMessage())
                .contains(AwsCall.KMS_DENIED_MARK)
                .contains("the secret's customer managed KMS key");
        assertThat(read.hint())
                .contains("UseTheSecretsKmsKeyThroughSecretsManager")
                .contains("key policy");
        ExitException named = AwsCall.namingKey(read, "arn:aws:kms:eu-west-1:111122223333:key/k1");
        assertThat(named.getMessage()).contains("KMS key arn:aws:kms:eu-west-1:111122223333:key/k1");
        assertThat(AwsCall.namingKey(read, null)).isSameAs(read);
    }
}
