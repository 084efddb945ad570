package io.secureapi.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

public final class Main {
    private Main() {}

    public static void main(String[] args) throws java.io.IOException {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // The same answer picocli gives, without building the command tree first (half of this
            // command's cold start; src/site/markdown/speed.md).
            for (String line : new SecureApiCli.Version().getVersion()) System.out.println(line);
            return;
        }
        configureLogging(args);
        AtomicBoolean succeeded = new AtomicBoolean();
        markFailedArchiveRun(System.getenv(ARCHIVE_RUN), succeeded);
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        boolean tty = System.console() != null;
        Session session = new Session(out, err, System.in, System.getenv(), List.of(), tty, tty);
        int code = SecureApiCli.create(session, args).execute(args);
        out.flush();
        err.flush();
        succeeded.set(code == 0);
        System.exit(code);
    }

    /**
     * Set by the launcher on the run whose JVM writes the startup archive (or records the AOT
     * configuration) when it exits: that file's path.
     */
    static final String ARCHIVE_RUN = "SECURE_API_ARCHIVE_RUN";

    /**
     * A command that failed or was interrupted (bad input, an AWS error, Ctrl-C) loads few classes,
     * and an archive of those would serve every later command: the JVM still writes it on the way
     * out, so a mark beside it ({@code PATH.failed}) tells the launcher's next run to drop it and
     * make it again. A shutdown hook, so a signal leaves the mark too.
     */
    static void markFailedArchiveRun(String archive, AtomicBoolean succeeded) {
        if (archive == null || archive.isEmpty()) return;
        Path mark = Path.of(archive + ".failed");
        try {
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                if (succeeded.get()) return;
                                try {
                                    Files.writeString(mark, "");
                                } catch (IOException | RuntimeException e) {
                                    // the archive stays: slower later runs, nothing worse
                                }
                            },
                            "secure-api-archive-mark"));
        } catch (IllegalStateException shuttingDown) {
            // already on the way out
        }
    }

    /** slf4j-simple reads these once: warnings only, our own debug lines with --verbose; never wire logs. */
    static void configureLogging(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showLogName", "false");
        for (String a : args) {
            if (a.equals("-v") || a.equals("--verbose"))
                System.setProperty("org.slf4j.simpleLogger.log.io.secureapi", "debug");
        }
    }
}
