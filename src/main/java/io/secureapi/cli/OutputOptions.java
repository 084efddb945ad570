package io.secureapi.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** How results are printed. Inherited by every subcommand. */
public class OutputOptions {
    public enum Format {
        text,
        json,
        junit,
        markdown
    }

    @Option(
            names = "--output",
            scope = ScopeType.INHERIT,
            paramLabel = "FORMAT",
            description =
                    "text (default) or json (one JSON document on stdout); verify and scan also take junit; usage, verify and scan take markdown (for a CI job summary).")
    Format output = Format.text;

    @Option(
            names = "--config",
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "Project config written by setup, read by the other commands (default: ./secure-api.json).")
    Path config = Path.of("secure-api.json");

    @Option(
            names = "--env",
            scope = ScopeType.INHERIT,
            paramLabel = "NAME",
            description =
                    "Which API of the config: its entry NAME (e.g. dev, prod; default: the only entry; setup: default).")
    String env;

    @Option(
            names = {"-v", "--verbose"},
            scope = ScopeType.INHERIT,
            description = "Show each AWS call, stack traces on errors, and a summary line of calls and time.")
    boolean verbose;

    @Option(
            names = "--no-color",
            scope = ScopeType.INHERIT,
            description = "No colour, even on a terminal (also NO_COLOR).")
    boolean noColor;

    public boolean json() {
        return output == Format.json;
    }
}
