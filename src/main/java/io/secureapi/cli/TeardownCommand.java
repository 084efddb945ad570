package io.secureapi.cli;

import io.secureapi.config.ConfigFile;
import io.secureapi.config.ProjectConfig;
import io.secureapi.engine.Teardown;
import io.secureapi.error.ExitException;
import io.secureapi.model.Plan;
import io.secureapi.pieces.RoutesPiece;
import io.secureapi.pieces.Wiring;
import io.secureapi.support.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
        name = "teardown",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Remove what secure-api set up on an HTTP API, and nothing else.",
            "",
            "Prints a plan first. Routes go back to the authorization they had before setup (recorded in",
            "secure-api.json; NONE, i.e. public, when nothing was recorded), the authorizer and our invoke",
            "permission are deleted, SECRET_ARN comes off the function (its other variables stay), our",
            "statement comes off the secret's policy (others stay), the secret is scheduled for deletion",
            "(restorable for --recovery-days), and the bundled function and its role are deleted only if",
            "tagged secure-api:managed=true. A second run changes nothing.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  secure-api teardown --dry-run",
            "  secure-api teardown --yes --keep-secret",
            "  secure-api teardown --yes --deploy-stages",
            "  secure-api teardown --api-id a1b2c3d4 --region eu-west-1 --recovery-days 30 --yes",
            "",
            "Asks you to type the API id unless --yes is given; refuses without --yes when not on a terminal."
        })
public class TeardownCommand extends AwsCommand {
    @Mixin
    ApiIdOption api = new ApiIdOption();

    @Option(
            names = "--keep-secret",
            description =
                    "Keep the secret (and the key in it); only our policy statement comes off. Remembered in secure-api.json.")
    boolean keepSecret;

    /** The config entry's record that a teardown kept the secret; setup clears it. */
    static final String KEPT_SECRET = "keptSecret";

    /** --keep-secret, or remembered from an earlier teardown. */
    private boolean keep;

    @Option(
            names = "--recovery-days",
            paramLabel = "DAYS",
            description = "Days the secret stays restorable before Secrets Manager deletes it, 7..30 (default: 7).")
    Integer recoveryDays;

    @Option(names = "--yes", description = "Apply without asking (for scripts and CI).")
    boolean yes;

    @Option(
            names = "--deploy-stages",
            description =
                    "Deploy each stage without AutoDeploy whose deployment still uses secure-api's authorizer, right after "
                            + "the routes are restored (a deployment also releases any other undeployed change). Without it, teardown refuses.")
    boolean deployStages;

    @Mixin
    DryRunOption dryRun = new DryRunOption();

    @Override
    protected int run() {
        int days = recoveryDays == null ? Wiring.Removal.DEFAULT.recoveryDays() : recoveryDays;
        if (days < Wiring.Removal.MIN_RECOVERY_DAYS || days > Wiring.Removal.MAX_RECOVERY_DAYS) {
            throw ExitException.badInput(
                    "--recovery-days " + days + " is out of range",
                    "give 7 to 30 days (Secrets Manager's limits), or --keep-secret to keep the secret");
        }
        String id = apiId();
        ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
        String region = settings().region();
        // an earlier teardown --keep-secret is remembered: a later plain teardown must not delete what it kept
        boolean keptBefore = cfg != null
                && entryName()
                        .flatMap(n -> configFile().flatMap(f -> f.rawEntry(n)))
                        .map(r -> Boolean.TRUE.equals(r.get(KEPT_SECRET)))
                        .orElse(false);
        keep = keepSecret || keptBefore;
        if (keptBefore && !keepSecret) {
            err().println("note: keeping the secret: an earlier teardown --keep-secret kept it (\"" + KEPT_SECRET
                    + "\" in " + configPath() + "); to delete it, remove that field and run teardown again");
        }
        Teardown teardown = Teardown.read(id, region, cfg, new Wiring.Removal(keep, days), aws(), progress())
                .deployStages(deployStages);
        Plan plan = teardown.plan();
        List<String> madePublic = teardown.routesMadePublic();
        printPlan("Teardown plan for API " + id + " (" + region + ")", plan, dryRun.on);
        teardown.warnings().forEach(w -> err().println("warning: " + w));
        if (!madePublic.isEmpty() && !plan.isEmpty()) {
            err().println("warning: after teardown these routes need no key (public): "
                    + io.secureapi.support.Lists.shortened(madePublic)
                    + (madePublic.size() > io.secureapi.support.Lists.SHOWN ? " (--output json lists them all)" : ""));
        }
        err().flush();
        if (plan.isEmpty() || dryRun.on) {
            boolean marked = !dryRun.on && markConfig(cfg);
            if (json()) {
                printJson(teardown, plan, false, madePublic, marked);
            } else if (plan.isEmpty()) {
                out().println(style().green(
                                "Nothing to remove: secure-api is not on API " + id + " (no writes made)."));
            } else {
                out().println(dryRunNote(
                        plan, io.secureapi.pieces.StagesPiece.needingFlag(teardown.wiring(), plan.changes())));
            }
            return 0;
        }
        teardown.refuseUndeployedStages(plan);
        confirm(id, plan);
        teardown.apply(plan, progress());
        boolean marked = markConfig(cfg);
        if (json()) {
            printJson(teardown, plan, true, madePublic, marked);
            return 0;
        }
        out().println(style().green("Done: " + changes(plan) + " applied; secure-api is off API " + id + "."));
        afterword(teardown.wiring(), marked);
        return 0;
    }

