package io.secureapi.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * --api-id: the HTTP API a command works on. Optional in every command: without it the API comes
 * from secure-api.json ({@link AwsCommand#apiId()}). Each command words it its own way ({@link HelpText}).
 */
public class ApiIdOption {
    /** What API Gateway makes an API id of. */
    static final String PATTERN = "[a-z0-9]{1,64}";

    @Option(
            names = "--api-id",
            paramLabel = "ID",
            descriptionKey = "api-id",
            description = "The HTTP API (default: from secure-api.json).")
    String id;

    /** The --api-id given to {@code command}; null when it was not given or the command has no --api-id. */
    static String of(CommandSpec command) {
        for (CommandSpec mixin : command.mixins().values()) {
            if (mixin.userObject() instanceof ApiIdOption option) return option.id;
        }
        return null;
    }
}
