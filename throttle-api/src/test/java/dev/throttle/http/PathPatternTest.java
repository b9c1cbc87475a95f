package dev.throttle.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PathPatternTest {

    @Test
    void exact() {
        PathPattern pattern = PathPattern.of("/api/orders");
        assertThat(pattern.matches("/api/orders")).isTrue();
        assertThat(pattern.matches("/api/orders/")).isFalse();
        assertThat(pattern.matches("/api/order")).isFalse();
        assertThat(pattern.matches("/api/ordersx")).isFalse();
        assertThat(pattern.matches("/API/orders")).isFalse();
        assertThat(PathPattern.of("/").matches("/")).isTrue();
        assertThat(PathPattern.of("/").matches("/a")).isFalse();
    }

    @Test
    void oneSegment() {
        PathPattern pattern = PathPattern.of("/api/*");
        assertThat(pattern.matches("/api/orders")).isTrue();
        assertThat(pattern.matches("/api")).isFalse();
        assertThat(pattern.matches("/api/")).isFalse();
        assertThat(pattern.matches("/api/orders/42")).isFalse();
        assertThat(pattern.matches("/api/orders/")).isFalse();
        assertThat(PathPattern.of("/api/*/items").matches("/api/7/items")).isTrue();
        assertThat(PathPattern.of("/api/*/items").matches("/api//items")).isFalse();
    }

    @Test
    void anyDepth() {
        PathPattern pattern = PathPattern.of("/api/**");
        assertThat(pattern.matches("/api")).isTrue();
        assertThat(pattern.matches("/api/")).isTrue();
        assertThat(pattern.matches("/api/orders/42/items")).isTrue();
        assertThat(pattern.matches("/apix")).isFalse();
        assertThat(pattern.matches("/other/api")).isFalse();
        assertThat(PathPattern.of("/**").matches("/")).isTrue();
        assertThat(PathPattern.of("/**").matches("/a/b/c")).isTrue();
        assertThat(PathPattern.of("/*/x/**").matches("/v1/x/y/z")).isTrue();
    }

    @Test
    void oddPathsDoNotMatch() {
        assertThat(PathPattern.of("/**").matches("")).isFalse();
        assertThat(PathPattern.of("/**").matches(null)).isFalse();
        assertThat(PathPattern.of("/**").matches("api")).isFalse();
    }

    @Test
    void badPatternsAreRefused() {
        assertThatThrownBy(() -> PathPattern.of("api")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathPattern.of("/**/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathPattern.of("/files/*.txt")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PathPattern.of(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
