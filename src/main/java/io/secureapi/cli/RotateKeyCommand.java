package io.secureapi.cli;

import io.secureapi.engine.ExitException;
import picocli.CommandLine.Command;

@Command(name = "rotate-key", mixinStandardHelpOptions = true, description = "Not built yet.")
public class RotateKeyCommand extends AwsCommand {
    @Override
    protected int run() {
        throw ExitException.badInput("rotate-key is not built yet", "see the README");
    }
}
