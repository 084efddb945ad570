package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

class MainTest {
    static boolean aws(String line) {
        return Main.talksToAws(line.isEmpty() ? new String[0] : line.split(" "));
    }

    @Test
    void theWarmup_startsForACommandThatTalksToAws_notForHelpVersionOrLocalCommands() {
        assertThat(aws("setup --api-id abc123")).isTrue();
        assertThat(aws("--endpoint-url http://127.0.0.1:5000 --region us-east-1 verify"))
                .isTrue();
        assertThat(aws("keys add --name bubble")).isTrue();
        assertThat(aws("setup --help")).isFalse();
        assertThat(aws("help setup")).isFalse();
        assertThat(aws("--version")).isFalse();
        assertThat(aws("iam-policy setup")).isFalse();
        assertThat(aws("amplify-hook install")).isFalse();
        assertThat(aws("")).isFalse();
    }

    @Test
    void everyCommand_isKnownToTheWarmupsChoice() {
        Set<String> names = new HashSet<>();
        for (Class<?> c : SecureApiCli.COMMANDS)
            names.add(c.getAnnotation(Command.class).name());
        Set<String> known = new HashSet<>(Main.AWS_COMMANDS);
        known.addAll(Main.OTHER_COMMANDS);
        assertThat(known).isEqualTo(names);
    }
}
