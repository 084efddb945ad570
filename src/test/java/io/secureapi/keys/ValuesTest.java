package io.secureapi.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.error.ExitException;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Arns;
import io.secureapi.support.BundledAuthorizer;
import io.secureapi.support.Json;
import io.secureapi.support.Policies;
import io.secureapi.support.PolicyDocument;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValuesTest {
    @Test
    void json_roundTripsNestedValuesAndEscapes() {
        String text = "{\"a\":[1,2.5,true,null,\"x\\\"y\\n\\u00e9\"],\"b\":{}}";
        Object v = Json.parse(text);
        assertThat(Json.parse(Json.write(v))).isEqualTo(v);
        assertThat(Json.parse(Json.pretty(v))).isEqualTo(v);
        assertThat(((Map<?, ?>) v).get("a"))
                .isEqualTo(java.util.Arrays.asList(1L, new java.math.BigDecimal("2.5"), true, null, "x\"y\né"));
    }

    @Test
    void json_rejectsGarbage() {
        assertThatThrownBy(() -> Json.parse("{\"a\":")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.parse("[1] x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void generatedKeys_areLongUrlSafeAndDistinct() {
        ApiKey a = ApiKey.generate("live");
        ApiKey b = ApiKey.generate("live");
        assertThat(a.reveal()).matches("sak_live_[A-Za-z0-9]{49}");
        assertThat(a.reveal()).isNotEqualTo(b.reveal());
    }

    @Test
    void suppliedKeys_areValidatedWithoutEchoingThem() {
        assertThatThrownBy(() -> ApiKey.of("short-secret", "test")).hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> ApiKey.of("a".repeat(40) + " b", "test")).hasMessageNotContaining("aaaa");
        assertThat(ApiKey.of("  " + "k".repeat(40) + "\n", "test").reveal()).isEqualTo("k".repeat(40));
        String good = ApiKey.generate("partner-b").reveal();
        assertThat(ApiKey.of(good, "test").reveal()).isEqualTo(good);
        String changed = good.substring(0, good.length() - 1) + (good.endsWith("A") ? "B" : "A");
        assertThatThrownBy(() -> ApiKey.of(changed, "test"))
                .hasMessageContaining("checksum is wrong")
                .hasMessageNotContaining(changed)
                .isInstanceOfSatisfying(
                        ExitException.class, e -> assertThat(e.exitCode()).isEqualTo(2));
    }

    @Test
    void secretValue_readsJsonOrPlainString() {
        assertThat(SecretValue.keys("{\"live\":\"L\",\"dev\":\"D\"}"))
                .containsEntry("live", "L")
                .containsEntry("dev", "D");
        assertThat(SecretValue.keys("plain-key")).containsExactly(Map.entry("live", "plain-key"));
        assertThat(SecretValue.format(Map.of("live", "L"), true)).isEqualTo("L");
    }

    @Test
    void policyDocument_decodesIamUrlEncodingAndComparesByMeaning() {
        PolicyDocument p = PolicyDocument.parse("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D");
        assertThat(p.size()).isZero();
        Map<String, Object> a =
                Json.parseObject("{\"Effect\":\"Allow\",\"Action\":[\"x:Y\"],\"Principal\":{\"AWS\":\"r\"}}");
        Map<String, Object> b =
                Json.parseObject("{\"Principal\":{\"AWS\":[\"r\"]},\"Action\":\"x:Y\",\"Effect\":\"Allow\"}");
        assertThat(PolicyDocument.sameStatement(a, b)).isTrue();
    }

    @Test
    void arns_parseAndBuildWithTheGivenPartition() {
        Arns.Parsed p =
                Arns.parse("arn:aws-us-gov:lambda:us-gov-west-1:123:function:f").orElseThrow();
        assertThat(p.partition()).isEqualTo("aws-us-gov");
        assertThat(Wiring.nameOf("arn:aws:lambda:us-east-1:1:function:my-fn:live"))
                .isEqualTo("my-fn");
        assertThat(Wiring.nameOf("my-fn")).isEqualTo("my-fn");
        assertThat(Arns.authorizerSourceArn("aws-cn", "cn-north-1", "1", "api", "au"))
                .isEqualTo("arn:aws-cn:execute-api:cn-north-1:1:api/authorizers/au");
    }

    @Test
    void policies_templatesHaveNoUnfilledVariables() {
        String s = Policies.compact(
                "authorizer-logs.json", Map.of("partition", "aws", "region", "r", "account", "1", "functionName", "f"));
        assertThat(s).contains("arn:aws:logs:r:1:log-group:/aws/lambda/f").doesNotContain("${");
        assertThatThrownBy(() -> Policies.template("authorizer-logs.json", Map.of()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void bundledZip_isReproducible() {
        assertThat(BundledAuthorizer.codeSha256()).isEqualTo(BundledAuthorizer.codeSha256());
        // route scopes (matching, stage stripping, refused encodings) brought the stored zip to ~13 KB: still "a few
        // KB"
        assertThat(BundledAuthorizer.zip().length).isLessThan(16_000);
    }
}
