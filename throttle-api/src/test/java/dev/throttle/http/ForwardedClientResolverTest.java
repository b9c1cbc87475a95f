package dev.throttle.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ForwardedClientResolverTest {

    private static final TrustedProxies PROXIES = TrustedProxies.of("10.0.0.0/8", "2001:db8:1::/48", "192.0.2.1");
    private final KeyResolver xff = ForwardedClientResolver.xForwardedFor(PROXIES);
    private final KeyResolver forwarded = ForwardedClientResolver.forwarded(PROXIES);

    private String key(KeyResolver resolver, FakeRequest request) {
        return resolver.resolve(request).orElseThrow();
    }

    @Test
    void forgedHeaderFromUntrustedPeerIsIgnored() {
        FakeRequest request = FakeRequest.from("198.51.100.7").header("X-Forwarded-For", "1.2.3.4");
        assertThat(key(xff, request)).isEqualTo("198.51.100.7");
        FakeRequest forgedTrusted = FakeRequest.from("198.51.100.7").header("X-Forwarded-For", "10.0.0.1");
        assertThat(key(xff, forgedTrusted)).isEqualTo("198.51.100.7");
    }

    @Test
    void trustedPeerReportsTheClient() {
        assertThat(key(xff, FakeRequest.from("10.1.2.3").header("X-Forwarded-For", "198.51.100.7")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void clientForgingLeftEntriesGetsItsRealAddress() {
        // The client sent "X-Forwarded-For: 6.6.6.6, 10.0.0.5"; the trusted proxy appended the client's real address.
        FakeRequest request = FakeRequest.from("10.0.0.1")
                .header("X-Forwarded-For", "6.6.6.6, 10.0.0.5, 198.51.100.7");
        assertThat(key(xff, request)).isEqualTo("198.51.100.7");
    }

    @Test
    void chainOfTrustedProxiesIsSkippedFromTheRight() {
        FakeRequest request = FakeRequest.from("10.0.0.1")
                .header("X-Forwarded-For", "6.6.6.6, 198.51.100.7, 192.0.2.1, 10.9.9.9");
        assertThat(key(xff, request)).isEqualTo("198.51.100.7");
    }

    @Test
    void severalHeaderLinesAreOneList() {
        FakeRequest request = FakeRequest.from("10.0.0.1")
                .header("X-Forwarded-For", "6.6.6.6, 198.51.100.7")
                .header("x-forwarded-for", "10.2.2.2");
        assertThat(key(xff, request)).isEqualTo("198.51.100.7");
    }

    @Test
    void absentHeaderFromTrustedPeerKeysThePeer() {
        assertThat(key(xff, FakeRequest.from("10.0.0.1"))).isEqualTo("10.0.0.1");
    }

    @Test
    void allTrustedKeysTheLeftmost() {
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "10.3.3.3, 192.0.2.1")))
                .isEqualTo("10.3.3.3");
    }

    @Test
    void malformedEntryEndsTheWalkAtTheTrustedHopThatReportedIt() {
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "1.2.3.4, garbage, 10.0.0.2")))
                .isEqualTo("10.0.0.2");
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "unknown")))
                .isEqualTo("10.0.0.1");
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "300.1.1.1")))
                .isEqualTo("10.0.0.1");
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "1.2.3.4.5")))
                .isEqualTo("10.0.0.1");
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "example.com")))
                .isEqualTo("10.0.0.1");
        // Non-ASCII digits are not digits of an address.
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "\u0661.2.3.4")))
                .isEqualTo("10.0.0.1");
    }

    @Test
    void emptyListMembersAreSkipped() {
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "198.51.100.7, , ")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void ipv6AddressesAndRangesAndCanonicalKeys() {
        FakeRequest request = FakeRequest.from("2001:db8:1:0:0:0:0:5")
                .header("X-Forwarded-For", "2001:DB8:2::0007, 2001:db8:1:ffff::1");
        assertThat(key(xff, request)).isEqualTo("2001:db8:2::7");
        // Outside the /48: untrusted, so its header is ignored.
        assertThat(key(xff, FakeRequest.from("2001:db8:2::5").header("X-Forwarded-For", "198.51.100.7")))
                .isEqualTo("2001:db8:2::5");
    }

    @Test
    void ipv4MappedIpv6IsTheIpv4Address() {
        assertThat(key(xff, FakeRequest.from("::ffff:10.0.0.1").header("X-Forwarded-For", "::ffff:198.51.100.7")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void portsAndBracketsAreAccepted() {
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "198.51.100.7:4711")))
                .isEqualTo("198.51.100.7");
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "[2001:db8:9::1]:443")))
                .isEqualTo("2001:db8:9::1");
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "198.51.100.7:99999")))
                .isEqualTo("10.0.0.1");
    }

    @Test
    void forwardedHeaderReadsForParameters() {
        FakeRequest request = FakeRequest.from("10.0.0.1").header("Forwarded",
                "for=6.6.6.6, For=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.0.0.1, for=10.0.0.9");
        assertThat(key(forwarded, request)).isEqualTo("2001:db8:cafe::17");
    }

    @Test
    void forwardedHeaderObfuscatedOrMissingForEndsTheWalk() {
        assertThat(key(forwarded, FakeRequest.from("10.0.0.1").header("Forwarded", "for=_hidden, for=10.0.0.3")))
                .isEqualTo("10.0.0.3");
        assertThat(key(forwarded, FakeRequest.from("10.0.0.1").header("Forwarded", "proto=https")))
                .isEqualTo("10.0.0.1");
        assertThat(key(forwarded, FakeRequest.from("10.0.0.1").header("Forwarded", "for=\"unterminated")))
                .isEqualTo("10.0.0.1");
    }

    @Test
    void forwardedFromUntrustedPeerIsIgnored() {
        assertThat(key(forwarded, FakeRequest.from("198.51.100.7").header("Forwarded", "for=1.2.3.4")))
                .isEqualTo("198.51.100.7");
    }

    @Test
    void noTrustedProxiesNeverReadsTheHeader() {
        KeyResolver none = KeyResolver.forwardedFor(TrustedProxies.none());
        assertThat(key(none, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "1.2.3.4")))
                .isEqualTo("10.0.0.1");
    }

    @Test
    void peerWithoutAddressHasNoKey() {
        assertThat(xff.resolve(FakeRequest.from(""))).isEmpty();
    }

    @Test
    void trustedProxyRanges() {
        TrustedProxies proxies = TrustedProxies.of("172.16.0.0/12", "fd00::/8", "::ffff:192.168.0.0/112", "0.0.0.0/0");
        assertThat(proxies.contains("172.31.255.255")).isTrue();
        assertThat(TrustedProxies.of("172.16.0.0/12").contains("172.32.0.0")).isFalse();
        assertThat(TrustedProxies.of("fd00::/8").contains("fdff::1")).isTrue();
        assertThat(TrustedProxies.of("fd00::/8").contains("fe00::1")).isFalse();
        assertThat(TrustedProxies.of("::ffff:192.168.0.0/112").contains("192.168.3.4")).isTrue();
        assertThat(TrustedProxies.of("10.0.0.0/8").contains("not an address")).isFalse();
        assertThat(TrustedProxies.of("10.0.0.0/8").contains("::a00:1")).isFalse();
    }

    @Test
    void badRangesAreRefused() {
        assertThatThrownBy(() -> TrustedProxies.of("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 32]");
        assertThatThrownBy(() -> TrustedProxies.of("::/129")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 128]");
        assertThatThrownBy(() -> TrustedProxies.of("proxy.example")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrustedProxies.of("10.0.0.0/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrustedProxies.of("10.0.0.0/-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrustedProxies.of((String) null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ForwardedClientResolver.xForwardedFor(null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void literalParsingEdgeCases() {
        assertThat(IpLiteral.canonical("::")).isEqualTo("::");
        assertThat(IpLiteral.canonical("::1")).isEqualTo("::1");
        assertThat(IpLiteral.canonical("1::")).isEqualTo("1::");
        assertThat(IpLiteral.canonical("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpLiteral.canonical("fe80::1%eth0")).isEqualTo("fe80::1");
        assertThat(IpLiteral.canonical("::192.0.2.1")).isEqualTo("::c000:201");
        assertThat(IpLiteral.parse("1:2:3:4:5:6:7:8:9")).isNull();
        assertThat(IpLiteral.parse("1:::2")).isNull();
        assertThat(IpLiteral.parse("1::2::3")).isNull();
        assertThat(IpLiteral.parse("12345::")).isNull();
        assertThat(IpLiteral.parse("1.2.3.4::")).isNull();
        assertThat(IpLiteral.parse("[::1")).isNull();
        assertThat(IpLiteral.parse("1.2.3")).isNull();
        assertThat(IpLiteral.parse("1.2.3.")).isNull();
        assertThat(IpLiteral.parse("")).isNull();
        assertThat(IpLiteral.parse("g::1")).isNull();
    }

    /**
     * An entry the standards do not make one address ends the walk like any garbage: a dotted quad with a leading
     * zero (octal to inet_aton, decimal to others), and in {@code Forwarded} an IPv6 address without its brackets
     * (RFC 7239 section 6 requires them). Bracketed nodes, ports and obfuscated ports are read as the RFC writes them.
     */
    @Test
    void entriesTheStandardsDoNotMakeOneAddressEndTheWalk() {
        assertThat(key(xff, FakeRequest.from("10.0.0.1").header("X-Forwarded-For", "198.51.100.7, 010.0.0.9")))
                .as("010.0.0.9 is no address, so the trusted hop that wrote it is the key").isEqualTo("10.0.0.1");
        assertThat(key(forwarded, FakeRequest.from("10.0.0.1").header("Forwarded", "for=2001:db8:cafe::17")))
                .isEqualTo("10.0.0.1");
        assertThat(key(forwarded, FakeRequest.from("10.0.0.1").header("Forwarded",
                "for=\"[2001:db8:cafe::17]:4711\", for=\"192.0.2.1:_hidden\"")))
                .as("192.0.2.1 is trusted, so the walk goes on to the IPv6 client").isEqualTo("2001:db8:cafe::17");
        assertThat(key(forwarded, FakeRequest.from("10.0.0.1").header("Forwarded", "For=\"[::ffff:198.51.100.7]\"")))
                .isEqualTo("198.51.100.7");
    }
}
