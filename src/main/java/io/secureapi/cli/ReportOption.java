package io.secureapi.cli;

import io.secureapi.error.ExitException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --report FILE of verify and scan: the result also written to FILE. Each words it its own way ({@link HelpText}). */
public class ReportOption {
    @Option(
            names = "--report",
            paramLabel = "FILE",
            descriptionKey = "report",
            description =
                    "Also write the result to FILE in the --output format (junit: the XML goes to FILE, the checklist to stdout).")
    Path file;

    /** FILE must not be a folder; checked before the first AWS call. The hint names {@code command}'s usual file. */
    void check(String command) {
        if (file != null && Files.isDirectory(file)) {
            throw ExitException.badInput(
                    "--report " + file + " is a folder", "name a file, e.g. --report " + command + ".xml");
        }
    }

    /** Writes FILE, creating its folder; a failure is bad input naming the file. */
    void write(String content) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ExitException.badInput(
                    "cannot write report " + file + " (" + e.getClass().getSimpleName() + ")",
                    "check the folder and its permissions");
        }
    }
}
