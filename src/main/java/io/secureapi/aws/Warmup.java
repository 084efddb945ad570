package io.secureapi.aws;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Initialises, on a thread of its own, the AWS SDK and HTTP client classes a command is about to
 * initialise anyway, while the main thread is busy with the JVM's start and picocli's model of the
 * command line: that part of a run uses one core of two, and an SDK class's first use costs about
 * half a millisecond of CPU (its fields' lambdas are linked then). Setup initialises some 400 of them
 * (src/site/markdown/speed.md, "Setup, round 6").
 *
 * <p>It stops before the main thread first touches the SDK (resolving the region and profile,
 * {@link #finish()} from the command's options) and before the first client is built (from {@link
 * AwsClients}); stopping waits for the class in progress. So it never initialises a class while
 * another thread uses the SDK: until then the main thread runs only the JDK, picocli and this tool's
 * own start-up code, none of which the SDK's or Apache's class initialisers call into, so neither
 * thread waits for a class the other is initialising while holding one it needs. A class that fails
 * to initialise here is left to the command, which meets that failure where it uses it. Its list,
 * {@value #LIST} in the jar, names SDK and Apache classes only, in the order representative runs
 * initialised them ({@code scripts/bench --classlist} records it); a stale list costs speed, nothing
 * else.
 */
public final class Warmup {
    /** The classes to initialise, one binary name per line, as recorded. */
    public static final String LIST = "/secure-api.preinit";

    /** {@code -Dsecure-api.warmup=false}: none (the recording runs, so the list is what a command needs). */
    public static final String PROPERTY = "secure-api.warmup";

    /** This process's warm-up: at most one, ever. */
    private static final AtomicReference<Warmup> CURRENT = new AtomicReference<>();

    private final java.util.function.Supplier<List<String>> classes;
    private final Thread thread;
    private volatile boolean stop;

    /** {@code classes}: read on the warm-up's thread, not the caller's. */
    Warmup(java.util.function.Supplier<List<String>> classes) {
        this.classes = classes;
        this.thread = new Thread(this::run, "secure-api-warmup");
        this.thread.setDaemon(true);
    }

    /** Starts this process's warm-up, once; nothing when the property says false. */
    public static void start() {
        if ("false".equals(System.getProperty(PROPERTY))) return;
        Warmup w = new Warmup(Warmup::list);
        if (CURRENT.compareAndSet(null, w)) w.thread.start();
    }

    /**
     * Stops this process's warm-up after the class (or the crypto set-up) it is in, and waits for that:
     * from here on only the command's threads initialise classes.
     */
    public static void finish() {
        Warmup w = CURRENT.get();
        if (w != null) w.stopAndWait();
    }

    /** Makes {@code w} this process's warm-up, started (tests); the one before is stopped first. */
    static void install(Warmup w) {
        Warmup before = CURRENT.getAndSet(w);
        if (before != null) before.stopAndWait();
        w.thread.start();
    }

    void stopAndWait() {
        stop = true;
        if (Thread.currentThread() == thread || thread.getState() == Thread.State.NEW) return;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // the join is short and must finish: the caller's interrupt is kept
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    boolean running() {
        return thread.isAlive();
    }

    private void run() {
        try {
            crypto();
        } catch (Throwable e) {
            // the command's first signed request meets the same failure
        }
        try {
            ClassLoader loader = Warmup.class.getClassLoader();
            for (String name : classes.get()) {
                if (stop) return;
                try {
                    Class.forName(name, true, loader);
                } catch (Throwable e) {
                    // recorded from another build, or it failed to initialise: left to the command,
                    // which meets any such failure where it uses the class; the rest may still serve
                }
            }
        } catch (Throwable e) {
            // the list could not be read: the command initialises what it needs itself
        }
    }

    /**
     * SigV4 signs every request with HMAC-SHA-256 over SHA-256 digests: the first lookup and set-up of
     * their providers costs about 45 ms of CPU, once per process.
     */
    private void crypto() throws java.security.GeneralSecurityException {
        if (stop) return;
        java.security.MessageDigest.getInstance("SHA-256").digest(new byte[1]);
        if (stop) return;
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(new byte[32], "HmacSHA256"));
        mac.doFinal(new byte[1]);
    }

    /** The recorded list: its lines that are not comments; empty when the jar has none. */
    static List<String> list() {
        List<String> names = new ArrayList<>();
        InputStream in = Warmup.class.getResourceAsStream(LIST);
        if (in == null) return names;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) names.add(line.strip());
            }
        } catch (IOException e) {
            names.clear();
        }
        return names;
    }
}
