package io.secureapi.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
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
        System.exit(code);
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
