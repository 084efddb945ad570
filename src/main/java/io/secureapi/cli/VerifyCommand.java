package io.secureapi.cli;

import io.secureapi.config.Target;
import io.secureapi.engine.Probe;
import io.secureapi.engine.Verify;
import io.secureapi.error.ExitException;
import io.secureapi.model.Check;
import io.secureapi.model.Verification;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Check that the API-key protection holds: read-only, every piece, every route.",
            "",
            "Each check has a stable id and a status (pass / fail / warn); a failure says",
            "how to fix it (usually: run secure-api setup). Run it in CI after every deploy:",
            "a later `amplify push` can add routes without the authorizer. With --probe it",
            "also sends real requests: no key must get 401, a wrong key 403, the right key",
            "neither.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  secure-api verify",
            "  secure-api verify --allow-public 'GET /health' \\",
            "      --output junit --report reports/verify.xml",
            "  secure-api verify --all --output junit --report reports/verify.xml",
            "  secure-api verify --probe --output json \\",
            "      | jq '.checks[] | select(.status != \"pass\")'",
            "",
            "Exit codes: 0 nothing failed (warnings allowed), 1 a check failed,",
            "2 bad input, 3 AWS refused or failed."
        })
public class VerifyCommand extends AwsCommand {
    @Override
    protected boolean recoversKeys() {
        return !all;
    }

    @Mixin
    ApiIdOption api = new ApiIdOption();

    @Option(
            names = "--probe",
            description =
                    "Also send real HTTP requests to the API: no key → 401, wrong key → 403, right key → neither.")
    boolean probe;

    @Option(
            names = "--probe-url",
            paramLabel = "URL",
            description =
                    "Probe this URL instead of the API's endpoint (implies --probe), e.g. a custom domain and path.")
    String probeUrl;

    @Option(
            names = "--key-file",
            paramLabel = "FILE",
            description =
                    "The right key for --probe (its first line; implies --probe). Without it: --key-stdin, or the "
                            + "environment variable SECURE_API_PROBE_KEY (SECURE_API_PROBE_KEY_<ENV> with --env or --all; "
                            + "e.g. SECURE_API_PROBE_KEY_MY_PROD for entry my-prod). Keys stored as digests cannot be read back: "
                            + "make one for CI with secure-api keys add ci.")
    Path keyFile;

    @Option(
            names = "--key-stdin",
            description = "Read the right key for --probe from standard input (its first line; implies --probe).")
    boolean keyStdin;

    @Option(
            names = "--allow-public",
            paramLabel = "ROUTE KEY",
            description =
                    "A route that is public on purpose, e.g. 'GET /health' (repeatable). OPTIONS routes are never failures.")
    List<String> allowPublic = new ArrayList<>();

    @Mixin
    ReportOption report = new ReportOption();

    @Option(
            names = "--quotas",
            description =
                    "Also check each key against its quota (keys.quota: warn at 80 %%, fail at 100 %% this UTC day or month),"
                            + " with one Logs Insights query over the access logs; plain verify makes no query.")
    boolean quotas;

    @Option(
            names = "--all",
            description = "Check every entry of secure-api.json, concurrently, in one report "
                    + "(exit 1 when any entry fails; an entry that cannot be checked is a failure of that entry).")
    boolean all;

    @Override
    protected boolean acceptsMarkdown() {
        return true;
    }

    @Override
    protected boolean acceptsJunit() {
        return true;
    }

    @Override
    protected int run() {
        if (all) return new VerifyAll(this).run();
        long start = System.nanoTime();
        // Every input is checked before the first AWS call.
        Set<String> allowed = allowed();
        Optional<URI> url = probeUrl();
        Optional<Verify.ProbeKeySource> given = givenKey();
        report.check("verify");
        boolean probing = probe || url.isPresent() || keyFile != null || keyStdin;

        String id = apiId();
        Verification v = check(
                id,
                settings().region(),
                config().orElse(null),
                aws(),
                progress(),
                allowed,
                probing,
                url.orElse(null),
                given.orElse(null),
                envOption().map(Verify::probeKeyEnv).orElse(Verify.PROBE_KEY_ENV));
        v = v.withFixes(this::withSelection);
        print(v, Duration.ofNanos(System.nanoTime() - start));
        return v.ok() ? 0 : ExitException.FAILED;
    }

