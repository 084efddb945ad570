package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.it.Run;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** main answers --version before building the command tree: the answer must be picocli's, to the byte. */
@Isolated
class VersionFastPathTest {
    @Test
    void version_fromMain_isWhatPicocliPrints() throws Exception {
        for (String flag : new String[] {"--version", "-V"}) {
            PrintStream saved = System.out;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try {
                System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
                Main.main(new String[] {flag});
            } finally {
                System.setOut(saved);
            }
            Run viaPicocli = Run.raw("", Map.of(), flag);
            assertThat(bytes.toString(StandardCharsets.UTF_8))
                    .isEqualTo(viaPicocli.out)
                    .startsWith("secure-api ");
        }
    }
}
