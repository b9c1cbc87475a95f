package dev.throttle.http;

import java.util.Arrays;

/**
 * A block of IP addresses, {@code address/prefix}: IPv4 or IPv6; a bare address is a block of one. The address is an
 * address alone ({@link IpLiteral#parseAddress}: no port, no zone, no leading zeros in a dotted quad); the prefix a
 * decimal number without leading zeros, at most 32 for IPv4 and 128 for IPv6 (an IPv4-mapped range such as
 * {@code ::ffff:10.0.0.0/104} is the IPv4 range {@code 10.0.0.0/8}). Bits past the prefix are ignored
 * ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}), as most routers and proxies read them.
 */
final class CidrRange {

    private final byte[] network;
    private final int prefix;
    private final String text;

    private CidrRange(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code 2001:db8::/32} or a bare address.
     *
     * @param text the range
     * @return the range
     * @throws IllegalArgumentException if the text is not a range
     */
    static CidrRange parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("proxy range must not be null");
        }
        String s = text.strip();
        int slash = s.indexOf('/');
        String addressText = slash < 0 ? s : s.substring(0, slash);
        byte[] address = addressText.strip().equals(addressText) ? IpLiteral.parseAddress(addressText) : null;
        if (address == null) {
            throw new IllegalArgumentException("proxy range = " + text + " is not an IP address or CIDR range");
        }
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String digits = s.substring(slash + 1);
            if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (digits.length() > 1 && digits.charAt(0) == '0')) {
                throw new IllegalArgumentException("proxy range = " + text + " has no valid prefix length");
            }
            prefix = Integer.parseInt(digits);
            // A mapped IPv6 range (::ffff:10.0.0.0/104) reads as IPv4, so its prefix counts from the IPv4 part.
            if (address.length == 4 && s.indexOf(':') >= 0) {
                prefix -= 96;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("prefix of " + text + " is out of range; allowed range is [0, "
                        + bits + "]");
            }
        }
        byte[] network = address.clone();
        for (int bit = prefix; bit < bits; bit++) {
            network[bit >>> 3] &= (byte) ~(0x80 >>> (bit & 7));
        }
        return new CidrRange(network, prefix, IpLiteral.format(network) + "/" + prefix);
    }

    /**
     * Tells whether an address lies in this range.
     *
     * @param address 4 or 16 bytes from {@link IpLiteral#parse}
     * @return true if it does
     */
    boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int whole = prefix >>> 3;
        for (int i = 0; i < whole; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix & 7;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[whole] & mask) == (network[whole] & mask);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CidrRange && prefix == ((CidrRange) other).prefix
                && Arrays.equals(network, ((CidrRange) other).network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        return text;
    }
}
