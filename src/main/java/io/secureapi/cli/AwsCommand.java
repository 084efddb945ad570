package io.secureapi.cli;

import io.secureapi.aws.AwsClients;
import io.secureapi.aws.AwsSettings;
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
    private Optional<ProjectConfig> config;

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
            throw ExitException.badInput("--output junit is for verify only", "use --output text or --output json");
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
    private SecureApi root() {
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

    /** secure-api.json, when there is one (a corrupt one is exit 2). */
    protected Optional<ProjectConfig> config() {
        if (config == null) config = ProjectConfig.read(configPath());
        return config;
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
        String id = config().map(ProjectConfig::apiId).orElseThrow(() -> ExitException.badInput(
                "no API id: no --api-id and no " + configPath(),
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
