package io.secureapi.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(
        name = "secure-api",
        addMethodSubcommands = false,
        mixinStandardHelpOptions = true,
        versionProvider = SecureApiCli.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "Puts API-key protection on an AWS API Gateway HTTP API (the kind Amplify creates) and keeps it true:",
            "a Lambda REQUEST authorizer checks a header against a key kept in Secrets Manager.",
            ""
        },
        footer = {
            "",
            "Start with:  secure-api setup --api-id ID --region REGION --dry-run",
            "Then in CI:  secure-api verify",
            "Exit codes:  0 ok, 1 verify or scan found failures or an apply step failed, 2 bad usage or input, 3 AWS refused or failed."
        })
// The subcommands are not listed here: SecureApiCli.create registers them (SecureApiCli.COMMANDS),
// only the one a command line names when it names one.
public class SecureApi implements java.util.concurrent.Callable<Integer> {
    @Mixin
    AwsOptions aws = new AwsOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    final Session session;

    @Spec
    CommandSpec spec;

    public SecureApi(Session session) {
        this.session = session;
    }

    @Override
    public Integer call() {
        // no subcommand: teach on stderr, and say it was bad usage (exit 2)
        spec.commandLine().getErr().println("error: no command given");
        spec.commandLine().usage(spec.commandLine().getErr());
        return io.secureapi.error.ExitException.BAD_INPUT;
    }
}
