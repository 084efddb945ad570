package io.secureapi.cli;

import io.secureapi.aws.AwsClients;
import io.secureapi.aws.AwsSettings;
import io.secureapi.config.ConfigFile;
import io.secureapi.config.ProjectConfig;
import io.secureapi.error.ExitException;
import io.secureapi.model.Verification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * verify --all: every entry of secure-api.json, concurrently on a bounded pool, in one report. An
 * entry that cannot be checked (its API deleted, access denied) is a failure of that entry, not of
 * the run; the others are still checked and reported.
 */
final class VerifyAll {
    /** Entries checked at once: each makes a handful of concurrent reads of its own. */
    static final int PARALLELISM = 4;

    private final VerifyCommand cmd;

    VerifyAll(VerifyCommand cmd) {
        this.cmd = cmd;
    }

    /** One entry's outcome: its checks, or why it could not be checked. */
    record Entry(String name, ProjectConfig config, Verification verification, ExitException error) {
        boolean ok() {
            return error == null && verification.ok();
        }
    }

    int run() {
        long start = System.nanoTime();
        if (cmd.apiIdOption() != null || cmd.envOption().isPresent()) {
            throw ExitException.badInput(
                    "--all checks every entry of " + cmd.configPath() + "; "
                            + (cmd.apiIdOption() != null ? "--api-id" : "--env") + " picks one",
                    "drop --all to check one API, or drop " + (cmd.apiIdOption() != null ? "--api-id" : "--env")
                            + " to check them all");
        }
        if (cmd.probeUrl != null || cmd.keyFile != null || cmd.keyStdin) {
            throw ExitException.badInput(
                    (cmd.probeUrl != null ? "--probe-url" : cmd.keyFile != null ? "--key-file" : "--key-stdin")
                            + " is about one API; with --all each entry "
                            + "is probed at its own endpoint with its own key",
                    "use --probe with --all, with each entry's key in SECURE_API_PROBE_KEY_<ENV> (e.g. "
                            + io.secureapi.engine.Verify.probeKeyEnv("prod") + "), or pick one entry with --env NAME");
        }
        Set<String> allowed = cmd.allowed();
        cmd.report.check("verify");
        ConfigFile file = cmd.configFile()
                .orElseThrow(() -> ExitException.badInput(
                        "--all checks the entries of " + cmd.configPath() + ", and there is no such file",
                        "run secure-api setup --api-id ID --env NAME first, or pass --config FILE"));
        Map<String, ProjectConfig> entries = new LinkedHashMap<>();
        List<String> tornDown = new ArrayList<>();
        for (String name : file.names()) {
            if (SetupCommand.tornDown(file, name)) tornDown.add(name);
            entries.put(name, file.entry(name).orElseThrow());
        }
        if (entries.isEmpty()) {
            throw ExitException.badInput(
                    cmd.configPath() + " has no entry to check", "run secure-api setup --api-id ID --env NAME first");
        }
        // a torn-down entry is checked for what teardown promised: our authorizer gone, routes given back
        tornDown.forEach(n -> cmd.progress().say("entry " + n + ": torn down, checking that it stays so"));
        // where and as whom: the flags and AWS environment, each entry in its own recorded region
        AwsSettings base = cmd.root()
                .aws
                .resolve(
                        cmd.session().env(),
                        entries.values().stream()
                                .map(ProjectConfig::region)
                                .filter(r -> r != null && !r.isBlank())
                                .findFirst()
                                .orElse(null));
        boolean probing = cmd.probe;

        ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLELISM, entries.size()), r -> {
            Thread t = new Thread(r, "secure-api-verify-all");
            t.setDaemon(true);
            return t;
        });
        List<Entry> results = new ArrayList<>();
        try {
            Map<String, Future<Entry>> running = new LinkedHashMap<>();
            entries.forEach((name, c) -> running.put(name, pool.submit(() -> one(name, c, base, allowed, probing))));
            for (Map.Entry<String, Future<Entry>> f : running.entrySet()) {
                try {
                    results.add(f.getValue().get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ExitException(ExitException.FAILED, "verify --all was interrupted", "run it again", e);
                } catch (java.util.concurrent.ExecutionException e) {
                    String why = e.getCause() == null
                            ? "unexpected error"
                            : e.getCause().getClass().getSimpleName();
                    results.add(new Entry(
                            f.getKey(),
                            entries.get(f.getKey()),
                            null,
                            new ExitException(
                                    ExitException.FAILED,
                                    "checking entry " + f.getKey() + ": unexpected " + why,
                                    "run verify --env " + f.getKey() + " --verbose",
                                    e.getCause())));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        print(results, Duration.ofNanos(System.nanoTime() - start));
        // --probe on a digest secret without its SECURE_API_PROBE_KEY_<ENV>: bad input, as for one API
        if (results.stream().anyMatch(e -> e.error() instanceof io.secureapi.engine.Verify.NoProbeKey))
            return ExitException.BAD_INPUT;
        return results.stream().allMatch(Entry::ok) ? 0 : ExitException.FAILED;
    }

    private Entry one(String name, ProjectConfig c, AwsSettings base, Set<String> allowed, boolean probing) {
        String region = c.region() != null && !c.region().isBlank() ? c.region() : base.region();
        io.secureapi.support.Progress progress = line -> cmd.progress().say("[" + name + "] " + line);
        try (AwsClients aws = new AwsClients(
                new AwsSettings(region, base.profile(), base.endpoint()),
                cmd.session().interceptors())) {
            String var = io.secureapi.engine.Verify.probeKeyEnv(name);
            Verification v = cmd.check(
                    c.apiId(),
                    region,
                    c,
                    aws,
                    progress,
                    allowed,
                    probing,
                    null,
                    probing ? cmd.fromEnv(List.of(var)).orElse(null) : null,
                    var);
            return new Entry(name, c, v, null);
        } catch (ExitException e) {
            return new Entry(name, c, null, e);
        }
    }

    private void print(List<Entry> results, Duration elapsed) {
        cmd.printReport(
                cmd.report,
                () -> VerifyReport.jsonAll(results),
                () -> VerifyReport.junitAll(results, elapsed),
                () -> MarkdownReport.verifyAll(results),
                style -> VerifyReport.textAll(results, style));
    }
}
