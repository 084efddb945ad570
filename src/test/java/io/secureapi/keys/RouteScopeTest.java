package io.secureapi.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.secureapi.error.ExitException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteScopeTest {
    @Test
    void parse_normalisesMethodAndSpaces_keepsOrder_dropsDuplicates() {
        assertThat(RouteScope.parse(" get  /orders/* , POST /orders,GET /orders/*"))
                .containsExactly("GET /orders/*", "POST /orders");
        assertThat(RouteScope.parse("ANY /")).containsExactly("ANY /");
        assertThat(RouteScope.valid("GET ")).as("read from a document: no path").isFalse();
    }

    @Test
    void parse_refusesWhatTheAuthorizerCouldNotRead_exit2() {
        for (String bad : List.of(
                "",
                "GET",
                "GET orders",
                "FETCH /a",
                "GET /a/*/b",
                "GET /a*",
                "GET /a/",
                "GET //a",
                "GET /a/../b",
                "GET /./a",
                "GET /a%2Fb",
                "GET /{id}",
                "GET /a,")) {
            assertThatThrownBy(() -> RouteScope.parse(bad))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            ExitException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitException.BAD_INPUT));
        }
    }

    @Test
    void matches_methodOrAny_starIsOneOrMoreSegments() {
        List<String> r = List.of("GET /orders/*", "POST /orders");
        assertThat(RouteScope.matches(r, "GET", "/orders/1")).isTrue();
        assertThat(RouteScope.matches(r, "GET", "/orders/1/lines")).isTrue();
        assertThat(RouteScope.matches(r, "GET", "/orders")).isFalse();
        assertThat(RouteScope.matches(r, "DELETE", "/orders/1")).isFalse();
        assertThat(RouteScope.matches(r, "POST", "/orders")).isTrue();
        assertThat(RouteScope.matches(List.of("ANY /x"), "PATCH", "/x")).isTrue();
    }

    @Test
    void routes_roundTripThroughTheDocument_absentMeansEveryRoute() {
        DigestSecret d = DigestSecret.empty();
        d = d.with("a", new DigestSecret.Entry(d.digest("k1"), Instant.parse("2026-01-01T00:00:00Z"), null, null))
                .with(
                        "b",
                        new DigestSecret.Entry(d.digest("k2"), Instant.parse("2026-01-01T00:00:00Z"), null, null)
                                .withRoutes(List.of("GET /orders/*")));
        String json = d.toJson();
        assertThat(json).contains("\"routes\":[\"GET /orders/*\"]");
        DigestSecret back = DigestSecret.parse(json, "s");
        assertThat(back.get("a").routes()).isNull();
        assertThat(back.get("b").routes()).containsExactly("GET /orders/*");
        assertThat(back.anyScoped()).isTrue();
        assertThat(back.get("b").withRetiring(null).routes())
                .as("kept across a rotation")
                .isNotNull();
        assertThatThrownBy(() -> DigestSecret.parse(json.replace("GET /orders/*", "GET /a/*/b"), "s"))
                .isInstanceOf(ExitException.class)
                .hasMessageContaining("unreadable routes");
    }
}
