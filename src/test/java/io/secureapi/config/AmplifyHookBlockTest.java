package io.secureapi.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The hook block names each place it looks for secure-api once. */
class AmplifyHookBlockTest {
    @Test
    void launcherInTheDefaultPlace_isSearchedOnce() {
        String block = AmplifyHook.block(AmplifyHook.DEFAULT_RELATIVE, null);
        String loop = block.lines()
                .filter(l -> l.strip().startsWith("for candidate in"))
                .findFirst()
                .orElseThrow();
        assertThat(loop).containsOnlyOnce(AmplifyHook.DEFAULT_RELATIVE);
        assertThat(block).containsOnlyOnce("PATH, $project/" + AmplifyHook.DEFAULT_RELATIVE + "):");
        assertThat(block).doesNotContain("@SECURE_API");
    }

    @Test
    void launcherElsewhereInTheProject_isSearchedFirst_thenTheDefaultPlace() {
        String block = AmplifyHook.block("tools/secure-api/bin/secure-api", null);
        assertThat(block)
                .contains("for candidate in \"$project/tools/secure-api/bin/secure-api\" \"$project/"
                        + AmplifyHook.DEFAULT_RELATIVE + "\"; do")
                .contains("PATH, $project/tools/secure-api/bin/secure-api, $project/" + AmplifyHook.DEFAULT_RELATIVE
                        + "):");
    }
}
