package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one reader of a typed line (teardown's and keys revoke's confirmations, a key typed on a terminal). */
class SessionTest {
    private static Session typing(String text) {
        PrintWriter none = new PrintWriter(new StringWriter());
        return new Session(
                none,
                none,
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
                Map.of(),
                List.of(),
                true,
                false);
    }

    @Test
    void readLine_isTheFirstLineStripped_evenFromWindows_andEmptyAtTheEnd() {
        Session s = typing("  abc123 \r\nsecond\n");
        assertThat(s.readLine()).isEqualTo("abc123");
        assertThat(s.readLine()).isEqualTo("second");
        assertThat(s.readLine()).isEmpty();
        assertThat(typing("partner-ä").readLine()).isEqualTo("partner-ä");
    }
}
