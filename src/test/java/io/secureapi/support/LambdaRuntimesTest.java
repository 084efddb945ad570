package io.secureapi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LambdaRuntimesTest {
    @Test
    void everyDateInTheFile_asOfAndTheSchedules_readsAsJavaTimeReadsIt() throws Exception {
        String file;
        try (InputStream in = LambdaRuntimes.class.getResourceAsStream("/lambda-runtimes.json")) {
            file = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("\"(\\d{4}-\\d{2}-\\d{2})\"").matcher(file);
        int dates = 0;
        while (m.find()) {
            assertThat(LambdaRuntimes.date(m.group(1))).isEqualTo(LocalDate.parse(m.group(1)));
            dates++;
        }
        assertThat(dates).isGreaterThan(10);
    }

    @Test
    void somethingElse_isRefused_namingTheFile() {
        for (String bad : new String[] {
            "2025-3-31",
            "2025/03/31",
            "2025-02-30",
            "20x5-03-31",
            "2025-03-311",
            "2025-+3-31",
            "+025-03-31",
            "2025-0\u0663-31"
        }) {
            assertThatThrownBy(() -> LambdaRuntimes.date(bad))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("lambda-runtimes.json")
                    .hasMessageContaining(bad);
        }
        assertThat(LambdaRuntimes.date(null)).isNull();
    }
}
