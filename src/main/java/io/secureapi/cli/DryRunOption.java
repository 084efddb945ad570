package io.secureapi.cli;

import picocli.CommandLine.Option;

/** --dry-run: say what would change and change nothing. Each command words it its own way ({@link HelpText}). */
public class DryRunOption {
    @Option(names = "--dry-run", descriptionKey = "dry-run", description = "Print the plan and change nothing.")
    boolean on;
}
