package dev.throttle.http;

import dev.throttle.kernel.Arguments;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The proxies whose forwarding headers are believed: a fixed set of IPv4 and IPv6 CIDR ranges. Immutable.
 *
 * <pre>{@code
 * TrustedProxies proxies = TrustedProxies.of("10.0.0.0/8", "192.168.1.7", "fd00::/8");
 * }</pre>
 */
public final class TrustedProxies {

    private static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<CidrRange> ranges;

    private TrustedProxies(List<CidrRange> ranges) {
        this.ranges = ranges;
    }

    /**
     * No trusted proxy: forwarding headers are never believed.
     *
     * @return the empty set
     */
    public static TrustedProxies none() {
        return NONE;
    }

    /**
     * Trusted proxies from CIDR ranges ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) or single addresses.
     *
     * @param ranges the ranges
     * @return the set
     * @throws IllegalArgumentException if a range is null or not a valid IP address or CIDR range
     */
    public static TrustedProxies of(String... ranges) {
        Arguments.requireNonNull("ranges", ranges);
        return of(Arrays.asList(ranges.clone()));
    }

    /**
     * Trusted proxies from CIDR ranges or single addresses.
     *
     * @param ranges the ranges
     * @return the set
     * @throws IllegalArgumentException if the collection or a range is null or not a valid range
     */
    public static TrustedProxies of(Collection<String> ranges) {
        Arguments.requireNonNull("ranges", ranges);
        List<CidrRange> parsed = new ArrayList<>(ranges.size());
        for (String range : ranges) {
            parsed.add(CidrRange.parse(range));
        }
        return new TrustedProxies(List.copyOf(parsed));
    }

    /**
     * Tells whether an address belongs to a trusted proxy. Text that is not an IP literal is never trusted.
     *
     * @param address an IP literal, possibly bracketed or with a port
     * @return true if it lies in one of the ranges
     */
    public boolean contains(String address) {
        byte[] parsed = IpLiteral.parse(address);
        return parsed != null && contains(parsed);
    }

    boolean contains(byte[] address) {
        for (CidrRange range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "TrustedProxies" + ranges;
    }
}
