package io.secureapi.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.engine.NamedKeys;
import io.secureapi.error.ExitException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DigestRotationTest {
    final Instant t0 = Instant.parse("2026-11-26T23:40:00Z");
    final ApiKey live = ApiKey.generate("live");
    final ApiKey partner = ApiKey.generate("partner-a");

    DigestSecret start() {
        DigestSecret d = DigestSecret.empty();
        d = d.with("live", d.entryFor(live, t0, null));
        return d.with("partner-a", d.entryFor(partner, t0, Instant.parse("2099-01-01T23:59:59Z")));
    }

    @Test
    void rotate_keepsTheOldKeyRetiringInTheSameValue_andKeepsAFutureExpiry() {
        ApiKey next = ApiKey.generate("partner-a");
        DigestSecret d = DigestRotation.rotate(start(), "s", "partner-a", next, t0.plusSeconds(60), false);
        assertThat(d.nameOf(next)).isEqualTo("partner-a");
        assertThat(d.nameOf(partner)).isEqualTo("partner-a");
        assertThat(d.get("partner-a").expires()).isEqualTo(Instant.parse("2099-01-01T23:59:59Z"));
        assertThat(d.get("live").rotating()).isFalse();
    }

    @Test
    void eachKeyRotatesOnItsOwn_finishingOneNeverEndsAnothersOverlap() {
        ApiKey live2 = ApiKey.generate("live");
        ApiKey partner2 = ApiKey.generate("partner-a");
        DigestSecret d = DigestRotation.rotate(start(), "s", "live", live2, t0, false);
        d = DigestRotation.rotate(d, "s", "partner-a", partner2, t0, false);
        assertThat(DigestRotation.rotating(d)).containsExactly("live", "partner-a");
        d = DigestRotation.finish(d, "live");
        assertThat(d.nameOf(live)).isNull();
        assertThat(d.nameOf(live2)).isEqualTo("live");
        assertThat(d.nameOf(partner)).as("partner-a's old key still accepted").isEqualTo("partner-a");
        assertThat(DigestRotation.rotating(d)).containsExactly("partner-a");
    }

    @Test
    void rotatingAgainBeforeFinish_isRefused_unlessForced() {
        DigestSecret d = DigestRotation.rotate(start(), "s", "live", ApiKey.generate("live"), t0, false);
        DigestSecret rotated = d;
        assertThatThrownBy(() -> DigestRotation.rotate(rotated, "s", "live", ApiKey.generate("live"), t0, false))
                .isInstanceOf(ExitException.class)
                .hasMessageContaining("not finished");
        DigestSecret forced = DigestRotation.rotate(d, "s", "live", ApiKey.generate("live"), t0, true);
        assertThat(forced.nameOf(live)).as("the first old key is dropped").isNull();
    }

    @Test
    void discard_makesTheRetiringKeyTheKeyAgain() {
        ApiKey unused = ApiKey.generate("live");
        DigestSecret before = start();
        DigestSecret d = DigestRotation.rotate(before, "s", "live", unused, t0.plusSeconds(5), false);
        DigestSecret back = DigestRotation.discard(d, "s", "live");
        assertThat(back.nameOf(live)).isEqualTo("live");
        assertThat(back.nameOf(unused)).isNull();
        assertThat(back.get("live")).isEqualTo(before.get("live"));
        assertThatThrownBy(() -> DigestRotation.discard(back, "s", "live")).isInstanceOf(ExitException.class);
    }

    @Test
    void unknownName_orAKeyOfAnotherName_isRefused() {
        assertThatThrownBy(() -> DigestRotation.rotate(start(), "s", "nobody", ApiKey.generate("nobody"), t0, false))
                .isInstanceOf(ExitException.class)
                .hasMessageContaining("no key named nobody");
        assertThatThrownBy(() -> DigestRotation.rotate(start(), "s", "live", partner, t0, false))
                .isInstanceOf(ExitException.class)
                .hasMessageContaining("partner-a key");
    }

    @Test
    void status_ordersExpiredRotatingExpiringActive() {
        Instant now = Instant.parse("2027-01-01T00:00:00Z");
        DigestSecret d = DigestSecret.empty();
        assertThat(NamedKeys.status(d.entryFor(live, t0, null), now)).isEqualTo("active");
        assertThat(NamedKeys.status(d.entryFor(live, t0, now.plusSeconds(86400 * 13)), now))
                .isEqualTo("expiring");
        assertThat(NamedKeys.status(d.entryFor(live, t0, now), now)).isEqualTo("expired");
        assertThat(NamedKeys.status(
                        d.entryFor(live, t0, null).withRetiring(new DigestSecret.Retiring("a".repeat(64), t0, null)),
                        now))
                .isEqualTo("rotating");
    }

    @Test
    void expiry_dateIsEndOfDayUtc_durationFromNow_pastAndGarbageRefused() {
        Instant now = Instant.parse("2026-11-26T23:40:00Z");
        assertThat(NamedKeys.parseExpiry("2027-03-31", now)).isEqualTo(Instant.parse("2027-03-31T23:59:59Z"));
        assertThat(NamedKeys.parseExpiry("90d", now)).isEqualTo(now.plusSeconds(90L * 86400));
        assertThat(NamedKeys.parseExpiry("2026-11-26", now)).isEqualTo(Instant.parse("2026-11-26T23:59:59Z"));
        for (String bad : new String[] {"2026-11-25", "0d", "soon", "90", "-3d", "2027-02-30"}) {
            assertThatThrownBy(() -> NamedKeys.parseExpiry(bad, now)).as(bad).isInstanceOf(ExitException.class);
        }
    }
}
