package io.secureapi.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The layers stay layers: jdeps reads the compiled classes' constant pools, and no io.secureapi
 * package may reach itself again through the others (LayersTest says which way they point).
 */
class PackageCycleTest {
    private static final Pattern EDGE =
            Pattern.compile("^\\s+(io\\.secureapi[\\w.]*)\\s+->\\s+(io\\.secureapi[\\w.]*)\\s");

    @Test
    void compiledPackages_formNoCycle() throws Exception {
        Map<String, Set<String>> graph = edges(jdeps());
        assertThat(graph)
                .as("jdeps output had no io.secureapi edges")
                .containsKeys("io.secureapi.cli", "io.secureapi.engine");
        assertThat(graph.get("io.secureapi.engine")).contains("io.secureapi.aws");
        assertThat(cycle(graph)).as("package cycle in %s", graph).isEmpty();
    }

    @Test
    void theDetector_findsACycle_whenOneExists() {
        String jdepsOutput = String.join(
                "\n",
                "classes -> java.base",
                "   io.secureapi.aws                                   -> io.secureapi.engine                                classes",
                "   io.secureapi.engine                                -> io.secureapi.aws                                   classes",
                "   io.secureapi.engine                                -> java.lang                                          java.base",
                "");
        assertThat(cycle(edges(jdepsOutput)))
                .containsExactly("io.secureapi.aws", "io.secureapi.engine", "io.secureapi.aws");
    }

    /** jdeps' package-level edges of the compiled main classes. */
    static String jdeps() throws Exception {
        Path classes = Path.of(ExitException.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        ToolProvider jdeps =
                ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("jdeps is not in this JDK"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", classes.toString());
        assertThat(rc).as("jdeps failed: %s", err).isZero();
        return out.toString();
    }

    static Map<String, Set<String>> edges(String jdepsOutput) {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : jdepsOutput.split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && !m.group(1).equals(m.group(2))) {
                graph.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        return graph;
    }

    /** The first cycle found as a path that ends where it starts, or empty. */
    static List<String> cycle(Map<String, Set<String>> graph) {
        Set<String> done = new HashSet<>();
        for (String start : graph.keySet()) {
            List<String> found = walk(start, graph, new ArrayList<>(), done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    private static List<String> walk(String node, Map<String, Set<String>> graph, List<String> path, Set<String> done) {
        int seen = path.indexOf(node);
        if (seen >= 0) {
            List<String> loop = new ArrayList<>(path.subList(seen, path.size()));
            loop.add(node);
            return loop;
        }
        if (done.contains(node)) {
            return List.of();
        }
        path.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            List<String> found = walk(next, graph, path, done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        path.remove(path.size() - 1);
        done.add(node);
        return List.of();
    }
}