    /** --yes, or the API id typed on a terminal; anything else changes nothing (exit 2). */
    private void confirm(String id, Plan plan) {
        if (yes) return;
        if (!session().stdinIsTerminal()) {
            throw ExitException.badInput(
                    "teardown needs confirmation and standard input is not a terminal; nothing was changed",
                    "review the plan above, then run it again with --yes");
        }
        err().print("Type the API id (" + id + ") to apply these " + plan.changeCount() + " changes: ");
        err().flush();
        String typed = session().readLine();
        if (!typed.equals(id)) {
            throw ExitException.badInput(
                    "confirmation \"" + typed + "\" is not the API id " + id + "; nothing was changed",
                    "run it again and type " + id + ", or pass --yes");
        }
    }

    /**
     * secure-api.json stays, marked "tornDown" with the time: the same command then finds nothing to
     * remove, and `secure-api setup` puts the same protection back. Delete the file when done.
     * {@code cfg}: this API's entry, null for none (then there is nothing to mark).
     */
    private boolean markConfig(ProjectConfig cfg) {
        if (cfg == null) return false;
        String name = entryNameOrDefault();
        try {
            // read again: only this entry's markers change, whatever else the file holds now
            ConfigFile now = ConfigFile.read(configPath()).orElse(null);
            if (now == null || now.entry(name).isEmpty()) return false;
            Map<String, Object> raw = now.rawEntry(name).orElseThrow();
            boolean rememberKept = keep && !Boolean.TRUE.equals(raw.get(KEPT_SECRET));
            if (raw.containsKey(SetupCommand.TORN_DOWN) && !rememberKept) return false;
            if (!raw.containsKey(SetupCommand.TORN_DOWN)) {
                now = now.withField(
                        name,
                        SetupCommand.TORN_DOWN,
                        Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            }
            if (rememberKept) now = now.withField(name, KEPT_SECRET, true);
            now.write();
            return true;
        } catch (ExitException e) {
            err().println("warning: cannot mark entry " + name + " of " + configPath() + " as torn down ("
                    + e.getMessage() + ")");
            return false;
        }
    }

    private void afterword(Wiring w, boolean marked) {
        w.secret().ifPresent(s -> {
            if (s.scheduledForDeletion()) {
                out().println("Secret " + s.name()
                        + " is scheduled for deletion; until then: aws secretsmanager restore-secret --secret-id "
                        + s.arn() + " --region " + w.region());
            } else {
                out().println("Secret " + s.name() + " was kept"
                        + (s.ownedBy(w.apiId()) ? " (--keep-secret)." : " (not created by secure-api)."));
            }
        });
        if (marked) {
            // routes put back on their own JWT, IAM or Lambda authorizer: setup takes them again only when told
            String setup = RoutesPiece.replacesAnother(w) ? "setup --replace-authorizer" : "setup";
            out().println("Marked " + configPath() + " as torn down; `" + next(setup)
                    + "` puts the same protection back, or delete the file.");
        }
    }

    private void printJson(Teardown teardown, Plan plan, boolean applied, List<String> madePublic, boolean marked) {
        Wiring w = teardown.wiring();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "teardown");
        doc.put("apiId", w.apiId());
        doc.put("region", w.region());
        doc.put("dryRun", dryRun.on);
        doc.put("changed", applied && !plan.isEmpty());
        doc.put("plan", plan.toJson());
        doc.put("routesMadePublic", madePublic);
        doc.put("warnings", teardown.warnings());
        doc.put("routesWithoutRecord", teardown.unrecordedRoutes());
        doc.put("secretArn", w.secretArn());
        doc.put("configMarked", marked);
        out().println(Json.pretty(doc));
    }
}