    /**
     * One API: read, check, and probe when asked. verify --all calls it once per entry, concurrently.
     * Null for none: {@code cfg} (the config entry), {@code url} (probe the API's own), {@code given} (the
     * key given: a file, stdin or the environment; none: a legacy plaintext secret's live key).
     * {@code envVar} names the variable the key could have come from, for the error without one.
     */
    Verification check(
            String id,
            String region,
            io.secureapi.config.ProjectConfig cfg,
            io.secureapi.aws.AwsClients aws,
            io.secureapi.support.Progress progress,
            Set<String> allowed,
            boolean probing,
            URI url,
            Verify.ProbeKeySource given,
            String envVar) {
        Target target = Target.fromConfig(id, region, cfg);
        // a torn-down entry: what teardown promised (our authorizer gone, routes given back), never the protection
        if (cfg != null && tornDown(cfg)) return io.secureapi.engine.TornDown.verify(target, aws, progress, cfg);
        Verify verify = Verify.read(target, aws, progress, cfg);
        // routes setup's --routes left out come with the target (from the config): verify allows them, but never a
        // catch-all
        Verification v = verify.check(new Check.Options(allowed, LocalDate.now(ZoneOffset.UTC)));
        if (probing) {
            URI at = url != null ? url : verify.probeUrl();
            Verify.ProbeKeySource key = given != null ? given : verify.probeKey();
            if (key.digests()) throw new Verify.NoProbeKey(id, target.secretName(), envVar);
            progress.say("probing " + at);
            v = v.with(Probe.run(at, target.header(), key, url != null ? null : verify.probeStage()));
        }
        if (quotas) v = v.with(java.util.List.of(quotaCheck(target, region, cfg, aws, progress)));
        return v;
    }

    /** keys.quota (verify --quotas): skipped without access logs; a failure to read or query is a failure. */
    private static io.secureapi.model.Check quotaCheck(
            Target target,
            String region,
            io.secureapi.config.ProjectConfig cfg,
            io.secureapi.aws.AwsClients aws,
            io.secureapi.support.Progress progress) {
        String secret =
                cfg != null && cfg.secretArn() != null && !cfg.secretArn().isBlank()
                        ? cfg.secretArn()
                        : target.secretName();
        if (cfg == null || cfg.accessLogs() == null) {
            return io.secureapi.model.Check.skip(
                    "keys.quota",
                    secret,
                    "access logs are off: no request counts to compare with the quotas",
                    "run secure-api setup --access-logs");
        }
        try {
            io.secureapi.keys.DigestSecret d = io.secureapi.engine.Quotas.read(aws, region, secret);
            if (d == null) return io.secureapi.model.Check.pass("keys.quota", secret, "no key has a quota");
            return io.secureapi.engine.Quotas.check(
                    secret,
                    io.secureapi.engine.Quotas.measure(
                            aws, region, cfg.accessLogs().logGroups(), d, java.time.Instant.now(), progress));
        } catch (ExitException e) {
            return io.secureapi.model.Check.fail(
                    "keys.quota", secret, "quotas could not be checked: " + e.getMessage(), e.hint());
        }
    }

    /** Whether {@code cfg} is an entry of this command's config marked torn down. */
    private boolean tornDown(io.secureapi.config.ProjectConfig cfg) {
        return configFile()
                .map(f -> f.names().stream()
                        .anyMatch(n -> f.entry(n).orElseThrow() == cfg && SetupCommand.tornDown(f, n)))
                .orElse(false);
    }

    private void print(Verification v, Duration elapsed) {
        printReport(
                report,
                () -> VerifyReport.json(v),
                () -> VerifyReport.junit(v, elapsed),
                () -> MarkdownReport.verify(v),
                style -> VerifyReport.text(v, style));
    }

    Set<String> allowed() {
        Set<String> keys = new LinkedHashSet<>();
        for (String raw : allowPublic) {
            String k = raw.strip().replaceAll("\\s+", " ");
            if (!isRouteKey(k)) {
                throw ExitException.badInput(
                        "--allow-public \"" + raw + "\" is not a route key",
                        "give a route key as API Gateway shows it, e.g. --allow-public 'GET /health' or --allow-public '$default'");
            }
            keys.add(k);
        }
        return keys;
    }

