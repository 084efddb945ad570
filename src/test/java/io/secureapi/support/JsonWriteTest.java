package io.secureapi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Json writes the JSON types and refuses anything else instead of quoting its toString(). */
class JsonWriteTest {
    @Test
    void writesJsonTypes_andReadsThemBack() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("s", "a\"b\n");
        doc.put("n", 42L);
        doc.put("b", true);
        doc.put("z", null);
        doc.put("l", List.of(1L, "x"));
        assertThat(Json.write(doc)).isEqualTo("{\"s\":\"a\\\"b\\n\",\"n\":42,\"b\":true,\"z\":null,\"l\":[1,\"x\"]}");
        assertThat(Json.parse(Json.pretty(doc))).isEqualTo(doc);
    }

    @Test
    void refusesATypeItCannotWrite_evenNested() {
        assertThatThrownBy(() -> Json.write(Map.of("when", Instant.EPOCH)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.time.Instant");
        assertThatThrownBy(() -> Json.pretty(List.of(Optional.of("x"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.util.Optional");
        assertThatThrownBy(() -> Json.write(new Object[] {"x"})).isInstanceOf(IllegalArgumentException.class);
    }
}
