package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every printed next step carries the run's own selection. */
class NextStepTest {
    final NextStep.Selection live = new NextStep.Selection("live", null, null, null);

    @Test
    void aCommandCarriesTheEntryAndAConfigThatIsNotTheDefault() {
        assertThat(NextStep.command(live, "rotate-key --finish"))
                .isEqualTo("secure-api rotate-key --finish --env live");
        assertThat(NextStep.command(live, "rotate-key --finish --key partner-a"))
                .isEqualTo("secure-api rotate-key --finish --key partner-a --env live");
        assertThat(NextStep.command(new NextStep.Selection(null, "a1b2c3", "ops/my api.json", null), "verify"))
                .isEqualTo("secure-api verify --api-id a1b2c3 --config 'ops/my api.json'");
        assertThat(NextStep.command(NextStep.Selection.NONE, "verify")).isEqualTo("secure-api verify");
    }

    @Test
    void hintsFromAnywhereGetTheSelectionAfterTheirFlags_unlessTheyAlreadyPickAnApi() {
        assertThat(NextStep.complete(
                        "paste it into Bubble, then run secure-api rotate-key --finish; caches expire", live))
                .isEqualTo("paste it into Bubble, then run secure-api rotate-key --finish --env live; caches expire");
        assertThat(NextStep.complete("run secure-api setup --env prod to update it", live))
                .isEqualTo("run secure-api setup --env prod to update it");
        assertThat(NextStep.complete("run secure-api setup --deploy-stages to deploy them", live))
                .isEqualTo("run secure-api setup --deploy-stages --env live to deploy them");
        assertThat(NextStep.complete("run `secure-api keys add NAME` or secure-api verify", live))
                .isEqualTo("run `secure-api keys add --env live NAME` or secure-api verify --env live");
        assertThat(NextStep.complete(
                        "run secure-api setup first",
                        new NextStep.Selection(null, null, "/tmp/x/secure-api.json", null)))
                .isEqualTo("run secure-api setup --config /tmp/x/secure-api.json first");
        assertThat(NextStep.complete("check the secure-api.json file", live))
                .isEqualTo("check the secure-api.json file");
    }

    /** Printed as the user can run it: scripts/secure-api in a checkout, the short name once it is on PATH. */
    @Test
    void aCommandNamesTheLauncherAsItRunsFromHere(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path launcher =
                java.nio.file.Files.createDirectories(dir.resolve("scripts")).resolve("secure-api");
        java.nio.file.Files.writeString(launcher, "#!/bin/sh\n");
        launcher.toFile().setExecutable(true);
        java.nio.file.Path elsewhere = java.nio.file.Files.createDirectories(dir.resolve("elsewhere"));

        assertThat(NextStep.invocation(launcher.toString(), "/usr/bin", dir)).isEqualTo("scripts/secure-api");
        assertThat(NextStep.invocation(launcher.toString(), "/usr/bin", elsewhere))
                .isEqualTo(launcher.toAbsolutePath().toString());
        assertThat(NextStep.invocation(launcher.toString(), "/usr/bin:" + launcher.getParent(), elsewhere))
                .as("on PATH: the short name runs it")
                .isNull();
        assertThat(NextStep.invocation(null, "/usr/bin", dir))
                .as("java -jar: no launcher")
                .isNull();

        NextStep.Selection checkout = new NextStep.Selection("live", null, null, "scripts/secure-api");
        assertThat(NextStep.complete("run secure-api rotate-key --finish; secret secure-api/a1/api-key", checkout))
                .isEqualTo("run scripts/secure-api rotate-key --finish --env live; secret secure-api/a1/api-key");
        assertThat(NextStep.command(checkout, "keys enforce")).isEqualTo("scripts/secure-api keys enforce");
    }
}
