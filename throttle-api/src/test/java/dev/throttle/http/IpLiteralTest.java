package dev.throttle.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The IP literal parser on its own, table-driven: each row is the text and the canonical address it must read as
 * ({@code null}: not an address in that form). Sources: RFC 4291 section 2.2 (IPv6 text), RFC 5952 (canonical text),
 * RFC 4007 and RFC 6874 (zones), RFC 7239 section 6 (Forwarded nodes), and the leading-zero ambiguity of
 * {@code inet_aton} (octal) against decimal parsers.
 */
class IpLiteralTest {

    /** The form every header entry and peer address is read in ({@code X-Forwarded-For}, {@code remoteAddress}). */
    private static final String[][] HEADER_FORM = {
        // IPv4: four decimal parts of 0..255, no leading zeros.
        {"192.0.2.1", "192.0.2.1"},
        {"0.0.0.0", "0.0.0.0"},
        {"255.255.255.255", "255.255.255.255"},
        {"  198.51.100.7 ", "198.51.100.7"},
        {"010.1.2.3", null},
        {"10.01.2.3", null},
        {"10.1.2.00", null},
        {"256.1.2.3", null},
        {"1.2.3", null},
        {"1.2.3.4.5", null},
        {"1.2.3.", null},
        {".1.2.3", null},
        {"1..2.3", null},
        {"0x7f.0.0.1", null},
        {"2130706433", null},
        {"1.2.3.4 ", "1.2.3.4"},
        {"1.2.3 .4", null},
        {"+1.2.3.4", null},
        {"1.2.3.4a", null},
        {"", null},
        {"   ", null},
        {"unknown", null},
        {"_hidden", null},
        {"localhost", null},
        // IPv4 with a port (some proxies write it in X-Forwarded-For).
        {"192.0.2.1:8080", "192.0.2.1"},
        {"192.0.2.1:65535", "192.0.2.1"},
        {"192.0.2.1:65536", null},
        {"192.0.2.1:", null},
        {"192.0.2.1:80a", null},
        {"010.0.2.1:80", null},
        // IPv6, RFC 4291 section 2.2 forms, canonical per RFC 5952.
        {"2001:db8:0:0:8:800:200c:417a", "2001:db8::8:800:200c:417a"},
        {"2001:DB8::8:800:200C:417A", "2001:db8::8:800:200c:417a"},
        {"ff01::101", "ff01::101"},
        {"::1", "::1"},
        {"::", "::"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        {"2001:0db8::0001", "2001:db8::1"},
        {"2001:db8::1:0:0:0", "2001:db8:0:0:1::"},
        {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
        {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
        {"1:2:3:4:5:6:7:8:9", null},
        {"1::2::3", null},
        {":1::2", null},
        {"1::2:", null},
        {"1:2:3:4:5:6:7", null},
        {"12345::1", null},
        {"g::1", null},
        {":::", null},
        // IPv4 tails: mapped reads as IPv4; compatible (deprecated) stays IPv6.
        {"::ffff:10.0.0.1", "10.0.0.1"},
        {"::FFFF:192.0.2.128", "192.0.2.128"},
        {"0:0:0:0:0:ffff:c000:280", "192.0.2.128"},
        {"::10.0.0.1", "::a00:1"},
        {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
        {"::ffff:010.0.0.1", null},
        {"::ffff:10.0.0", null},
        {"1.2.3.4::", null},
        {"::1.2.3.4:5", null},
        // Zones (RFC 4007), dropped from the key; RFC 6874's %25 only inside brackets.
        {"fe80::1%eth0", "fe80::1"},
        {"fe80::1%1", "fe80::1"},
        {"fe80::1%", null},
        {"fe80::1%eth 0", null},
        {"fe80::1%eth0%1", null},
        {"192.0.2.1%eth0", null},
        {"[fe80::1%25eth0]", "fe80::1"},
        {"[fe80::1%eth0]:443", "fe80::1"},
        // Brackets and ports.
        {"[2001:db8::1]", "2001:db8::1"},
        {"[2001:db8::1]:443", "2001:db8::1"},
        {"[2001:db8::1]443", null},
        {"[2001:db8::1]:", null},
        {"[2001:db8::1", null},
        {"[192.0.2.1]", null},
        {"[::ffff:192.0.2.1]:80", "192.0.2.1"},
        {"2001:db8::1:443", "2001:db8::1:443"},
    };

    /** RFC 7239 section 6: nodes, quotes already removed by the header's parser. */
    private static final String[][] FORWARDED_NODE = {
        {"192.0.2.60", "192.0.2.60"},
        {"192.0.2.43:47011", "192.0.2.43"},
        {"192.0.2.43:_hidden", "192.0.2.43"},
        {"[2001:db8:cafe::17]", "2001:db8:cafe::17"},
        {"[2001:db8:cafe::17]:4711", "2001:db8:cafe::17"},
        {"[2001:db8:cafe::17]:_port", "2001:db8:cafe::17"},
        {"[2001:db8:cafe::17]:_", null},
        {"2001:db8:cafe::17", null},
        {"unknown", null},
        {"_gazonk", null},
        {"_SEVKISEK", null},
        {"010.0.2.60", null},
        {"192.0.2.43:470110", null},
    };

    /** An address alone, as a CIDR range's address part holds it. */
    private static final String[][] ADDRESS_ALONE = {
        {"10.0.0.0", "10.0.0.0"},
        {"2001:db8::", "2001:db8::"},
        {"[2001:db8::]", "2001:db8::"},
        {"::ffff:10.0.0.0", "10.0.0.0"},
        {"10.0.0.1:80", null},
        {"[2001:db8::1]:443", null},
        {"fe80::1%eth0", null},
        {"010.0.0.0", null},
    };

    @Test
    void headerEntriesAndPeerAddresses() {
        check("parse", HEADER_FORM, IpLiteral::parse);
    }

    @Test
    void forwardedNodes() {
        check("parseForwardedNode", FORWARDED_NODE, IpLiteral::parseForwardedNode);
    }

    @Test
    void addressesAlone() {
        check("parseAddress", ADDRESS_ALONE, IpLiteral::parseAddress);
    }

    @Test
    void canonicalTextKeysOneClientOneWayAndLeavesOtherTextAsItIs() {
        assertThat(IpLiteral.canonical("2001:DB8:0:0:0:0:0:1")).isEqualTo("2001:db8::1");
        assertThat(IpLiteral.canonical("::ffff:10.0.0.1")).isEqualTo("10.0.0.1");
        assertThat(IpLiteral.canonical(" some-host ")).isEqualTo("some-host");
        assertThat(IpLiteral.canonical("010.1.2.3")).as("ambiguous, so not an address").isEqualTo("010.1.2.3");
    }

    @Test
    void formattingFollowsRfc5952() {
        // Section 4.2.2: a single zero group is not compressed; 4.2.3: the first of equal longest runs is.
        assertThat(IpLiteral.format(IpLiteral.parse("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(IpLiteral.format(IpLiteral.parse("2001:0:0:1:0:0:0:1"))).isEqualTo("2001:0:0:1::1");
        assertThat(IpLiteral.format(IpLiteral.parse("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
    }

    private interface Parser {
        byte[] parse(String text);
    }

    private static void check(String form, String[][] table, Parser parser) {
        List<String> wrong = new ArrayList<>();
        for (String[] row : table) {
            byte[] address = parser.parse(row[0]);
            String read = address == null ? null : IpLiteral.format(address);
            if (row[1] == null ? read != null : !row[1].equals(read)) {
                wrong.add(form + "(\"" + row[0] + "\") = " + read + ", expected " + row[1]);
            }
        }
        assertThat(wrong).as("rows read wrongly").isEmpty();
    }
}
