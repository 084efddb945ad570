package io.secureapi.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.error.ExitException;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuotaTest {
    @Test
    void parsesDayAndMonth_refusesTheRest() {
        assertThat(Quota.parse("100000/month", "--quota")).isEqualTo(new Quota(100_000, Quota.Period.MONTH));
        assertThat(Quota.parse(" 5000/DAY ", "--quota")).isEqualTo(new Quota(5_000, Quota.Period.DAY));
        for (String bad : new String[] {"0/day", "10/week", "lots", "-1/day", "10"}) {
            assertThatThrownBy(() -> Quota.parse(bad, "--quota"))
                    .isInstanceOf(ExitException.class)
                    .hasMessageContaining("is not a quota");
        }
    }

    @Test
    void statusIsWarningAt80PercentAndOverAt100_periodsAreUtcCalendarOnes() {
        Quota q = new Quota(100, Quota.Period.MONTH);
        assertThat(q.status(79)).isEqualTo("ok");
        assertThat(q.status(80)).isEqualTo("warning");
        assertThat(q.status(100)).isEqualTo("over");
        assertThat(q.percent(81)).isEqualTo(81.0);
        Instant t = Instant.parse("2026-12-07T23:59:59Z");
        assertThat(Quota.Period.MONTH.start(t)).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(Quota.Period.DAY.start(t)).isEqualTo(Instant.parse("2026-12-07T00:00:00Z"));
    }

    @Test
    void disabledAndQuotaRoundTripThroughTheDocument_andAreAbsentWhenUnset() {
        DigestSecret d = DigestSecret.empty();
        Instant at = Instant.parse("2026-12-07T10:00:00Z");
        DigestSecret.Entry plain = new DigestSecret.Entry("a".repeat(64), at, null, null);
        d = d.with("plain", plain)
                .with(
                        "held",
                        plain.withDisabled(new DigestSecret.Disabled("enforce", at))
                                .withQuota(new Quota(10, Quota.Period.DAY)));
        String json = d.toJson();
        DigestSecret back = DigestSecret.parse(json, "s");
        assertThat(back.get("held").disabled()).isEqualTo(new DigestSecret.Disabled("enforce", at));
        assertThat(back.get("held").disabled().byEnforce()).isTrue();
        assertThat(back.get("held").quota()).isEqualTo(new Quota(10, Quota.Period.DAY));
        assertThat(back.get("plain")).isEqualTo(plain);
        @SuppressWarnings("unchecked")
        Map<String, Object> stored = (Map<String, Object>) ((Map<String, Object>)
                        io.secureapi.support.Json.parseObject(json).get("keys"))
                .get("plain");
        assertThat(stored).doesNotContainKeys("disabled", "quota");
        assertThatThrownBy(() -> DigestSecret.parse(json.replace("\"period\":\"day\"", "\"period\":\"week\""), "s"))
                .isInstanceOf(ExitException.class)
                .hasMessageContaining("unreadable quota");
    }
}
