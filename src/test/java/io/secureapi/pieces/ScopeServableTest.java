package io.secureapi.pieces;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScopeServableTest {
    @Test
    void aScopeIsServableWhenSomeRouteCanMatchIt() {
        assertThat(SecretFormatPiece.servable("GET /orders/*", "GET /orders/{id}"))
                .isTrue();
        assertThat(SecretFormatPiece.servable("GET /orders/*", "ANY /{proxy+}")).isTrue();
        assertThat(SecretFormatPiece.servable("POST /orders", "POST /orders")).isTrue();
        assertThat(SecretFormatPiece.servable("ANY /orders", "DELETE /orders")).isTrue();
        assertThat(SecretFormatPiece.servable("GET /orders/*", "POST /orders/{id}"))
                .isFalse();
        assertThat(SecretFormatPiece.servable("GET /orders", "GET /reports")).isFalse();
        assertThat(SecretFormatPiece.servable("GET /orders/*", "$default")).isFalse();
    }
}
