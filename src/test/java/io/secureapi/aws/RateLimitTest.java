package io.secureapi.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The token bucket on a clock that moves only when the bucket waits: no real time passes. */
class RateLimitTest {
    static final class FakeClock implements RateLimit.Clock {
        long now;
        final List<Long> sleeps = new ArrayList<>();

        @Override
        public long nanos() {
            return now;
        }

        @Override
        public void sleep(long nanos) {
            sleeps.add(nanos);
            now += nanos;
        }
    }

    @Test
    void threeHundredRouteUpdates_atTenPerSecond_takeThirtySeconds_neverMoreThanTheBucketAllows() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimit limit = new RateLimit(10, 10, clock);
        List<Long> sentAt = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            limit.acquire();
            sentAt.add(clock.now);
        }
        assertThat(sentAt.subList(0, 10)).allSatisfy(t -> assertThat(t).isZero()); // the first ten go at once
        assertThat(clock.now)
                .isBetween(
                        Duration.ofMillis(28_900).toNanos(),
                        Duration.ofMillis(29_100).toNanos());
        for (int i = 20; i < sentAt.size(); i++) {
            // a token bucket of 10 refilled at 10 per second: any 21 consecutive requests span at least one second
            assertThat(sentAt.get(i) - sentAt.get(i - 20))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos() - 1);
        }
    }

    @Test
    void deployments_oneEveryFiveSeconds_noneSavedUp() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimit limit = RateLimit.every(Duration.ofSeconds(5), clock);
        assertThat(limit.acquire()).isZero();
        assertThat(limit.acquire()).isEqualTo(Duration.ofSeconds(5).toNanos());
        clock.now += Duration.ofMinutes(1).toNanos(); // idle: still only one at once
        assertThat(limit.acquire()).isZero();
        assertThat(limit.acquire()).isEqualTo(Duration.ofSeconds(5).toNanos());
    }
}
