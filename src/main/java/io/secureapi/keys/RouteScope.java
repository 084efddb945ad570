package io.secureapi.keys;

import io.secureapi.error.ExitException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A key's route scope: {@code METHOD /path} or {@code ANY /path}, where {@code *} as the last
 * segment matches one or more segments ({@code GET /orders/*} matches {@code /orders/1} and
 * {@code /orders/1/lines}, not {@code /orders}). The bundled authorizer reads the same grammar
 * (its {@code compileRoutes}); a pattern it could not read would make every request of that key
 * fail, so nothing else is ever stored.
 */
public final class RouteScope {
    private RouteScope() {}

    /** At most this many patterns per key (they are stored in the digest document, which has a size limit). */
    public static final int MAX_PER_KEY = 50;

    private static final Pattern ROUTE = Pattern.compile(
            "(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (/|(?:/[A-Za-z0-9._~!$&'()+;=:@-]+)*(?:/\\*)?)");
    private static final Pattern DOT_SEGMENT = Pattern.compile("/\\.\\.?(/|$)");

    public static boolean valid(String route) {
        var m = ROUTE.matcher(route);
        return m.matches()
                && !m.group(2).isEmpty()
                && !DOT_SEGMENT.matcher(m.group(2)).find();
    }

    /** Parses {@code --routes 'GET /orders/*,POST /orders'}: exit 2 naming the bad pattern. */
    public static List<String> parse(String text) {
        if (text == null || text.isBlank()) {
            throw ExitException.badInput(
                    "--routes is empty", "give e.g. --routes 'GET /orders/*,POST /orders', or --all-routes");
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String part : text.split(",", -1)) {
            String r = part.strip().replaceAll("\\s+", " ");
            int sp = r.indexOf(' ');
            if (sp > 0) r = r.substring(0, sp).toUpperCase(java.util.Locale.ROOT) + r.substring(sp);
            if (!valid(r)) {
                String shown = r.length() > 60 ? r.substring(0, 60) + "…" : r;
                throw ExitException.badInput(
                        "--routes: \"" + shown + "\" is not a route pattern; nothing was changed",
                        "write METHOD /path (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY), with * only as the"
                                + " whole last segment, e.g. 'GET /orders/*,POST /orders'; no //, . or .. segments, %"
                                + " or {params}");
            }
            out.add(r);
        }
        if (out.size() > MAX_PER_KEY) {
            throw ExitException.badInput(
                    "--routes has " + out.size() + " patterns; at most " + MAX_PER_KEY + " per key",
                    "use * to cover a subtree (e.g. 'GET /orders/*')");
        }
        return new ArrayList<>(out);
    }

    /** Whether a request with this method and path (stage already removed) is in {@code routes}. */
    public static boolean matches(List<String> routes, String method, String path) {
        for (String r : routes) {
            int sp = r.indexOf(' ');
            String m = r.substring(0, sp), p = r.substring(sp + 1);
            if (!m.equals("ANY") && !m.equals(method)) continue;
            if (p.endsWith("/*")) {
                String prefix = p.substring(0, p.length() - 1);
                if (path.length() > prefix.length() && path.startsWith(prefix)) return true;
            } else if (p.equals(path)) return true;
        }
        return false;
    }
}
