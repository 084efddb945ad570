package io.secureapi.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one builder of every printed next step ("run secure-api …", "Next: …"): a command line that
 * carries the run's own selection (--env, --api-id, --config as this run used them), so that
 * running it works on the same API instead of asking "which one?".
 */
final class NextStep {
    /**
     * What this run was pointed at; each part null when it need not be repeated. {@code invocation}:
     * how to run this very launcher from where the user is ({@link #invocation}), null when the name
     * {@code secure-api} does.
     */
    record Selection(String env, String apiId, String config, String invocation) {
        static final Selection NONE = new Selection(null, null, null, null);

        /** Nothing to repeat. (Not {@code equals(NONE)}: a record's first equals costs setup ~2 ms on JDK 17.) */
        boolean none() {
            return env == null && apiId == null && config == null && invocation == null;
        }

        /** The flags, in order, each preceded by a space; "" for none. */
        String flags() {
            return flagsMissingFrom("");
        }

        /** The flags that {@code rest} (the rest of a command line) does not already give. */
        String flagsMissingFrom(String rest) {
            StringBuilder b = new StringBuilder();
            boolean picksApi = has(rest, "--env") || has(rest, "--api-id");
            if (env != null && !picksApi) b.append(" --env ").append(env);
            else if (apiId != null && env == null && !picksApi)
                b.append(" --api-id ").append(apiId);
            if (config != null && !has(rest, "--config")) b.append(" --config ").append(quote(config));
            return b.toString();
        }

        private static boolean has(String rest, String flag) {
            return Pattern.compile("(^|\\s)" + Pattern.quote(flag) + "(\\s|=|$)")
                    .matcher(rest)
                    .find();
        }
    }

    /** Subcommands that take a selection, with those that have a verb ("keys add"). */
    private static final Pattern COMMAND = Pattern.compile(
            "secure-api (setup|verify|rotate-key|teardown|keys (?:add|list|revoke))(?=$|[\\s`'\",;.)])");

    /** "secure-api" where it starts a command line of one of the subcommands. */
    private static final Pattern ANY_COMMAND = Pattern.compile(
            "(?<![\\w/.-])secure-api(?= (setup|verify|rotate-key|teardown|scan|amplify-hook|keys|usage|iam-policy)\\b)");

    private NextStep() {}

    /**
     * How to run the launcher at {@code launcher} (scripts/secure-api, or the release's bin/secure-api,
     * which export its path as SECURE_API_LAUNCHER) from {@code cwd}: null when {@code secure-api} on
     * {@code path} is that launcher, else its path relative to {@code cwd} when it lies below it
     * ("scripts/secure-api" in a checkout), else its absolute path. Null without a launcher (java -jar).
     */
    static String invocation(String launcher, String path, Path cwd) {
        if (launcher == null || launcher.isBlank()) return null;
        Path l = Path.of(launcher).toAbsolutePath().normalize();
        for (String dir : (path == null ? "" : path).split(java.io.File.pathSeparator)) {
            if (dir.isBlank()) continue;
            Path onPath = Path.of(dir, "secure-api");
            try {
                if (Files.isExecutable(onPath) && Files.isSameFile(onPath, l)) return null;
            } catch (java.io.IOException | RuntimeException unreadable) {
                // not this one
            }
            if (Files.isExecutable(onPath)) break; // the first secure-api on PATH is another one
        }
        Path here = cwd.toAbsolutePath().normalize();
        return quote(l.startsWith(here) ? here.relativize(l).toString() : l.toString());
    }

    /** "secure-api SUBCOMMAND ARGS… --env E --config C": {@code command} is the subcommand with its own arguments. */
    static String command(Selection s, String command) {
        return complete("secure-api " + command, s);
    }

    /**
     * {@code text} with the run's selection added to every secure-api command line it names (after
     * the subcommand), unless that command line already gives it. Text without one is unchanged.
     */
    static String complete(String text, Selection s) {
        if (text == null || s.none()) return text;
        if (s.invocation() != null)
            text = ANY_COMMAND.matcher(text).replaceAll(Matcher.quoteReplacement(s.invocation()));
        Matcher m = COMMAND.matcher(text);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) spans.add(new int[] {m.start(), m.end()});
        StringBuilder out = new StringBuilder();
        int last = 0;
        for (int i = 0; i < spans.size(); i++) {
            int end = spans.get(i)[1];
            int restEnd = i + 1 < spans.size() ? spans.get(i + 1)[0] : text.length();
            String rest = text.substring(end, restEnd);
            // the command line ends at a backtick, a semicolon, a comma, a closing parenthesis or a full stop
            Matcher stop = Pattern.compile("[`;,)]|\\.(\\s|$)").matcher(rest);
            if (stop.find()) rest = rest.substring(0, stop.start());
            // the selection goes after the flags the command line gives (and their values), before any prose
            int at = end + flagsEnd(rest);
            out.append(text, last, at).append(s.flagsMissingFrom(rest));
            last = at;
        }
        return out.append(text.substring(last)).toString();
    }

    /** Flags whose next word is their value. */
    private static final java.util.Set<String> VALUED = java.util.Set.of(
            "--env",
            "--api-id",
            "--config",
            "--key",
            "--function",
            "--routes",
            "--secret-name",
            "--key-out",
            "--key-file",
            "--region",
            "--probe-url",
            "--allow-public",
            "--expires",
            "--recovery-days",
            "--cache-ttl",
            "--header",
            "--authorizer-name",
            "--forward-key-name",
            "--log-retention-days",
            "--output");

    /** Where the leading run of flags (with their values) of {@code rest} ends. */
    static int flagsEnd(String rest) {
        int i = 0;
        int end = 0;
        boolean wantValue = false;
        while (true) {
            while (i < rest.length() && rest.charAt(i) == ' ') i++;
            if (i >= rest.length()) return end;
            int j;
            if (rest.charAt(i) == '\'' || rest.charAt(i) == '"') {
                int close = rest.indexOf(rest.charAt(i), i + 1);
                j = close < 0 ? rest.length() : close + 1;
            } else {
                j = rest.indexOf(' ', i);
                if (j < 0) j = rest.length();
            }
            String word = rest.substring(i, j);
            if (wantValue && !word.startsWith("--")) {
                wantValue = false;
            } else if (word.startsWith("--")) {
                wantValue = VALUED.contains(word);
            } else {
                return end;
            }
            end = j;
            i = j;
        }
    }

    private static String quote(String path) {
        return path.matches("[A-Za-z0-9_./@:+-]+") ? path : "'" + path.replace("'", "'\\''") + "'";
    }
}
