package io.secureapi.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        boolean tty = System.console() != null;
        Session session = new Session(out, err, System.in, System.getenv(), List.of(), tty, tty);
        int code = SecureApiCli.create(session, args).execute(args);
        out.flush();
        err.flush();
        if (code == 0) finishArchiveRun(System.getenv(ARCHIVE_RUN));
        System.exit(code);
    }

    /**
     * Set by the launcher on the run whose JVM writes the startup archive (or records the AOT
     * configuration) when it exits: that file's path. The launcher marks the run unfinished
     * ({@code PATH.unfinished}) before it starts the JVM.
     */
    static final String ARCHIVE_RUN = "SECURE_API_ARCHIVE_RUN";

    /**
     * The command succeeded: its archive may serve later commands, so the mark goes. A run that
     * failed or was interrupted at any moment (bad input, an AWS error, Ctrl-C even before this
     * class ran) keeps it, and the launcher's next run drops that archive of a few classes and
     * makes it again.
     */
    static void finishArchiveRun(String archive) {
        if (archive == null || archive.isEmpty()) return;
        try {
            Files.deleteIfExists(Path.of(archive + ".unfinished"));
        } catch (IOException | RuntimeException e) {
            // the archive is made again by the next run: slower once, nothing worse
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
