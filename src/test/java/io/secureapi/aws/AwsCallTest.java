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
}
