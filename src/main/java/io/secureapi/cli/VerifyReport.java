package io.secureapi.cli;

import io.secureapi.model.Check;
import io.secureapi.model.Verification;
import io.secureapi.support.Json;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** verify's three printed forms: a checklist for people, one JSON document, JUnit XML for CI. */
final class VerifyReport {
    private VerifyReport() {}

    /** The checklist: one line per check, detail lines and the fix under it, then notes and a summary. */
    static String text(Verification v, Style style) {
        int width = v.checks().stream().mapToInt(c -> c.id().length()).max().orElse(10);
        for (Verification.Note n : v.notes()) width = Math.max(width, n.id().length());
        String fmt = "  %s  %-" + width + "s  %s%n";
        StringBuilder b = new StringBuilder();
        b.append(style.bold("secure-api verify: API " + v.apiId() + " (" + v.region() + ")"))
                .append('\n');
        String indent = " ".repeat(10 + width); // under the message column
        for (Check c : v.checks()) {
            b.append(String.format(fmt, label(c.status(), style), c.id(), c.message()));
            for (String d : c.details()) b.append(indent).append("- ").append(d).append('\n');
            if (c.fix() != null && c.status() != Check.Status.PASS)
                b.append(indent).append("fix: ").append(c.fix()).append('\n');
        }
        for (Verification.Note n : v.notes()) b.append(String.format(fmt, "info", n.id(), n.message()));
        b.append('\n');
        String summary = v.summary() + ".";
        b.append(v.ok() ? style.green("OK: " + summary) : style.red("FAILED: " + summary))
                .append('\n');
        return b.toString();
    }

    private static String label(Check.Status s, Style style) {
        return switch (s) {
            case PASS -> style.green("pass");
            case WARN -> style.yellow("WARN");
            case FAIL -> style.red("FAIL");
            case SKIP -> style.yellow("skip");
        };
    }

    static String json(Verification v) {
        return Json.pretty(v.toJson()) + "\n";
    }

    /**
     * JUnit XML (the Ant/Surefire schema CI tools read): one testcase per check id; a failed check
     * is a failure with its message, details and fix; a warning passes with its text in system-out.
     */
    static String junit(Verification v, Duration elapsed) {
        String time = seconds(elapsed);
        StringBuilder b = testsuites(
                "secure-api verify",
                v.checks().size(),
                v.count(Check.Status.FAIL),
                0,
                v.count(Check.Status.SKIP),
                time);
        suite(b, v, "secure-api verify " + v.apiId() + " (" + v.region() + ")", time, null);
        b.append("</testsuites>\n");
        return b.toString();
    }

    /** The XML declaration and the opening {@code <testsuites>} element every report starts with. */
    static StringBuilder testsuites(String name, long tests, long failures, long errors, String time) {
        return testsuites(name, tests, failures, errors, 0, time);
    }

    /** The same, with the number of skipped test cases (scan: regions that could not be read; verify: checks the caller may not read). */
    static StringBuilder testsuites(String name, long tests, long failures, long errors, long skipped, String time) {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        open(b, "", "testsuites", name, tests, failures, errors, skipped, time, null);
        return b;
    }

    /** The opening {@code <testsuite>} element of one suite, stamped now. */
    static void testsuite(StringBuilder b, String name, long tests, long failures, long errors, String time) {
        testsuite(b, name, tests, failures, errors, 0, time);
    }

    static void testsuite(
            StringBuilder b, String name, long tests, long failures, long errors, long skipped, String time) {
        open(b, "  ", "testsuite", name, tests, failures, errors, skipped, time, stamp());
    }

    /** One opening element with JUnit's counts; {@code timestamp} only on a suite. */
    private static void open(
            StringBuilder b,
            String indent,
            String tag,
            String name,
            long tests,
            long failures,
            long errors,
            long skipped,
            String time,
            String timestamp) {
        b.append(indent)
                .append('<')
                .append(tag)
                .append(" name=\"")
                .append(attr(name))
                .append("\" tests=\"")
                .append(tests)
                .append("\" failures=\"")
                .append(failures)
                .append("\" errors=\"")
                .append(errors)
                .append("\" skipped=\"")
                .append(skipped)
                .append("\" time=\"")
                .append(time);
        if (timestamp != null) b.append("\" timestamp=\"").append(timestamp);
        b.append("\">\n");
    }

