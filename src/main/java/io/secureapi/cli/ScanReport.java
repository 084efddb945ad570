package io.secureapi.cli;

import io.secureapi.scan.Scan;
import io.secureapi.support.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** scan's three printed forms: a table an auditor can read, one JSON document, JUnit XML (one test case per API). */
final class ScanReport {
    private ScanReport() {}

    static String json(Scan.Result r) {
        return Json.pretty(r.toJson()) + "\n";
    }

    static String text(Scan.Result r, Style style) {
        StringBuilder b = new StringBuilder();
        b.append(style.bold("secure-api scan: " + r.apis().size() + " HTTP API"
                        + (r.apis().size() == 1 ? "" : "s") + " in "
                        + (r.regions().isEmpty() ? "no region" : String.join(", ", r.regions()))))
                .append('\n');
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {
            "REGION", "API ID", "NAME", "SECURE-API", "PUBLIC ROUTES", "ALLOWED PUBLIC", "OTHER AUTHORIZERS"
        });
        for (Scan.ApiFinding a : r.apis()) {
            List<String> other = a.otherAuthorizerRoutes().stream()
                    .map(k -> k + " [" + a.otherAuthorizerTypes().get(k) + "]")
                    .toList();
            rows.add(new String[] {
                a.region(),
                a.apiId(),
                a.name() == null ? "" : a.name(),
                a.protectedBySecureApi() ? "yes" : "no",
                cell(a.publicRoutes()),
                cell(a.allowedPublicRoutes()),
                cell(other)
            });
        }
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows)
            for (int i = 0; i < row.length; i++) width[i] = Math.max(width[i], Math.min(row[i].length(), 60));
        if (r.apis().isEmpty()) {
            b.append("  no HTTP APIs found\n");
        } else {
            for (int i = 0; i < rows.size(); i++) {
                String[] row = rows.get(i);
                StringBuilder line = new StringBuilder("  ");
                for (int c = 0; c < row.length; c++) {
                    String cell = row[c].length() > 60 ? row[c].substring(0, 59) + "…" : row[c];
                    line.append(String.format("%-" + width[c] + "s", cell)).append(c == row.length - 1 ? "" : "  ");
                }
                String l = line.toString().stripTrailing();
                boolean bad = i > 0 && !r.apis().get(i - 1).ok();
                b.append(i == 0 ? style.bold(l) : bad ? style.red(l) : l).append('\n');
            }
        }
        // every public route in full, whatever the table's width cut
        for (Scan.ApiFinding a : r.apis()) {
            if (a.ok()) continue;
            b.append('\n')
                    .append("  API ")
                    .append(a.apiId())
                    .append(" (")
                    .append(a.region())
                    .append(
                            a.publicRoutes().isEmpty()
                                    ? ") has a stage that does not serve what its routes say:\n"
                                    : ") answers without authorization on:\n");
            a.publicRoutes().forEach(k -> b.append("    - ").append(k).append('\n'));
            a.stageFindings().forEach(f -> b.append("    ! ").append(f).append('\n'));
            if (!a.stageFindings().isEmpty())
                b.append("    stages: a stage without AutoDeploy serves its last deployment until deployed again"
                        + " (secure-api setup --deploy-stages does it for a protected API); after a failed"
                        + " automatic deployment, fix what the message names and redeploy\n");
            if (a.publicRoutes().isEmpty()) continue;
            b.append("    fix: ")
                    .append(
                            a.protectedBySecureApi()
                                    ? "secure-api setup --api-id " + a.apiId() + " --region " + a.region()
                                            + " (it protects every route but OPTIONS ones)"
                                    : "protect it (secure-api setup --api-id " + a.apiId() + " --region " + a.region()
                                            + "), or pass --allow-public '" + a.apiId()
                                            + " ROUTE KEY' for a route that is public on purpose")
                    .append('\n');
        }
        for (Scan.Skipped s : r.skipped())
            b.append("  skipped ")
                    .append(s.region())
                    .append(": ")
                    .append(s.reason())
                    .append('\n');
        b.append('\n');
        long failing = r.apis().stream().filter(a -> !a.ok()).count();
        String summary = r.publicRouteCount() + " public route" + (r.publicRouteCount() == 1 ? "" : "s") + " on "
                + failing + " of " + r.apis().size() + " API" + (r.apis().size() == 1 ? "" : "s")
                + " (OPTIONS routes not counted)"
                + (r.skipped().isEmpty()
                        ? ""
                        : "; " + r.skipped().size() + " region" + (r.skipped().size() == 1 ? "" : "s")
                                + " skipped, not scanned");
        b.append(r.ok() ? style.green("OK: " + summary + ".") : style.red("FAILED: " + summary + "."))
                .append('\n');
        return b.toString();
    }

    private static String cell(List<String> items) {
        return items.isEmpty() ? "-" : String.join(", ", items);
    }

    /** JUnit XML: one test case per API, failed while it has a public route not allowed. */
    static String junit(Scan.Result r, Duration elapsed) {
        String time = VerifyReport.seconds(elapsed);
        long failures = r.apis().stream().filter(a -> !a.ok()).count();
        int tests = r.apis().size() + r.skipped().size();
        StringBuilder b = VerifyReport.testsuites(
                "secure-api scan", tests, failures, 0, r.skipped().size(), time);
        VerifyReport.testsuite(
                b, "secure-api scan", tests, failures, 0, r.skipped().size(), time);
        b.append("    <properties>\n");
        b.append("      <property name=\"regions\" value=\"")
                .append(VerifyReport.attr(String.join(",", r.regions())))
                .append("\"/>\n");
        for (Scan.Skipped s : r.skipped()) {
            b.append("      <property name=\"skippedRegion\" value=\"")
                    .append(VerifyReport.attr(s.region() + ": " + s.reason()))
                    .append("\"/>\n");
        }
        b.append("    </properties>\n");
        for (Scan.ApiFinding a : r.apis()) {
            b.append("    <testcase classname=\"secure-api.scan.")
                    .append(VerifyReport.attr(a.region()))
                    .append("\" name=\"")
                    .append(VerifyReport.attr(a.apiId() + (a.name() == null ? "" : " (" + a.name() + ")")))
                    .append("\" time=\"0\"");
            StringBuilder info = new StringBuilder("protectedBySecureApi: " + a.protectedBySecureApi());
            if (!a.allowedPublicRoutes().isEmpty())
                info.append("\nallowed public: ").append(String.join(", ", a.allowedPublicRoutes()));
            if (!a.otherAuthorizerRoutes().isEmpty())
                info.append("\nother authorizers: ").append(String.join(", ", a.otherAuthorizerRoutes()));
            if (a.ok()) {
                b.append(">\n      <system-out>")
                        .append(VerifyReport.text(info.toString()))
                        .append("</system-out>\n    </testcase>\n");
            } else {
                String msg = a.publicRoutes().size() + " public route"
                        + (a.publicRoutes().size() == 1 ? "" : "s") + ": " + String.join(", ", a.publicRoutes())
                        + (a.stageFindings().isEmpty() ? "" : "; " + String.join("; ", a.stageFindings()));
                b.append(">\n      <failure message=\"")
                        .append(VerifyReport.attr(msg))
                        .append("\" type=\"scan.public-routes\">")
                        .append(VerifyReport.text(msg + "\n" + info))
                        .append("</failure>\n    </testcase>\n");
            }
        }
        // a region that could not be read is a skipped test case: visible in CI, not a failure
        for (Scan.Skipped s : r.skipped()) {
            b.append("    <testcase classname=\"secure-api.scan.")
                    .append(VerifyReport.attr(s.region()))
                    .append("\" name=\"region ")
                    .append(VerifyReport.attr(s.region()))
                    .append("\" time=\"0\">\n      <skipped message=\"")
                    .append(VerifyReport.attr(s.reason()))
                    .append("\"/>\n    </testcase>\n");
        }
        b.append("  </testsuite>\n</testsuites>\n");
        return b.toString();
    }
}
