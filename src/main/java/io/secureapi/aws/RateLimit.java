package io.secureapi.aws;

import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * A token bucket on the client side: up to {@code burst} requests at once, then one every
 * 1/rate seconds. Each caller reserves its token under the lock and waits outside it, so
 * concurrent readers queue in order instead of all retrying the same throttled second.
 * As an interceptor it paces every attempt a client sends, retries included.
 */
public final class RateLimit implements ExecutionInterceptor {
    /** Time, and waiting for it: the system's, or a test's that only moves when told. */
    public interface Clock {
        long nanos();

        void sleep(long nanos) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public long nanos() {
                return System.nanoTime();
            }

            @Override
            public void sleep(long nanos) throws InterruptedException {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
            }
        };
    }

    private final double tokensPerNano;
    private final double burst;
    private final Clock clock;
    private double tokens;
    private long last;

    public RateLimit(double perSecond, int burst, Clock clock) {
        if (perSecond <= 0 || burst < 1) throw new IllegalArgumentException("rate and burst must be positive");
        this.tokensPerNano = perSecond / 1e9;
        this.burst = burst;
        this.clock = clock;
        this.tokens = burst;
        this.last = clock.nanos();
    }

    /**
     * API Gateway's management API: "Total operations: 10 requests per second with a burst quota of
     * 40", per account, shared with every other caller of that account (Amplify, CI, the console):
     * https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html — so we keep to the
     * steady 10 per second and leave the burst to the others.
     */
    public static RateLimit apiGatewayManagement() {
        return new RateLimit(10, 10, Clock.SYSTEM);
    }

    /** CreateDeployment: "1 request every 5 seconds per account" (same quotas page). */
    public static RateLimit apiGatewayDeployments() {
        return every(Duration.ofSeconds(5), Clock.SYSTEM);
    }

    /** One request per interval, none saved up. */
    public static RateLimit every(Duration interval, Clock clock) {
        return new RateLimit(1e9 / interval.toNanos(), 1, clock);
    }

    /** Waits for a token; returns how long it waited, in nanoseconds. */
    public long acquire() throws InterruptedException {
        long wait;
        synchronized (this) {
            long now = clock.nanos();
            tokens = Math.min(burst, tokens + (now - last) * tokensPerNano);
            last = now;
            tokens -= 1;
            wait = tokens >= 0 ? 0 : (long) Math.ceil(-tokens / tokensPerNano);
        }
        if (wait > 0) clock.sleep(wait);
        return wait;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        try {
            acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkClientException.create("interrupted while pacing requests to API Gateway", e);
        }
    }
}
