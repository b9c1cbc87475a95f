package dev.throttle.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The CIDR range parser and matcher on their own, table-driven. */
class CidrRangeTest {

    /** Text, its canonical form, an address inside, an address outside (null: none to test). */
    private static final String[][] RANGES = {
        {"10.0.0.0/8", "10.0.0.0/8", "10.255.255.255", "11.0.0.0"},
        {"10.1.2.3/8", "10.0.0.0/8", "10.9.9.9", "9.255.255.255"},
        {"192.0.2.1", "192.0.2.1/32", "192.0.2.1", "192.0.2.2"},
        {"0.0.0.0/0", "0.0.0.0/0", "203.0.113.9", "2001:db8::1"},
        {"172.16.0.0/12", "172.16.0.0/12", "172.31.255.255", "172.32.0.0"},
        {"192.0.2.128/25", "192.0.2.128/25", "192.0.2.200", "192.0.2.127"},
        {"2001:db8::/32", "2001:db8::/32", "2001:db8:ffff::1", "2001:db9::"},
        {"[2001:db8::]/48", "2001:db8::/48", "2001:db8:0:ffff::1", "2001:db8:1::"},
        {"::1", "::1/128", "::1", "::2"},
        {"::/0", "::/0", "2001:db8::1", "10.0.0.1"},
        {"fe80::/10", "fe80::/10", "febf::1", "fec0::1"},
        // IPv4-mapped ranges are IPv4 ranges, and mapped addresses match IPv4 ranges.
        {"::ffff:10.0.0.0/104", "10.0.0.0/8", "::ffff:10.1.1.1", "::ffff:11.0.0.1"},
        {"10.0.0.0/8", "10.0.0.0/8", "::ffff:10.2.3.4", "::10.2.3.4"},
    };

    private static final String[] REFUSED = {
        "", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/8/8", "10.0.0.0/x", "010.0.0.0/8",
        "10.0.0.1:80", "10.0.0.0:80/8", "[2001:db8::1]:443", "fe80::1%eth0", "fe80::%eth0/10", "2001:db8::/129",
        "::ffff:10.0.0.0/95", "example.com/24", "10.0.0.0 /8",
    };

    @Test
    void rangesParseToTheirCanonicalFormAndMatchWhatTheyHold() {
        for (String[] row : RANGES) {
            CidrRange range = CidrRange.parse(row[0]);
            assertThat(range).as(row[0]).hasToString(row[1]);
            assertThat(range.contains(IpLiteral.parse(row[2]))).as("%s contains %s", row[0], row[2]).isTrue();
            assertThat(range.contains(IpLiteral.parse(row[3]))).as("%s contains %s", row[0], row[3]).isFalse();
        }
    }

    @Test
    void malformedRangesAreRefusedByName() {
        for (String text : REFUSED) {
            assertThatThrownBy(() -> CidrRange.parse(text)).as(text).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(text.isEmpty() ? "proxy range" : text);
        }
        assertThatThrownBy(() -> CidrRange.parse(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxy range");
    }

    @Test
    void equalRangesAreEqualHoweverWritten() {
        assertThat(CidrRange.parse("10.1.2.3/8")).isEqualTo(CidrRange.parse("10.0.0.0/8"))
                .hasSameHashCodeAs(CidrRange.parse("10.0.0.0/8"));
        assertThat(CidrRange.parse("::ffff:10.0.0.0/104")).isEqualTo(CidrRange.parse("10.0.0.0/8"));
        assertThat(CidrRange.parse("10.0.0.0/8")).isNotEqualTo(CidrRange.parse("10.0.0.0/9"));
    }
}
