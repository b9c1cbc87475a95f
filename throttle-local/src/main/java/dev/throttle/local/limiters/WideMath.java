package dev.throttle.local.limiters;

/**
 * Exact {@code a·b/c} for non-negative longs whose product may overflow 64 bits: the sliding window weighs counts
 * (possibly huge after settled debt) by nanosecond spans (up to ten years), and must round exactly. Allocation-free,
 * so it can run on the {@code allow()} path.
 */
final class WideMath {

    private WideMath() {
    }

    /**
     * {@code floor(a·b/c)}.
     *
     * @param a 0 or more
     * @param b 0 or more
     * @param c 1 or more; with {@code a < c} or {@code b <= c}, so the quotient fits in a long
     * @return the quotient rounded down
     */
    static long mulDivFloor(long a, long b, long c) {
        return mulDiv(a, b, c, false);
    }

    /**
     * {@code ceil(a·b/c)}.
     *
     * @param a 0 or more
     * @param b 0 or more
     * @param c 1 or more; with {@code a < c} or {@code b <= c}, so the quotient fits in a long
     * @return the quotient rounded up
     */
    static long mulDivCeil(long a, long b, long c) {
        return mulDiv(a, b, c, true);
    }

    private static long mulDiv(long a, long b, long c, boolean roundUp) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        if (high == 0 && low >= 0) {
            // The common case: the product fits in 63 bits.
            long quotient = low / c;
            return roundUp && quotient * c != low ? quotient + 1 : quotient;
        }
        // 128-by-64 long division, one bit at a time; the remainder stays below c < 2^63, so shifting it left by one
        // fits in 64 unsigned bits. The quotient fits because high < c (guaranteed by the caller's bound).
        long remainder = high;
        long quotient = 0L;
        for (int bit = 63; bit >= 0; bit--) {
            remainder = (remainder << 1) | ((low >>> bit) & 1L);
            quotient <<= 1;
            if (Long.compareUnsigned(remainder, c) >= 0) {
                remainder -= c;
                quotient |= 1L;
            }
        }
        return roundUp && remainder != 0 ? quotient + 1 : quotient;
    }
}
