package dev.throttle.local.limiters;

import java.util.ArrayList;
import java.util.List;

/**
 * The obvious model of a sliding log, for the sliding log's tests to compare against: every permit's grant time in a
 * list, counted and searched naively.
 */
final class ReferenceLog {
    private final long limit;
    private final long window;
    private final List<Long> times = new ArrayList<>();

    ReferenceLog(long limit, long window) {
        this.limit = limit;
        this.window = window;
    }

    /** 0 and logs the permits if they fit at {@code now}; else the time until they would fit. */
    long decide(long now, long permits) {
        if (count(now) + permits <= limit) {
            log(now, permits);
            return 0;
        }
        long best = Long.MAX_VALUE;
        for (long t : times) {
            long leaves = t + window;
            if (leaves - now > 0 && count(leaves) + permits <= limit) {
                best = Math.min(best, leaves - now);
            }
        }
        return best;
    }

    long available(long now) {
        return Math.max(0, limit - count(now));
    }

    /** Settling up: the extra permits, at most the limit, logged now; settling down gives nothing back. */
    void settle(long now, long delta) {
        if (delta > 0) {
            log(now, Math.min(delta, limit));
        }
    }

    /** Logs {@code permits} at {@code now}, unconditionally. */
    void log(long now, long permits) {
        times.removeIf(t -> now - t >= window); // time only moves forward: these never count again
        for (long i = 0; i < permits; i++) {
            times.add(now);
        }
    }

    /** The permits logged in the window ending at {@code at}: at or before it, less than a window before. */
    private long count(long at) {
        return times.stream().filter(t -> at - t < window && at - t >= 0).count();
    }
}
