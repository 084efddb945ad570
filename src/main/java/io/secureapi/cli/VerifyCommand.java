package io.secureapi.cli;

import io.secureapi.engine.ExitException;
import picocli.CommandLine.Command;

@Command(name = "verify", mixinStandardHelpOptions = true, description = "Not built yet.")
public class VerifyCommand extends AwsCommand {
    @Override
    protected int run() {
        throw ExitException.badInput("verify is not built yet", "see the README");
    }
}
