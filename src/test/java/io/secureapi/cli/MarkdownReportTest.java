package io.secureapi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.secureapi.config.ProjectConfig;
import io.secureapi.error.ExitException;
import io.secureapi.model.Check;
import io.secureapi.model.Verification;
import java.util.List;
import org.junit.jupiter.api.Test;

/** verify's Markdown for a CI job summary: one table row per check, a pipe never breaks a row, failures say their fix. */
class MarkdownReportTest {
    static final Verification V = new Verification(
            "a1b2c3d4",
            "eu-west-1",
            List.of(
                    Check.pass("api.http", "API a1b2c3d4", "an HTTP API"),
                    Check.fail("routes.protected", "routes", "1 route | unprotected", "run secure-api setup")
                            .withDetails(List.of("POST /orders: no authorization")),
                    Check.warn("keys.expiring", "keys", "partner-a expires in 3 days", "secure-api rotate-key")),
            List.of());

    @Test
    void verify_isATableWithTheFixesUnderIt() {
        String md = MarkdownReport.verify(V);
        assertThat(md)
                .startsWith("### secure-api verify: API `a1b2c3d4` (eu-west-1)\n")
                .contains("**FAILED**")
                .contains("| ✅ | `api.http` | an HTTP API |")
                .contains("| ❌ | `routes.protected` | 1 route \\| unprotected |")
                .contains("| ⚠️ | `keys.expiring` |")
                .contains("- `routes.protected` — fix: `run secure-api setup`\n  - POST /orders: no authorization");
        assertThat(md.lines().filter(l -> l.startsWith("| ")).toList())
                .allSatisfy(l -> assertThat(l.replace("\\|", "")
                                .chars()
                                .filter(c -> c == '|')
                                .count())
                        .isEqualTo(4));
    }

    @Test
    void verifyAll_hasASectionPerEntry_andSaysWhichCouldNotBeChecked() {
        ProjectConfig c = new ProjectConfig(
                "a1b2c3d4",
                "eu-west-1",
                null,
                true,
                null,
                null,
                null,
                null,
                null,
                300,
                List.of(),
                List.of(),
                null,
                null);
        String md = MarkdownReport.verifyAll(List.of(
                new VerifyAll.Entry("dev", c, V, null),
                new VerifyAll.Entry("prod", c, null, new ExitException(3, "AccessDenied on GetApi", null, null))));
        assertThat(md)
                .contains("**FAILED**: 0 of 2 entries hold.")
                .contains("#### entry `dev`")
                .contains(
                        "#### entry `prod`: API `a1b2c3d4`\n\n**FAILED**: could not be checked: AccessDenied on GetApi");
    }
}