    /** A duration as JUnit writes it: seconds with three decimals. */
    static String seconds(Duration elapsed) {
        return String.format(java.util.Locale.ROOT, "%.3f", elapsed.toMillis() / 1000.0);
    }

    static String stamp() {
        return LocalDateTime.now(ZoneOffset.UTC)
                .truncatedTo(ChronoUnit.SECONDS)
                .format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
    }

    /** One {@code <testsuite>}: a test case per check. */
    private static void suite(StringBuilder b, Verification v, String name, String time, String env) {
        long failures = v.count(Check.Status.FAIL);
        int tests = v.checks().size();
        testsuite(b, name, tests, failures, 0, v.count(Check.Status.SKIP), time);
        b.append("    <properties>\n");
        if (env != null)
            b.append("      <property name=\"env\" value=\"").append(attr(env)).append("\"/>\n");
        b.append("      <property name=\"apiId\" value=\"")
                .append(attr(v.apiId()))
                .append("\"/>\n");
        b.append("      <property name=\"region\" value=\"")
                .append(attr(v.region()))
                .append("\"/>\n");
        b.append("    </properties>\n");
        String prefix = "secure-api.verify." + (env == null ? "" : env + ".");
        for (Check c : v.checks()) {
            String group = c.id().contains(".") ? c.id().substring(0, c.id().indexOf('.')) : c.id();
            b.append("    <testcase classname=\"")
                    .append(attr(prefix + group))
                    .append("\" name=\"")
                    .append(attr(c.id()))
                    .append("\" time=\"0\"");
            String body = body(c);
            if (c.status() == Check.Status.FAIL) {
                b.append(">\n      <failure message=\"")
                        .append(attr(c.message()))
                        .append("\" type=\"")
                        .append(attr(c.id()))
                        .append("\">")
                        .append(text(body))
                        .append("</failure>\n    </testcase>\n");
            } else if (c.status() == Check.Status.SKIP) {
                b.append(">\n      <skipped message=\"")
                        .append(attr(c.message()))
                        .append("\"/>\n    </testcase>\n");
            } else if (c.status() == Check.Status.WARN) {
                b.append(">\n      <system-out>")
                        .append(text("warning: " + body))
                        .append("</system-out>\n    </testcase>\n");
            } else {
                b.append("/>\n");
            }
        }
        if (!v.notes().isEmpty()) {
            StringBuilder notes = new StringBuilder();
            v.notes()
                    .forEach(n -> notes.append(n.id())
                            .append(": ")
                            .append(n.message())
                            .append('\n'));
            b.append("    <system-out>").append(text(notes.toString())).append("</system-out>\n");
        }
        b.append("  </testsuite>\n");
    }

    // verify --all: the same forms, one section / document / testsuite per entry

    /** Grouped by entry, in the config's order; an entry that could not be checked shows its error. */
    static String textAll(List<VerifyAll.Entry> entries, Style style) {
        StringBuilder b = new StringBuilder();
        List<String> failed = new ArrayList<>();
        for (VerifyAll.Entry e : entries) {
            b.append(style.bold("== entry " + e.name() + " (API " + e.config().apiId() + ")"))
                    .append('\n');
            if (e.error() != null) {
                b.append(style.red(
                                "  FAILED: could not be checked: " + e.error().getMessage()))
                        .append('\n');
                if (e.error().hint() != null)
                    b.append("  next: ").append(e.error().hint()).append('\n');
                b.append('\n');
            } else {
                b.append(text(e.verification(), style)).append('\n');
            }
            if (!e.ok()) failed.add(e.name());
        }
        String summary = entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies") + ", "
                + (entries.size() - failed.size()) + " ok";
        b.append(
                        failed.isEmpty()
                                ? style.green("verify --all OK: " + summary + ".")
                                : style.red("verify --all FAILED: " + summary + "; failed: " + String.join(", ", failed)
                                        + "."))
                .append('\n');
        return b.toString();
    }

