package io.secureapi.cli;

import io.secureapi.model.Check;
import io.secureapi.model.Verification;
import io.secureapi.scan.Scan;
import java.util.List;

/**
 * --output markdown of verify, verify --all and scan: GitHub-flavoured Markdown for a CI job
 * summary ($GITHUB_STEP_SUMMARY), a heading, the verdict, and a table with one row per check (or
 * API); details and fixes follow the table, so every row stays one line.
 */
final class MarkdownReport {
    private MarkdownReport() {}

    static String verify(Verification v) {
        StringBuilder b = new StringBuilder();
        b.append("### secure-api verify: API `")
                .append(v.apiId())
                .append("` (")
                .append(v.region())
                .append(")\n\n");
        body(b, v);
        return b.toString();
    }

    private static void body(StringBuilder b, Verification v) {
        b.append(v.ok() ? "**OK**: " : "**FAILED**: ").append(cell(v.summary())).append(".\n\n");
        b.append("| | check | result |\n| --- | --- | --- |\n");
        for (Check c : v.checks()) {
            b.append("| ")
                    .append(icon(c.status()))
                    .append(" | `")
                    .append(c.id())
                    .append("` | ")
                    .append(cell(c.message()))
                    .append(" |\n");
        }
        for (Verification.Note n : v.notes())
            b.append("| ℹ️ | `")
                    .append(n.id())
                    .append("` | ")
                    .append(cell(n.message()))
                    .append(" |\n");
        boolean any = false;
        for (Check c : v.checks()) {
            if (c.status() == Check.Status.PASS) continue;
            if (!any) b.append('\n');
            any = true;
            b.append("- `").append(c.id()).append("`");
            if (c.fix() != null)
                b.append(" — fix: `").append(c.fix().replace("`", "'")).append('`');
            b.append('\n');
            for (String d : c.details()) b.append("  - ").append(cell(d)).append('\n');
        }
        b.append('\n');
    }

    static String verifyAll(List<VerifyAll.Entry> entries) {
        StringBuilder b = new StringBuilder("### secure-api verify --all\n\n");
        long ok = entries.stream().filter(VerifyAll.Entry::ok).count();
        b.append(ok == entries.size() ? "**OK**: " : "**FAILED**: ")
                .append(ok)
                .append(" of ")
                .append(entries.size())
                .append(" entries hold.\n\n");
        for (VerifyAll.Entry e : entries) {
            b.append("#### entry `")
                    .append(e.name())
                    .append("`: API `")
                    .append(e.config().apiId())
                    .append("`\n\n");
            if (e.error() != null) {
                b.append("**FAILED**: could not be checked: ")
                        .append(cell(e.error().getMessage()))
                        .append("\n\n");
            } else {
                body(b, e.verification());
            }
        }
        return b.toString();
    }

    static String scan(Scan.Result r) {
        StringBuilder b = new StringBuilder("### secure-api scan\n\n");
        long failing = r.apis().stream().filter(a -> !a.ok()).count();
        b.append(r.ok() ? "**OK**: " : "**FAILED**: ")
                .append(r.publicRouteCount())
                .append(" public route(s) on ")
                .append(failing)
                .append(" of ")
                .append(r.apis().size())
                .append(" HTTP API(s) in ")
                .append(r.regions().isEmpty() ? "no region" : String.join(", ", r.regions()))
                .append(" (OPTIONS routes not counted).\n\n");
        if (!r.apis().isEmpty()) {
            b.append("| | region | API | name | secure-api | public routes |\n| --- | --- | --- | --- | --- | --- |\n");
            for (Scan.ApiFinding a : r.apis()) {
                b.append("| ")
                        .append(a.ok() ? "✅" : "❌")
                        .append(" | ")
                        .append(a.region())
                        .append(" | `")
                        .append(a.apiId())
                        .append("` | ")
                        .append(cell(a.name() == null ? "" : a.name()))
                        .append(" | ")
                        .append(a.protectedBySecureApi() ? "yes" : "no")
                        .append(" | ")
                        .append(
                                a.publicRoutes().isEmpty()
                                        ? "-"
                                        : cell(String.join(
                                                ", ",
                                                a.publicRoutes().stream()
                                                        .map(k -> "`" + k + "`")
                                                        .toList())))
                        .append(" |\n");
            }
        }
        for (Scan.Skipped s : r.skipped())
            b.append("\n- skipped ").append(s.region()).append(": ").append(cell(s.reason()));
        b.append('\n');
        return b.toString();
    }

    private static String icon(Check.Status s) {
        return switch (s) {
            case PASS -> "✅";
            case WARN -> "⚠️";
            case FAIL -> "❌";
            case SKIP -> "⏭️";
        };
    }

    /** A table cell: one line, no column breaks. */
    static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replaceAll("\\s*\n\\s*", " ");
    }
}
