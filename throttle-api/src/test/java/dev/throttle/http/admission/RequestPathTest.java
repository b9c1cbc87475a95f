package dev.throttle.http.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import org.junit.jupiter.api.Test;

/** The path and the peer address of a raw request, as the Netty and WebFlux adapters read them. */
class RequestPathTest {

    @Test
    void keepsThePathWithoutQueryOrFragment() {
        assertThat(RequestPath.of("/api/orders?id=1#top")).isEqualTo("/api/orders");
        assertThat(RequestPath.of("/")).isEqualTo("/");
        assertThat(RequestPath.of("")).isEqualTo("/");
        assertThat(RequestPath.of("/api/")).isEqualTo("/api/");
        assertThat(RequestPath.of("*")).isEqualTo("*");
    }

    @Test
    void dropsTheSchemeAndAuthorityOfAnAbsoluteTarget() {
        assertThat(RequestPath.of("http://example.com:8080/api/x?q")).isEqualTo("/api/x");
        assertThat(RequestPath.of("http://example.com")).isEqualTo("/");
    }

    @Test
    void decodesPercentEscapesAsUtf8AndLeavesPlusAndMalformedEscapes() {
        assertThat(RequestPath.of("/caf%C3%A9/a+b")).isEqualTo("/café/a+b");
        assertThat(RequestPath.of("/100%/x%2")).isEqualTo("/100%/x%2");
        assertThat(RequestPath.of("/%61pi/x")).isEqualTo("/api/x");
    }

    @Test
    void removesDotSegmentsAndRepeatedSlashes() {
        assertThat(RequestPath.of("/public/../api/x")).isEqualTo("/api/x");
        assertThat(RequestPath.of("/api/./x")).isEqualTo("/api/x");
        assertThat(RequestPath.of("/../../api")).isEqualTo("/api");
        assertThat(RequestPath.of("/api//x")).isEqualTo("/api/x");
        assertThat(RequestPath.of("/api/x/..")).isEqualTo("/api/");
        assertThat(RequestPath.of("/a%2F..%2Fapi")).isEqualTo("/api");
    }

    @Test
    void remoteAddressIsTheIpLiteralWithoutScope() {
        assertThat(RequestPath.peerAddress(new InetSocketAddress("127.0.0.1", 80))).isEqualTo("127.0.0.1");
        assertThat(RequestPath.peerAddress(new InetSocketAddress("::1", 80))).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(RequestPath.peerAddress(InetSocketAddress.createUnresolved("host.invalid", 80)))
                .isEqualTo("host.invalid");
        assertThat(RequestPath.peerAddress(UnixDomainSocketAddress.of("/tmp/socket"))).isEmpty();
        assertThat(RequestPath.peerAddress(null)).isEmpty();
    }
}
