package dev.throttle.netty;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import io.netty.channel.local.LocalAddress;
import org.junit.jupiter.api.Test;

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
        assertThat(NettyRequestView.addressText(new InetSocketAddress("127.0.0.1", 80))).isEqualTo("127.0.0.1");
        assertThat(NettyRequestView.addressText(new InetSocketAddress("::1", 80))).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(NettyRequestView.addressText(InetSocketAddress.createUnresolved("host.invalid", 80)))
                .isEqualTo("host.invalid");
        assertThat(NettyRequestView.addressText(new LocalAddress("local"))).isEmpty();
        assertThat(NettyRequestView.addressText(null)).isEmpty();
    }
}
