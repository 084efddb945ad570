package io.secureapi.cli;

import io.secureapi.engine.ExitException;
import picocli.CommandLine.Command;

@Command(name = "teardown", mixinStandardHelpOptions = true, description = "Not built yet.")
public class TeardownCommand extends AwsCommand {
    @Override
    protected int run() {
        throw ExitException.badInput("teardown is not built yet", "see the README");
    }
}
