package dev.throttle.local.adaptive;

import dev.throttle.kernel.Arguments;
import java.time.Duration;

/**
 * How a sliding window is cut into buckets of time: bucket {@code i} covers {@code [i·width, (i+1)·width)} of the
 * ticker and lives in slot {@code i mod count}. The window at a moment is the bucket holding it and the
 * {@code count − 1} before it, so it spans between {@code (count − 1)·width} and {@code count·width} of history.
 */
final class TimeBuckets {

    static final int MAX_BUCKETS = 3600;

    final long width;
    final int count;

    TimeBuckets(Duration window, int buckets) {
        long windowNanos = Arguments.periodNanos("window", window);
        this.count = (int) Arguments.requireInRange("buckets", buckets, 1, MAX_BUCKETS);
        if (windowNanos % buckets != 0) {
            throw new IllegalArgumentException("window = " + window + " is out of range; allowed range is a whole"
                    + " number of nanoseconds per bucket, a multiple of buckets = " + buckets);
        }
        this.width = windowNanos / buckets;
    }

    long index(long now) {
        return Math.floorDiv(now, width);
    }

    int slot(long index) {
        return (int) Math.floorMod(index, (long) count);
    }

    /** Whether a bucket of this index is inside the window at {@code newest}, the index of now. */
    boolean live(long index, long newest) {
        return index <= newest && index > newest - count;
    }
}