    /** A route key as API Gateway shows it: $default, or a method and a path (--allow-public of verify and scan). */
    static boolean isRouteKey(String key) {
        return key.equals("$default") || key.matches("(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /\\S*");
    }

    private Optional<URI> probeUrl() {
        if (probeUrl == null) return Optional.empty();
        URI u;
        try {
            u = new URI(probeUrl.strip());
            if (u.getScheme() == null
                    || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
            u = u.getPath() == null || u.getPath().isEmpty() ? URI.create(u + "/") : u;
        } catch (Exception e) {
            throw ExitException.badInput(
                    "--probe-url \"" + probeUrl + "\" is not an http(s) URL",
                    "e.g. --probe-url https://abc123.execute-api.us-east-1.amazonaws.com/items");
        }
        // the probe sends the real key: never in clear text over a network
        String host = u.getHost();
        boolean loopback =
                host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
        if (u.getScheme().equals("http") && !loopback) {
            throw ExitException.badInput(
                    "--probe-url " + u + " is plain http: the probe would send the key in clear text",
                    "use https (http is allowed only on loopback, for local tests)");
        }
        return Optional.of(u);
    }

    /**
     * The key given for --probe: --key-file, else --key-stdin, else the environment
     * (SECURE_API_PROBE_KEY_&lt;ENV&gt; with --env, then SECURE_API_PROBE_KEY); first line, checked for
     * what a header can carry; never echoed.
     */
    private Optional<Verify.ProbeKeySource> givenKey() {
        if (keyFile != null && keyStdin) {
            throw ExitException.badInput("--key-file and --key-stdin both given", "give the probe key one way");
        }
        if (keyFile != null) {
            String from = "key file " + keyFile;
            return Optional.of(Verify.ProbeKeySource.of(
                    headerSafe(KeyOptions.readKeyFile(keyFile), from), "--key-file " + keyFile));
        }
        if (keyStdin) {
            String line;
            try {
                String text =
                        new String(session().in().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
                int nl = text.indexOf('\n');
                line = (nl < 0 ? text : text.substring(0, nl)).strip();
            } catch (java.io.IOException e) {
                throw ExitException.badInput("cannot read the key from standard input", "pipe it in: < ci.key");
            }
            return Optional.of(Verify.ProbeKeySource.of(headerSafe(line, "standard input"), "standard input"));
        }
        List<String> vars = new ArrayList<>();
        envOption().map(Verify::probeKeyEnv).ifPresent(vars::add);
        vars.add(Verify.PROBE_KEY_ENV);
        return fromEnv(vars);
    }

    /** The first of these environment variables that is set (not blank), as a probe key. */
    Optional<Verify.ProbeKeySource> fromEnv(List<String> vars) {
        for (String var : vars) {
            String v = session().env().get(var);
            if (v == null || v.isBlank()) continue;
            String from = "environment variable " + var;
            return Optional.of(Verify.ProbeKeySource.of(headerSafe(v.strip(), from), from));
        }
        return Optional.empty();
    }

    private static io.secureapi.keys.ApiKey headerSafe(String line, String from) {
        if (line.isEmpty())
            throw ExitException.badInput("the key in " + from + " is empty", "put the key on its first line");
        if (line.chars().anyMatch(c -> c < 0x20 || c >= 0x7f)) {
            throw ExitException.badInput(
                    "the key in " + from + " has a character a header value cannot carry (control or non-ASCII)",
                    "give exactly the key clients send");
        }
        return io.secureapi.keys.ApiKey.unchecked(line);
    }

    /** --output junit --report F when verify cannot run: one failing test case that says why, so CI shows it. */
    @Override
    protected void onError(ExitException e) {
        if (report.file == null || output().output != OutputOptions.Format.junit || Files.isDirectory(report.file))
            return;
        String what = Optional.ofNullable(apiIdOption())
                .or(() -> envOption().map(n -> "--env " + n))
                .orElse("");
        try {
            report.write(VerifyReport.junitError(what, e.getMessage(), e.hint(), e.exitCode()));
        } catch (ExitException unwritable) {
            err().println("warning: " + unwritable.getMessage());
        }
    }
}
