package io.secureapi.cli;

import io.secureapi.aws.AwsClients;
import io.secureapi.aws.AwsSettings;
import io.secureapi.engine.ConfigFile;
import io.secureapi.engine.ExitException;
import io.secureapi.engine.ProjectConfig;
import io.secureapi.engine.Progress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of the commands that talk to AWS: resolves where, builds the clients lazily, closes
 * them, and with --verbose ends with one summary line of AWS calls and elapsed time.
 */
@Command
public abstract class AwsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private SecureApi root;

    private AwsClients clients;
    private AwsSettings settings;
    private Optional<ConfigFile> configFile;
    private Optional<String> entry;

    /** Whether --output junit makes sense (verify only). */
    protected boolean acceptsJunit() {
        return false;
    }

    /** The command's work; returns the exit code. */
    protected abstract int run();

    @Override
    public final Integer call() {
        long start = System.nanoTime();
        if (output().output == OutputOptions.Format.junit && !acceptsJunit()) {
            throw ExitException.badInput("--output junit is for verify and scan only", "use --output text or --output json");
        }
        try {
            return run();
        } finally {
            if (clients != null) {
                if (output().verbose) {
                    int reads = clients.counter().reads();
                    int writes = clients.counter().writes();
                    err().printf("secure-api: %d AWS calls (%d read%s, %d write%s) in %.2f s%n", reads + writes,
                            reads, reads == 1 ? "" : "s", writes, writes == 1 ? "" : "s", (System.nanoTime() - start) / 1e9);
                }
                clients.close();
            }
            out().flush();
            err().flush();
        }
    }

    /** The top command, also for commands nested one level deeper (keys add). */
    SecureApi root() {
        if (root == null) {
            for (CommandSpec c = spec; c != null; c = c.parent()) {
                if (c.userObject() instanceof SecureApi s) root = s;
            }
        }
        return root;
    }

    protected Session session() {
        return root().session;
    }

    protected PrintWriter out() {
        return root().session.out();
    }

    protected PrintWriter err() {
        return root().session.err();
    }

    protected OutputOptions output() {
        return root().output;
    }

    protected boolean json() {
        return root().output.json();
    }

    protected Path configPath() {
        return root().output.config;
    }

    /** The whole secure-api.json, when there is one (a corrupt one is exit 2). */
    protected Optional<ConfigFile> configFile() {
        if (configFile == null) configFile = ConfigFile.read(configPath());
        return configFile;
    }

    /** --env as given. */
    protected Optional<String> envOption() {
        return Optional.ofNullable(root().output.env);
    }

    /** The command's --api-id, when it has one; it picks the entry that holds that API. */
    protected String apiIdOption() {
        return null;
    }

    /**
     * The one place that decides which config entry this command works on: --env, else the entry
     * holding --api-id, else the only entry. Empty when there is none (no file, or another API).
     */
    protected Optional<String> entryName() {
        if (entry == null) entry = resolveEntry(configFile(), envOption(), Optional.ofNullable(apiIdOption()));
        return entry;
    }

    /** The entry's name for records kept per entry (.pending): the resolved one, else default. */
    protected String entryNameOrDefault() {
        return entryName().orElse(ConfigFile.DEFAULT_ENV);
    }

    protected Optional<String> resolveEntry(Optional<ConfigFile> file, Optional<String> env, Optional<String> apiIdFlag) {
        if (env.isPresent()) {
            checkEnvName(env.get());
            if (file.isEmpty()) {
                throw ExitException.badInput("--env " + env.get() + " names an entry of " + configPath() + ", and there is no such file",
                        "run secure-api setup --api-id ID --env " + env.get() + " first, or pass --config FILE");
            }
            Optional<String> name = file.get().resolve(env);
            ProjectConfig c = file.get().entry(name.get()).orElseThrow();
            if (apiIdFlag.isPresent() && !apiIdFlag.get().equals(c.apiId())) {
                throw ExitException.badInput("entry " + env.get() + " of " + configPath() + " is API " + c.apiId() + ", not " + apiIdFlag.get(),
                        "drop --api-id to use " + c.apiId() + ", or drop --env to work on API " + apiIdFlag.get());
            }
            return name;
        }
        if (file.isEmpty()) return Optional.empty();
        if (apiIdFlag.isPresent()) return file.get().nameOf(apiIdFlag.get());
        return file.get().resolve(Optional.empty());
    }

    protected static void checkEnvName(String name) {
        if (!name.matches(ConfigFile.ENV_PATTERN)) {
            throw ExitException.badInput("--env \"" + name + "\" is not an entry name", "use letters, digits, - and _ (e.g. --env prod), up to 64");
        }
    }

    /** The config entry this command works on (see {@link #entryName}). */
    protected Optional<ProjectConfig> config() {
        return entryName().flatMap(n -> configFile().flatMap(f -> f.entry(n)));
    }

    protected AwsSettings settings() {
        if (settings == null) settings = root().aws.resolve(session().env(), config().map(ProjectConfig::region));
        return settings;
    }

    protected AwsClients aws() {
        if (clients == null) clients = new AwsClients(settings(), session().interceptors());
        return clients;
    }

    /** The API id from --api-id, else from the config; neither is exit 2. */
    protected String apiId(String flag) {
        if (flag != null) {
            if (!flag.matches("[a-z0-9]{1,64}")) {
                throw ExitException.badInput("\"" + flag + "\" is not an API Gateway API id (lower-case letters and digits)",
                        "find the id with: aws apigatewayv2 get-apis");
            }
            checkConfigRegion(flag);
            return flag;
        }
        String id = config().map(ProjectConfig::apiId).orElseThrow(() -> configFile().isPresent()
                ? ExitException.badInput("no API id: no --api-id, and " + configPath() + " has no entry " + entryNameOrDefault()
                        + " (entries: " + configFile().get().listing() + ")", "pass --env NAME or --api-id ID")
                : ExitException.badInput("no API id: no --api-id and no " + configPath(),
                        "pass --api-id ID, or run in the folder where secure-api setup wrote " + ProjectConfig.DEFAULT_FILE));
        checkConfigRegion(id);
        return id;
    }

    /** --region that contradicts secure-api.json for the same API would act on the wrong region's pieces. */
    private void checkConfigRegion(String id) {
        config().filter(c -> c.apiId().equals(id) && c.region() != null && !c.region().equals(settings().region()))
                .ifPresent(c -> {
                    throw ExitException.badInput(configPath() + " says API " + id + " is in " + c.region() + ", not " + settings().region(),
                            "drop --region (or AWS_REGION) to use " + c.region() + ", or pass --config for another file");
                });
    }

    /** Progress lines on stderr, never on stdout (stdout is the result, JSON-clean). */
    protected Progress progress() {
        return line -> {
            err().println("  … " + line);
            err().flush();
        };
    }

    protected Style style() {
        boolean color = session().stdoutIsTerminal() && !output().noColor && !session().env().containsKey("NO_COLOR");
        return new Style(color);
    }
}
