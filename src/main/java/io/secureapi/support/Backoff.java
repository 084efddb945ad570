package io.secureapi.support;

import java.time.Duration;

/**
 * Bounded exponential backoff for eventual consistency AWS documents (IAM propagation). The clock
 * is injectable (per thread) so tests run the whole five minutes of retries without waiting.
 */
public final class Backoff {
    /**
     * IAM changes usually propagate within seconds; AWS documents no upper bound. terraform-provider-aws
     * waits up to five minutes (internal/service/lambda/function.go, lambdaPropagationTimeout), so do we.
     */
    public static final Duration IAM_PROPAGATION_TIMEOUT = Duration.ofMinutes(5);
    /** The longest pause between two attempts: a progress line comes at least this often. */
    public static final Duration MAX_DELAY = Duration.ofSeconds(8);

    /** Time and waiting, so tests can replace both. */
    public interface Clock {
        long nanoTime();

        void sleep(Duration d) throws InterruptedException;

        /** A pause of {@link #retry}, with what it waits for (its progress text): a test clock may tell waits apart. */
        default void sleep(Duration d, String what) throws InterruptedException {
            sleep(d);
        }
    }

    public static final Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration d) throws InterruptedException {
            Thread.sleep(d.toMillis());
        }
    };

    private static final InheritableThreadLocal<Clock> CLOCK = new InheritableThreadLocal<>();

    /** Uses {@code clock} on this thread (and threads it starts) until the returned handle is closed. */
    public static AutoCloseable useClock(Clock clock) {
        Clock before = CLOCK.get();
        CLOCK.set(clock);
        return () -> CLOCK.set(before);
    }

    static Clock clock() {
        Clock c = CLOCK.get();
        return c == null ? SYSTEM : c;
    }

    private final Clock clock;
    private final long start;
    private final long deadline;
    private long delayMillis;
    private final long maxDelayMillis;
    private int attempt;

    public Backoff(Duration timeout, Duration firstDelay, Duration maxDelay) {
        this.clock = clock();
        this.start = clock.nanoTime();
        this.deadline = start + timeout.toNanos();
        this.delayMillis = firstDelay.toMillis();
        this.maxDelayMillis = maxDelay.toMillis();
    }

    public static Backoff iamPropagation() {
        return new Backoff(IAM_PROPAGATION_TIMEOUT, Duration.ofMillis(500), MAX_DELAY);
    }

    /** Waits before the next attempt; false when the time is up. */
    public boolean retry(Progress progress, String what) {
        attempt++;
        long now = clock.nanoTime();
        if (now + delayMillis * 1_000_000 > deadline) return false;
        long waited = (now - start) / 1_000_000_000L;
        progress.say(what + " (attempt " + (attempt + 1) + ", " + waited + " s so far, next try in " + delayMillis
                + " ms)…");
        try {
            clock.sleep(Duration.ofMillis(delayMillis), what);
            Waits.add(delayMillis * 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        delayMillis = Math.min(maxDelayMillis, delayMillis * 2);
        return true;
    }

    /** Attempts made so far (1 before the first retry). */
    public int attempts() {
        return attempt + 1;
    }
}
