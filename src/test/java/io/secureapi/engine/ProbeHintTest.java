package io.secureapi.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.model.Check;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When nothing answers the probe, the hint names the stage the URL calls, never one the API lacks. */
class ProbeHintTest {
    /** A loopback port nothing listens on. */
    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void unreachableProbe_onAnApiWithOnlyStageProd_namesStageProd() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + closedPort() + "/prod/items");
        List<Check> checks = Probe.run(url, "Authorization", Verify.ProbeKeySource.none("no key"), "prod");
        assertThat(checks).hasSize(1);
        assertThat(checks.get(0).fix()).contains("stage prod").doesNotContain("$default");
    }

    @Test
    void unreachableProbeUrlGivenByTheUser_namesNoStageItCannotKnow() throws Exception {
        URI url = URI.create("http://127.0.0.1:" + closedPort() + "/");
        List<Check> checks = Probe.run(url, "Authorization", Verify.ProbeKeySource.none("no key"));
        assertThat(checks.get(0).fix()).contains("the stage it calls").doesNotContain("$default");
    }
}
