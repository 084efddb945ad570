package io.secureapi.support;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Independent chains of AWS reads, run at once; each chain runs its steps in order. Failures are
 * reported in the order the chains were added (the API first), whatever finished first, so the
 * same bad input always gives the same error.
 */
public final class ConcurrentReads {
    private final List<Runnable[]> chains = new ArrayList<>();

    public ConcurrentReads chain(Runnable... steps) {
        chains.add(steps);
        return this;
    }

    public void run() {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, chains.size()), r -> {
            Thread t = new Thread(r, "secure-api-read");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (Runnable[] steps : chains) {
                running.add(CompletableFuture.runAsync(
                        () -> {
                            for (Runnable step : steps) step.run();
                        },
                        pool));
            }
            for (CompletableFuture<Void> f : running) {
                try {
                    f.join();
                } catch (CompletionException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    throw e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
