package io.secureapi.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way: cli → engine | scan → pieces → config → model → keys → support → aws
 * → error. jdeps reads the compiled classes; a package may use only packages of a lower layer, so a
 * lower package that imports a higher one fails here with the offending edge named.
 */
class LayersTest {
    /** Each package's layer: higher may use lower, never the reverse nor a sibling of its layer. */
    static final Map<String, Integer> LAYER = Map.of(
            "io.secureapi.cli", 9,
            "io.secureapi.engine", 8,
            "io.secureapi.scan", 8,
            "io.secureapi.pieces", 7,
            "io.secureapi.config", 6,
            "io.secureapi.model", 5,
            "io.secureapi.keys", 4,
            "io.secureapi.support", 3,
            "io.secureapi.aws", 2,
            "io.secureapi.error", 1);

    @Test
    void compiledPackages_dependOnlyOnLowerLayers() throws Exception {
        Map<String, Set<String>> graph = PackageCycleTest.edges(PackageCycleTest.jdeps());
        assertThat(graph.keySet()).as("every package has a layer").isSubsetOf(LAYER.keySet());
        assertThat(graph.get("io.secureapi.cli"))
                .as("sanity: jdeps saw the edges")
                .contains("io.secureapi.engine");
        assertThat(violations(graph)).isEmpty();
    }

    @Test
    void aLowerPackageImportingAHigherOne_isReported() {
        Map<String, Set<String>> planted = PackageCycleTest.edges(String.join(
                "\n",
                "   io.secureapi.pieces   -> io.secureapi.engine   classes",
                "   io.secureapi.engine   -> io.secureapi.scan     classes",
                "   io.secureapi.engine   -> io.secureapi.pieces   classes",
                "   io.secureapi.keys     -> io.secureapi.newthing classes",
                ""));
        assertThat(violations(planted))
                .containsExactlyInAnyOrder(
                        "io.secureapi.pieces -> io.secureapi.engine",
                        "io.secureapi.engine -> io.secureapi.scan",
                        "io.secureapi.keys -> io.secureapi.newthing (no layer)");
    }

    static List<String> violations(Map<String, Set<String>> graph) {
        List<String> out = new ArrayList<>();
        graph.forEach((from, tos) -> {
            for (String to : tos) {
                Integer a = LAYER.get(from);
                Integer b = LAYER.get(to);
                if (a == null || b == null) out.add(from + " -> " + to + " (no layer)");
                else if (a <= b) out.add(from + " -> " + to);
            }
        });
        return out;
    }
}
