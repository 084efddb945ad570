package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.model.Check;
import io.secureapi.model.Verification;
import io.secureapi.support.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class VerifyReportTest {
    static Verification sample() {
        return new Verification(
                "api1",
                "us-east-1",
                List.of(
                        Check.pass("api.http", "API api1", "API api1 is an HTTP API"),
                        Check.fail(
                                        "routes.protected",
                                        "API api1 routes",
                                        "1 of 2 routes <not> protected & \"quoted\"\u0001",
                                        "run secure-api setup")
                                .withDetails(List.of("\"POST /a\": no authorization (public)")),
                        Check.warn("function.runtime", "Lambda function f", "f runs on nodejs14.x", "move it")),
                List.of(new Verification.Note("authorizer.ttl", "up to 360 s")));
    }

    @Test
    void junit_isWellFormed_withOneFailureAndWarningsAsOutput() throws Exception {
        String xml = VerifyReport.junit(sample(), Duration.ofMillis(1234));
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getElementsByTagName("testcase").getLength()).isEqualTo(3);
        assertThat(doc.getElementsByTagName("failure").getLength()).isEqualTo(1);
        assertThat(doc.getElementsByTagName("failure")
                        .item(0)
                        .getAttributes()
                        .getNamedItem("message")
                        .getNodeValue())
                .isEqualTo("1 of 2 routes <not> protected & \"quoted\"");
        assertThat(doc.getDocumentElement().getAttribute("time")).isEqualTo("1.234");
        assertThat(xml).contains("warning: f runs on nodejs14.x");
    }

    @Test
    void json_hasTheStableSchema() {
        Map<String, Object> doc = Json.parseObject(VerifyReport.json(sample()));
        assertThat(doc.keySet())
                .containsExactly("command", "schemaVersion", "apiId", "region", "ok", "summary", "checks");
        assertThat(doc).containsEntry("ok", false);
        assertThat(doc.get("summary"))
                .isEqualTo(Map.of("total", 3L, "passed", 1L, "failed", 1L, "warnings", 1L, "skipped", 0L));
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) ((List<Object>) doc.get("checks")).get(0);
        assertThat(first.keySet()).containsExactly("id", "status", "resource", "message", "fix", "details");
    }

    @Test
    void text_isAChecklist_coloredOnlyWhenAsked() {
        String plain = VerifyReport.text(sample(), new Style(false));
        assertThat(plain)
                .contains("pass  api.http")
                .contains("FAIL  routes.protected")
                .contains("- \"POST /a\"")
                .contains("fix: run secure-api setup")
                .contains("WARN  function.runtime")
                .contains("info  authorizer.ttl")
                .contains("FAILED: 1 failed, 1 warning, 1 passed.")
                .doesNotContain("\u001b[");
        assertThat(VerifyReport.text(sample(), new Style(true))).contains("\u001b[31mFAIL");
    }
}
