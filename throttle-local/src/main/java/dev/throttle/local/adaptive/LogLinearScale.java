package dev.throttle.local.adaptive;

/**
 * The fixed buckets of a latency histogram: exact below 16 ns, then 16 linear sub-buckets per power of two up to
 * 2<sup>40</sup> ns (about 18 minutes); larger values share the top bucket. A bucket's upper bound overstates any
 * value in it by less than 1/16 of the value (6.25%), since a bucket of width {@code 2^s} starts at
 * {@code 16·2^s} or more.
 */
final class LogLinearScale {

    static final int SUB_BITS = 4;
    static final int SUB_BUCKETS = 1 << SUB_BITS;
    static final int MAX_EXPONENT = 40;
    /** Buckets 0..15 hold 0..15 exactly; then 16 per exponent from 4 to {@link #MAX_EXPONENT} − 1. */
    static final int SIZE = SUB_BUCKETS + (MAX_EXPONENT - SUB_BITS) * SUB_BUCKETS;
    static final long MAX_VALUE = (1L << MAX_EXPONENT) - 1;

    private LogLinearScale() {
    }

    static int index(long value) {
        long v = Math.min(Math.max(0L, value), MAX_VALUE);
        if (v < SUB_BUCKETS) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        int shift = exponent - SUB_BITS;
        int sub = (int) (v >>> shift) - SUB_BUCKETS;
        return SUB_BUCKETS + shift * SUB_BUCKETS + sub;
    }

    /** The largest value the bucket holds. */
    static long upperBound(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int shift = (index - SUB_BUCKETS) / SUB_BUCKETS;
        int sub = (index - SUB_BUCKETS) % SUB_BUCKETS;
        long lower = (long) (SUB_BUCKETS + sub) << shift;
        return lower + (1L << shift) - 1;
    }
}
