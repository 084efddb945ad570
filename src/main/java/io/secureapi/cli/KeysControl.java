package io.secureapi.cli;

import io.secureapi.config.ProjectConfig;
import io.secureapi.engine.CacheFlush;
import io.secureapi.engine.NamedKeys;
import io.secureapi.engine.Quotas;
import io.secureapi.error.ExitException;
import io.secureapi.keys.DigestSecret;
import io.secureapi.keys.Quota;
import io.secureapi.support.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * keys disable / enable / quota / enforce: per-consumer control kept in each key's entry of the
 * digest document (no new key, so nothing changes in Bubble), every write ending with the flush.
 */
final class KeysControl {
    private KeysControl() {}

    static final String RERUN =
            "run any keys add, keys revoke or rotate-key of this API (each ends with a complete flush)";

    /** Reads the API's keys (exit 2 for what keys cannot manage). */
    static NamedKeys read(AwsCommand c, String id, ProjectConfig cfg) {
        return NamedKeys.read(id, c.settings().region(), cfg, c.aws(), c.progress());
    }

    static Map<String, Object> head(AwsCommand c, String command, String id, NamedKeys named) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("command", command);
        d.put("schemaVersion", 1);
        d.put("apiId", id);
        d.put("region", c.settings().region());
        d.put("secretName", named.secretName());
        return d;
    }

    /** keys disable and keys enable. */
    abstract static class Toggle extends AwsCommand {
        @Parameters(
                index = "0",
                arity = "1..*",
                paramLabel = "NAME",
                description = "The keys (see secure-api keys list).")
        List<String> names;

        @Mixin
        ApiIdOption api = new ApiIdOption();

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        abstract boolean disabling();

        @Override
        protected int run() {
            for (String n : names) DigestSecret.checkName(n, "NAME");
            String id = apiId();
            ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
            NamedKeys named = read(this, id, cfg);
            named.checkRevoke(names); // each exists, each given once: exit 2 before any write
            String verb = disabling() ? "disabled" : "enabled";
            List<String> change = names.stream()
                    .filter(n -> (named.digests().get(n).disabled() == null) == disabling())
                    .toList();
            Map<String, Object> d = head(this, disabling() ? "keys disable" : "keys enable", id, named);
            d.put("names", names);
            d.put("dryRun", dryRun.on);
            d.put("changing", change);
            if (dryRun.on || change.isEmpty()) {
                d.put("changed", false);
                if (json()) out().println(Json.pretty(d));
                else if (change.isEmpty())
                    out().println("Nothing to do: " + String.join(", ", names) + (names.size() == 1 ? " is" : " are")
                            + " " + verb + " already.");
                else
                    out().println("Dry run: " + String.join(", ", change) + " would be " + verb + " in secret "
                            + named.secretName() + " (one new version). Nothing was changed.");
                return 0;
            }
            Instant now = Instant.now();
            String version = named.setDisabled(
                    change, disabling() ? new DigestSecret.Disabled(DigestSecret.Disabled.BY_OPERATOR, now) : null);
            Instant writtenAt = Instant.now();
            CacheFlush.Result flushed = named.flush(writtenAt, RERUN);
            d.put("changed", true);
            d.put("versionId", version);
            if (json()) {
                KeysCommand.putFlushed(d, flushed);
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().green("Done: " + (change.size() == 1 ? "key " : "keys ") + String.join(", ", change)
                    + (change.size() == 1 ? " is " : " are ") + verb + " (secret " + named.secretName() + ", version "
                    + version + "); "
                    + (disabling()
                            ? "refused (403) from now on; digest, expiry and quota are kept: keys enable brings "
                                    + (change.size() == 1 ? "it" : "them") + " back with the same key."
                            : "accepted again with the same key.")));
            KeysCommand.printFlushed(out(), flushed, "no stage (the API has none)", named.unflushedWindowSeconds());
            return 0;
        }
    }

    @Command(
            name = "disable",
            mixinStandardHelpOptions = true,
            description = {
                "Suspend keys NAME...: the authorizer refuses them (403) within seconds (the caches are emptied),",
                "but each keeps its digest, expiry, quota and history, so keys enable resumes it with the same key",
                "(nothing to change in Bubble). Recorded as disabled by the operator: keys enforce never enables it.",
                ""
            },
            footer = {"", "Example:", "  secure-api keys disable partner-a"})
    static class Disable extends Toggle {
        @Override
        boolean disabling() {
            return true;
        }
    }

    @Command(
            name = "enable",
            mixinStandardHelpOptions = true,
            description = {
                "Resume keys NAME... disabled by keys disable or keys enforce: accepted again within seconds.",
                "A key over its quota may be disabled again by the next keys enforce.",
                ""
            },
            footer = {"", "Example:", "  secure-api keys enable partner-a"})
    static class Enable extends Toggle {
        @Override
        boolean disabling() {
            return false;
        }
    }

    @Command(
            name = "quota",
            mixinStandardHelpOptions = true,
            description = {
                "Set or clear the request quota of key NAME: requests per calendar day or month (UTC). The",
                "authorizer does not count requests (cached answers never reach it): secure-api usage shows each",
                "key against its quota and secure-api keys enforce disables the keys over it.",
                ""
            },
            footer = {
                "",
                "Examples:",
                "  secure-api keys quota partner-a 100000/month",
                "  secure-api keys quota partner-b 5000/day",
                "  secure-api keys quota partner-a --none"
            })
    static class QuotaCommand extends AwsCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The key.")
        String name;

        @Parameters(
                index = "1",
                arity = "0..1",
                paramLabel = "LIMIT/PERIOD",
                description = "Requests per UTC day or month, e.g. 100000/month or 5000/day.")
        String quota;

        @Option(names = "--none", description = "Clear the quota.")
        boolean none;

        @Mixin
        ApiIdOption api = new ApiIdOption();

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        @Override
        protected int run() {
            DigestSecret.checkName(name, "NAME");
            if (none == (quota != null)) {
                throw ExitException.badInput(
                        none ? "give LIMIT/PERIOD or --none, not both" : "keys quota needs LIMIT/PERIOD or --none",
                        "e.g. secure-api keys quota " + name + " 100000/month, or --none to clear it");
            }
            Quota q = none ? null : Quota.parse(quota, "LIMIT/PERIOD");
            String id = apiId();
            ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
            NamedKeys named = read(this, id, cfg);
            named.checkRevoke(name);
            Map<String, Object> d = head(this, "keys quota", id, named);
            d.put("name", name);
            d.put(
                    "quota",
                    q == null
                            ? null
                            : Map.of("limit", q.limit(), "period", q.period().word()));
            d.put("dryRun", dryRun.on);
            boolean same = java.util.Objects.equals(named.digests().get(name).quota(), q);
            if (dryRun.on || same) {
                d.put("changed", false);
                if (json()) out().println(Json.pretty(d));
                else
                    out().println((same
                                    ? "Nothing to do: key " + name + " has "
                                    : "Dry run: key " + name + " would have ")
                            + (q == null ? "no quota" : "a quota of " + q) + "."
                            + (same ? "" : " Nothing was changed."));
                return 0;
            }
            String version = named.setQuota(name, q);
            CacheFlush.Result flushed = named.flush(Instant.now(), RERUN);
            d.put("changed", true);
            d.put("versionId", version);
            if (json()) {
                KeysCommand.putFlushed(d, flushed);
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().green("Done: key " + name + (q == null ? " has no quota" : " has a quota of " + q)
                    + " (secret " + named.secretName() + ", version " + version + ")."
                    + (q == null ? "" : " secure-api keys enforce disables it once over.")));
            KeysCommand.printFlushed(out(), flushed, "no stage (the API has none)", named.unflushedWindowSeconds());
            return 0;
        }
    }

    @Command(
            name = "enforce",
            mixinStandardHelpOptions = true,
            description = {
                "Apply the quotas: disable every key over its quota (recorded as disabled by enforce), and enable",
                "again the keys enforce disabled whose period (UTC day or month) has rolled over, never a key an",
                "operator disabled. One secret version, then the caches are emptied. Counts come from the access",
                "logs (setup --access-logs) with one Logs Insights query: enforcement is as fresh as the last",
                "enforce run plus the log delivery delay. Run it on a schedule (see the keys manual page).",
                ""
            },
            footer = {
                "",
                "Examples:",
                "  secure-api keys enforce --dry-run",
                "  secure-api keys enforce --output json",
                "",
                "Exit codes: 0 done (or nothing to do), 2 bad usage (or access logs off), 3 AWS refused or failed."
            })
    static class Enforce extends AwsCommand {
        @Mixin
        ApiIdOption api = new ApiIdOption();

        @Mixin
        DryRunOption dryRun = new DryRunOption();

        @Override
        protected int run() {
            String id = apiId();
            ProjectConfig cfg = config().filter(ProjectConfig.forApi(id)).orElse(null);
            if (cfg == null || cfg.accessLogs() == null) {
                throw ExitException.badInput(
                        "access logs are off for API " + id + " (" + settings().region()
                                + "): keys enforce counts requests in them",
                        "run secure-api setup --access-logs first (requests from then on are counted)");
            }
            NamedKeys named = read(this, id, cfg);
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            Map<String, Quotas.Standing> standing = Quotas.measure(
                    aws(), settings().region(), cfg.accessLogs().logGroups(), named.digests(), now, progress());
            Quotas.Plan plan = Quotas.plan(named.digests(), standing);
            String version = null;
            CacheFlush.Result flushed = null;
            if (!dryRun.on && !plan.empty()) {
                version = named.change(
                        "enforcing quotas (disabling "
                                + (plan.disable().isEmpty() ? "none" : String.join(", ", plan.disable()))
                                + "; enabling " + (plan.enable().isEmpty() ? "none" : String.join(", ", plan.enable()))
                                + ") in secret " + named.secretName(),
                        d -> Quotas.apply(d, plan, now));
                flushed = named.flush(Instant.now(), "run secure-api keys enforce again");
            }
            List<String> throttling;
            try {
                throttling = Quotas.throttling(aws(), settings().region(), id);
            } catch (ExitException e) {
                throttling = List.of("unknown: " + e.getMessage());
            }
            if (json()) {
                Map<String, Object> d = head(this, "keys enforce", id, named);
                d.put("stageThrottling", throttling);
                d.put("dryRun", dryRun.on);
                d.put("at", now.toString());
                d.put("changed", version != null);
                d.put("disabled", plan.disable());
                d.put("enabled", plan.enable());
                List<Object> keys = new ArrayList<>();
                new java.util.TreeMap<>(named.digests().keys()).forEach((n, e) -> {
                    Map<String, Object> k = new LinkedHashMap<>();
                    k.put("name", n);
                    k.put("state", NamedKeys.state(e));
                    k.put(
                            "disabledBy",
                            e.disabled() == null ? null : e.disabled().by());
                    Quotas.Standing s = standing.get(n);
                    k.put("quota", s == null ? null : s.toJson());
                    keys.add(k);
                });
                d.put("keys", keys);
                if (version != null) d.put("versionId", version);
                if (flushed != null) KeysCommand.putFlushed(d, flushed);
                out().println(Json.pretty(d));
                return 0;
            }
            out().println(style().bold("Quotas of API " + id + " (" + settings().region() + ") at " + now));
            if (standing.isEmpty())
                out().println("  (no key has a quota: set one with " + next("keys quota NAME 100000/month") + ")");
            for (Quotas.Standing s : standing.values()) {
                out().printf(
                                "  %-32s  %12d / %-14s  %6.1f %%  %s%n",
                                s.name(), s.used(), s.quota(), s.percent(), s.status());
            }
            String what = "disable " + (plan.disable().isEmpty() ? "none" : String.join(", ", plan.disable()))
                    + "; enable " + (plan.enable().isEmpty() ? "none" : String.join(", ", plan.enable()));
            out().println(
                            "Per-request throttling (the stages' route throttling; secure-api reports it, never changes it):");
            for (String t : throttling) out().println("  " + t);
            if (plan.empty()) out().println("Nothing to do.");
            else if (dryRun.on) out().println("Dry run: would " + what + ". Nothing was changed.");
            else {
                out().println(style().green(
                                "Done: " + what + " (secret " + named.secretName() + ", version " + version + ")."));
                KeysCommand.printFlushed(out(), flushed, "no stage (the API has none)", named.unflushedWindowSeconds());
            }
            return 0;
        }
    }
}
