package io.secureapi.support;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Time a command spends waiting on AWS (bounded backoff, SDK waiters), for --verbose's phase
 * breakdown. Per command: {@link #start()} on the command's thread; threads it starts afterwards
 * count into the same total.
 */
public final class Waits {
    private static final InheritableThreadLocal<LongAdder> CURRENT = new InheritableThreadLocal<>();

    private Waits() {}

    /** A new total for this thread and the threads it starts from now on. */
    public static LongAdder start() {
        LongAdder total = new LongAdder();
        CURRENT.set(total);
        return total;
    }

    /** Adds a wait to the current total (none when no command started one). */
    public static void add(long nanos) {
        LongAdder total = CURRENT.get();
        if (total != null) total.add(nanos);
    }

    /** Runs a wait (an SDK waiter) and counts its time. */
    public static <T> T timed(Supplier<T> wait) {
        long start = System.nanoTime();
        try {
            return wait.get();
        } finally {
            add(System.nanoTime() - start);
        }
    }
}
