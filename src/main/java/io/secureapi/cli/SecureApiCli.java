package io.secureapi.cli;

import io.secureapi.error.ExitException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;

/** The one factory of the configured CommandLine: main and every command test use it. */
public final class SecureApiCli {
    private SecureApiCli() {}

    /** The subcommands, in the order help lists them. */
    static final java.util.List<Class<?>> COMMANDS = java.util.List.of(
            SetupCommand.class,
            VerifyCommand.class,
            RotateKeyCommand.class,
            TeardownCommand.class,
            ScanCommand.class,
            AmplifyHookCommand.class,
            KeysCommand.class,
            UsageCommand.class,
            IamPolicyCommand.class,
            CommandLine.HelpCommand.class,
            AutoComplete.GenerateCompletion.class);

    /** picocli's system property: regular expressions of built-in converters' types not to register. */
    static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";

    /** One pattern, not a comma-separated two: picocli compiles each for every converter it registers. */
    static final String UNUSED_CONVERTERS = "java\\.(?:time|sql)\\..*";

    /** The whole command tree, every subcommand built. */
    public static CommandLine create(Session session) {
        return create(session, null);
    }

    /**
     * The command tree for running {@code args}: when they name a subcommand, only that one is built.
     * picocli builds each command's model by reflection over its annotations (keys alone has eight
     * subcommands): building all of them cost every run about a tenth of a second of a one-second
     * setup (src/site/markdown/speed.md). Help for the whole tool, {@code help}, completion and a
     * line that names no known command get the whole tree, so listings and suggestions stay complete.
     * {@code args} null: the whole tree.
     */
    public static CommandLine create(Session session, String[] args) {
        // No option takes a java.time or java.sql type; picocli's converters for them load and initialise
        // those classes at every start (java.time.MonthDay builds a date parser): ~10 ms of a setup's CPU.
        // LazyCommandsTest checks that no option needs them.
        if (System.getProperty(CONVERTER_EXCLUDES) == null) {
            System.setProperty(CONVERTER_EXCLUDES, UNUSED_CONVERTERS);
        }
        CommandLine cl = new CommandLine(new SecureApi(session));
        Class<?> only = args == null ? null : named(cl.getCommandSpec(), args);
        for (Class<?> c : COMMANDS) {
            if (only == null || only == c) cl.addSubcommand(c);
        }
        CommandLine completion = cl.getSubcommands().get("generate-completion");
        if (completion != null) completion.getCommandSpec().usageMessage().hidden(false);
        // every subcommand's --version answers with secure-api's version (picocli's default is empty)
        Version version = new Version();
        cl.getSubcommands().values().forEach(sub -> sub.getCommandSpec().versionProvider(version));
        // an instance, not a bundle name: ResourceBundle.getBundle's lookup would cost every run ~90 classes
        cl.setResourceBundle(new HelpText());
        cl.setOut(session.out());
        cl.setErr(session.err());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            // --verbose is inherited: it may be matched on the subcommand, not the root
            boolean verbose = false;
            for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
                verbose |= pr.hasMatchedOption("--verbose");
            }
            boolean json = false;
            for (CommandLine.ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
                json |= pr.hasMatchedOption("--output")
                        && "json".equalsIgnoreCase(String.valueOf(pr.matchedOptionValue("--output", "")));
            }
            return report(ex, commandLine, verbose, json);
        });
        cl.setParameterExceptionHandler((ex, line) -> {
            CommandLine c = ex.getCommandLine();
            String invocation = NextStep.invocation(
                    session.env().get("SECURE_API_LAUNCHER"), session.env().get("PATH"), java.nio.file.Path.of(""));
            String qualified = c.getCommandSpec().qualifiedName();
            String next = "see "
                    + (invocation == null ? qualified : invocation + qualified.substring("secure-api".length()))
                    + " --help";
            c.getErr().println("error: " + ex.getMessage());
            c.getErr().println("  next: " + next);
            c.getErr().flush();
            if (jsonRequested(line)) {
                // --output json: stdout still carries one JSON document, also for a bad command line
                java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
                doc.put("command", AwsCommand.qualifiedName(c.getCommandSpec()));
                doc.put("error", ex.getMessage());
                doc.put("next", next);
                doc.put("exitCode", ExitException.BAD_INPUT);
                c.getOut().println(io.secureapi.support.Json.pretty(doc));
                c.getOut().flush();
            }
            return ExitException.BAD_INPUT;
        });
        return cl;
    }

    /**
     * The subcommand {@code args} run: their first word that is not an option of the root command or
     * an option's value, if it is a command's name; null (build the whole tree) otherwise, and for
     * {@code help} and {@code generate-completion}, which list every command.
     */
    static Class<?> named(CommandLine.Model.CommandSpec root, String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) return null;
            if (a.startsWith("-")) {
                CommandLine.Model.OptionSpec o = root.findOption(a);
                // "--region us-east-1": skip the value ("--region=us-east-1" is one word)
                if (o != null && o.arity().max() > 0) i++;
                continue;
            }
            for (Class<?> c : COMMANDS) {
                CommandLine.Command command = c.getAnnotation(CommandLine.Command.class);
                boolean named = command.name().equals(a)
                        || java.util.Arrays.asList(command.aliases()).contains(a);
                if (named)
                    return c == CommandLine.HelpCommand.class || c == AutoComplete.GenerateCompletion.class ? null : c;
            }
            return null;
        }
        return null;
    }

    /** Whether the raw arguments ask for JSON output ({@code --output json} or {@code --output=json}). */
    static boolean jsonRequested(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equalsIgnoreCase("--output=json")) return true;
            if (args[i].equals("--output") && i + 1 < args.length && args[i + 1].equalsIgnoreCase("json")) return true;
        }
        return false;
    }

    static int report(Exception ex, CommandLine commandLine, boolean verbose, boolean json) {
        var err = commandLine.getErr();
        if (json) {
            // --output json: stdout is still one JSON document, so `| jq` sees the error too
            java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("command", AwsCommand.qualifiedName(commandLine.getCommandSpec()));
            doc.put(
                    "error",
                    ex instanceof ExitException e
                            ? e.getMessage()
                            : "unexpected " + ex.getClass().getSimpleName());
            doc.put("next", ex instanceof ExitException e ? e.hint() : null);
            doc.put("exitCode", ex instanceof ExitException e ? e.exitCode() : ExitException.FAILED);
            // keys handed over before the error travel in the same document
            AwsCommand command = commandLine.getCommand() instanceof AwsCommand c ? c : null;
            if (command != null) command.addKeysTo(doc);
            commandLine.getOut().println(io.secureapi.support.Json.pretty(doc));
            commandLine.getOut().flush();
            if (command != null) command.errorDocumentShown();
        }
        if (ex instanceof ExitException e) {
            err.println("error: " + e.getMessage());
            if (e.hint() != null) err.println("  next: " + e.hint());
            if (verbose && e.getCause() != null) e.getCause().printStackTrace(err);
            err.flush();
            return e.exitCode();
        }
        err.println("error: unexpected " + ex.getClass().getSimpleName()
                + (ex.getMessage() == null ? "" : ": " + ex.getMessage().replaceAll("\\s+", " ")));
        err.println("  next: run it again with --verbose and report the output; reruns are safe");
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return ExitException.FAILED;
    }

    /** The version, from the build (filtered resource). */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = SecureApiCli.class.getResourceAsStream("/secure-api.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"secure-api " + p.getProperty("version", "dev")};
        }
    }
}
