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
        // after the logging properties: the SDK's class initialisers make slf4j loggers
        if (talksToAws(args)) io.secureapi.aws.Warmup.start();
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

    /** The commands that talk to AWS, whose SDK classes {@link io.secureapi.aws.Warmup} initialises ahead. */
    static final java.util.Set<String> AWS_COMMANDS =
            java.util.Set.of("setup", "verify", "rotate-key", "teardown", "keys", "usage", "scan");

    /** The other commands: the first command name on the line decides (help setup asks for help). */
    static final java.util.Set<String> OTHER_COMMANDS =
            java.util.Set.of("help", "generate-completion", "amplify-hook", "iam-policy");

    /** A command line naming a command that talks to AWS first, not asking for help or the version. */
    static boolean talksToAws(String[] args) {
        String command = null;
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("-V")) return false;
            if (command == null && (AWS_COMMANDS.contains(a) || OTHER_COMMANDS.contains(a))) command = a;
        }
        return command != null && AWS_COMMANDS.contains(command);
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