    static String jsonAll(List<VerifyAll.Entry> entries) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", "verify");
        doc.put("schemaVersion", 2);
        doc.put("ok", entries.stream().allMatch(VerifyAll.Entry::ok));
        Map<String, Object> envs = new LinkedHashMap<>();
        for (VerifyAll.Entry e : entries) {
            if (e.error() == null) {
                envs.put(e.name(), e.verification().toJson());
            } else {
                Map<String, Object> err = new LinkedHashMap<>();
                err.put("error", e.error().getMessage());
                err.put("exitCode", e.error().exitCode());
                envs.put(e.name(), err);
            }
        }
        doc.put("envs", envs);
        return Json.pretty(doc) + "\n";
    }

    /** One {@code <testsuite>} per entry; an entry that could not be checked is one test case in error. */
    static String junitAll(List<VerifyAll.Entry> entries, Duration elapsed) {
        String time = seconds(elapsed);
        long tests = 0;
        long failures = 0;
        long errors = 0;
        for (VerifyAll.Entry e : entries) {
            if (e.error() != null) {
                tests++;
                errors++;
            } else {
                tests += e.verification().checks().size();
                failures += e.verification().count(Check.Status.FAIL);
            }
        }
        StringBuilder b = testsuites("secure-api verify --all", tests, failures, errors, time);
        for (VerifyAll.Entry e : entries) {
            if (e.error() == null) {
                suite(
                        b,
                        e.verification(),
                        "secure-api verify " + e.name() + ": "
                                + e.verification().apiId() + " ("
                                + e.verification().region() + ")",
                        time,
                        e.name());
                continue;
            }
            testsuite(b, "secure-api verify " + e.name() + ": " + e.config().apiId(), 1, 0, 1, time);
            b.append("    <properties>\n      <property name=\"env\" value=\"")
                    .append(attr(e.name()))
                    .append("\"/>\n")
                    .append("      <property name=\"apiId\" value=\"")
                    .append(attr(e.config().apiId()))
                    .append("\"/>\n    </properties>\n");
            b.append("    <testcase classname=\"")
                    .append(attr("secure-api.verify." + e.name()))
                    .append("\" name=\"entry\" time=\"0\">\n")
                    .append("      <error message=\"")
                    .append(attr(e.error().getMessage()))
                    .append("\" type=\"exit ")
                    .append(e.error().exitCode())
                    .append("\">")
                    .append(text(e.error().getMessage()
                            + (e.error().hint() == null
                                    ? ""
                                    : "\nnext: " + e.error().hint())))
                    .append("</error>\n    </testcase>\n");
            b.append("  </testsuite>\n");
        }
        b.append("</testsuites>\n");
        return b.toString();
    }

    private static String body(Check c) {
        StringBuilder s = new StringBuilder(c.message());
        for (String d : c.details()) s.append("\n- ").append(d);
        if (c.fix() != null) s.append("\nfix: ").append(c.fix());
        return s.toString();
    }

    static String attr(String s) {
        return text(s).replace("\"", "&quot;").replace("\n", "&#10;");
    }

    /** XML text: escaped, and without characters XML 1.0 cannot carry. */
    static String text(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                default -> {
                    boolean legal = cp == 0x9
                            || cp == 0xA
                            || cp == 0xD
                            || cp >= 0x20 && cp <= 0xD7FF
                            || cp >= 0xE000 && cp <= 0xFFFD
                            || cp >= 0x10000 && cp <= 0x10FFFF;
                    if (legal) b.appendCodePoint(cp);
                }
            }
        });
        return b.toString();
    }

    /**
     * JUnit XML for a verify that could not run (bad input, AWS refused): one failing test case that
     * says why, so CI shows the reason instead of a missing report.
     */
    static String junitError(String what, String message, String next, int exitCode) {
        String body = message + (next == null ? "" : "\nnext: " + next) + "\nexit code " + exitCode;
        StringBuilder b = testsuites("secure-api verify", 1, 1, 0, "0");
        testsuite(b, "secure-api verify " + what, 1, 1, 0, "0");
        return b
                + "    <testcase classname=\"secure-api.verify\" name=\"verify.run\" time=\"0\">\n"
                + "      <failure message=\"" + attr("verify could not run: " + message) + "\" type=\"exit " + exitCode
                + "\">" + text(body)
                + "</failure>\n    </testcase>\n  </testsuite>\n</testsuites>\n";
    }
}
