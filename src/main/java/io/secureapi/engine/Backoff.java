package io.secureapi.engine;

import java.time.Duration;

/** Bounded exponential backoff for eventual consistency AWS documents (IAM propagation). */
public final class Backoff {
    /** IAM changes usually propagate within seconds; AWS documents no upper bound, so we stop at two minutes. */
    public static final Duration IAM_PROPAGATION_TIMEOUT = Duration.ofSeconds(120);

    private final long deadline;
    private long delayMillis;
    private final long maxDelayMillis;
    private int attempt;

    public Backoff(Duration timeout, Duration firstDelay, Duration maxDelay) {
        this.deadline = System.nanoTime() + timeout.toNanos();
        this.delayMillis = firstDelay.toMillis();
        this.maxDelayMillis = maxDelay.toMillis();
    }

    public static Backoff iamPropagation() {
        return new Backoff(IAM_PROPAGATION_TIMEOUT, Duration.ofMillis(500), Duration.ofSeconds(8));
    }

    /** Waits before the next attempt; false when the time is up. */
    public boolean retry(Progress progress, String what) {
        attempt++;
        if (System.nanoTime() + delayMillis * 1_000_000 > deadline) return false;
        progress.say(what + " (attempt " + (attempt + 1) + ", next try in " + delayMillis + " ms)…");
        try {
            Thread.sleep(delayMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        delayMillis = Math.min(maxDelayMillis, delayMillis * 2);
        return true;
    }
}
