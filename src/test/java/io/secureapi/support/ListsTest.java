package io.secureapi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ListsTest {
    @Test
    void aLongListShowsTheFirstFewAndHowManyMore() {
        List<String> names =
                IntStream.rangeClosed(1, 132).mapToObj(i -> "GET /r" + i).toList();
        assertThat(Lists.shortened(names)).isEqualTo("GET /r1, GET /r2, GET /r3, GET /r4, GET /r5 … and 127 more");
        assertThat(Lists.shortened(List.of("a", "b"))).isEqualTo("a, b");
    }
}
