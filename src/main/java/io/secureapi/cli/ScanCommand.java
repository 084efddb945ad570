package io.secureapi.cli;

import io.secureapi.aws.AwsClients;
import io.secureapi.aws.AwsSettings;
import io.secureapi.error.ExitException;
import io.secureapi.scan.Scan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "scan",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Find the HTTP APIs of the account that answer without authorization.",
            "Read-only.",
            "",
            "For every HTTP API in the regions given: each route with no authorization",
            "(OPTIONS routes are CORS preflight, which browsers send without",
            "credentials, and are never counted), each route on a JWT, IAM or other",
            "Lambda authorizer, and whether secure-api protects the API (its",
            "authorizer, or an entry of secure-api.json). A stage without AutoDeploy is",
            "judged by what it serves (its deployment), and a failed automatic",
            "deployment is a finding. A region where AWS refuses the reads (an SCP's",
            "deny, an opt-in region not enabled) is skipped with the reason. Exit 1",
            "while a public route or a stage finding remains that --allow-public does",
            "not name.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  secure-api scan",
            "  secure-api scan --regions all --output json | jq '.apis[] | select(.publicRoutes != [])'",
            "  secure-api scan --regions eu-west-1,us-east-1 --allow-public 'a1b2c3d4 GET /health' \\",
            "      --output junit --report reports/scan.xml",
            "",
            "Exit codes: 0 no unexpected public route, 1 a public route remains,",
            "2 bad input (unknown region, malformed --allow-public), 3 AWS refused or failed",
            "(every region refused, or a failure other than a refusal)."
        })
public class ScanCommand extends AwsCommand {
    @Override
    protected boolean recoversKeys() {
        return false;
    }

    @Option(
            names = "--regions",
            paramLabel = "R,R…|all",
            split = ",",
            hideParamSyntax = true,
            description =
                    "Regions to scan (default: the current region). all: every region of the credentials' partition "
                            + "the account has enabled (account:ListRegions; in aws-cn and aws-us-gov the SDK's list of the "
                            + "partition); an opt-in region that is not enabled is skipped with a note.")
    List<String> regions = new ArrayList<>();

    @Option(
            names = "--allow-public",
            paramLabel = "API_ID ROUTE KEY",
            description = "A route that is public on purpose, e.g. 'a1b2c3d4 GET /health' (repeatable).")
    List<String> allowPublic = new ArrayList<>();

    @Mixin
    ReportOption report = new ReportOption();

    private final Map<String, AwsClients> byRegion = new ConcurrentHashMap<>();

    @Override
    protected boolean acceptsMarkdown() {
        return true;
    }

    @Override
    protected boolean acceptsJunit() {
        return true;
    }

    /** The current region comes from the flags and the AWS environment, never from secure-api.json: a scan is of the account. */
    @Override
    protected AwsSettings settings() {
        if (scanSettings == null) scanSettings = root().aws.resolve(session().env(), null, err());
        return scanSettings;
    }

    private AwsSettings scanSettings;

    @Override
    protected int run() {
        long start = System.nanoTime();
        Set<Scan.Allowed> allowed = allowed();
        boolean all = regions.stream().anyMatch(r -> r.strip().equalsIgnoreCase("all"));
        List<String> chosen = chosenRegions(all);
        report.check("scan");
        try {
            List<Scan.Skipped> skipped = List.of();
            if (all) {
                var enabled = Scan.enabledRegions(aws(), progress());
                chosen = enabled.getKey();
                skipped = enabled.getValue();
            }
            progress()
                    .say("scanning " + chosen.size() + " region" + (chosen.size() == 1 ? "" : "s") + ": "
                            + String.join(", ", chosen));
            Scan.Result result = Scan.run(chosen, skipped, this::clients, allowed, configured(), progress());
            print(result, Duration.ofNanos(System.nanoTime() - start));
            return result.ok() ? 0 : ExitException.FAILED;
        } finally {
            byRegion.values().forEach(AwsClients::close);
        }
    }

    /** The home region's clients are the command's own; every other region gets its own, closed at the end. */
    private AwsClients clients(String region) {
        if (region.equals(settings().region())) return aws();
        return byRegion.computeIfAbsent(region, r -> {
            AwsSettings s = settings();
            return new AwsClients(
                    new AwsSettings(r, s.profile(), s.endpoint()), session().interceptors());
        });
    }

    private List<String> chosenRegions(boolean all) {
        List<String> names =
                regions.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (all) {
            if (names.size() > 1) {
                throw ExitException.badInput(
                        "--regions all cannot be combined with region names",
                        "pass either --regions all or a list such as --regions eu-west-1,us-east-1");
            }
            return List.of();
        }
        if (names.isEmpty()) return List.of(settings().region());
        Set<String> out = new LinkedHashSet<>();
        String partition = Scan.partitionOf(names.get(0));
        for (String r : names) {
            if (!r.matches(AwsOptions.REGION_PATTERN) || !Scan.known(r)) {
                throw ExitException.badInput(
                        "unknown region \"" + r + "\" in --regions",
                        "give AWS region names such as --regions eu-west-1,us-east-1 (or --regions all)");
            }
            if (!Scan.partitionOf(r).equals(partition)) {
                throw ExitException.badInput(
                        "--regions mixes partitions (" + names.get(0) + " is in " + partition + ", " + r + " in "
                                + Scan.partitionOf(r) + "): one set of credentials works in one partition",
                        "scan each partition in its own run");
            }
            out.add(r);
        }
        return List.copyOf(out);
    }

    private Set<Scan.Allowed> allowed() {
        Set<Scan.Allowed> out = new LinkedHashSet<>();
        for (String raw : allowPublic) {
            String s = raw.strip().replaceAll("\\s+", " ");
            int sp = s.indexOf(' ');
            String id = sp < 0 ? s : s.substring(0, sp);
            String key = sp < 0 ? "" : s.substring(sp + 1);
            if (!id.matches(ApiIdOption.PATTERN) || !VerifyCommand.isRouteKey(key)) {
                throw ExitException.badInput(
                        "--allow-public \"" + raw + "\" is not an API id followed by a route key",
                        "e.g. --allow-public 'a1b2c3d4 GET /health' or --allow-public 'a1b2c3d4 $default'");
            }
            out.add(new Scan.Allowed(id, key));
        }
        return out;
    }

    /** The APIs secure-api.json says secure-api set up here, every entry but torn-down ones (none when there is no file). */
    private List<Scan.Configured> configured() {
        List<Scan.Configured> out = new ArrayList<>();
        configFile()
                .ifPresent(f -> f.entries().forEach((name, c) -> {
                    if (SetupCommand.tornDown(f, name)) return;
                    out.add(new Scan.Configured(c.apiId(), c.region(), c.authorizerName()));
                }));
        return out;
    }

    private void print(Scan.Result r, Duration elapsed) {
        printReport(
                report,
                () -> ScanReport.json(r),
                () -> ScanReport.junit(r, elapsed),
                () -> MarkdownReport.scan(r),
                style -> ScanReport.text(r, style));
    }
}
