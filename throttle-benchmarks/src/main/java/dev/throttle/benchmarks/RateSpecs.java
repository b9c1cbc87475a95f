package dev.throttle.benchmarks;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.time.Duration;

/**
 * The specs the rate benchmarks measure, one pair per algorithm: a spec no benchmark run can exhaust (so the granted
 * path is what is timed) and a spec exhausted by a single permit (so the refused path is).
 */
final class RateSpecs {

    /** A window counter's limit no run reaches: far below overflow in any sum or product of counts. */
    private static final long HUGE_LIMIT = Long.MAX_VALUE / 4;

    /** A bucket's capacity no run drains: a run does well under 1e9 operations per second per thread. */
    private static final long HUGE_CAPACITY = 1_000_000_000L;

    /** The fastest valid rate, one permit per nanosecond: faster than any thread can ask. */
    private static final Rate ONE_PER_NANO = Rate.of(1, Duration.ofNanos(1));

    /** The slowest valid rate: the one permit of an exhausted bucket never comes back during a run. */
    private static final Rate ONE_PER_DECADE = Rate.of(1, Duration.ofDays(3650));

    /** A window no run outlasts. */
    private static final Duration DECADE = Duration.ofDays(3650);

    private RateSpecs() {
    }

    /**
     * A spec of the algorithm that grants every request of a benchmark run.
     *
     * @param algorithm one of fixedWindow, slidingWindow, slidingLog (limit 2^20), slidingLog100 (limit 100),
     *     tokenBucket, leakyBucket
     * @return the spec
     * @throws IllegalArgumentException for another name
     */
    static LimitSpec granting(String algorithm) {
        switch (algorithm) {
            case "fixedWindow":
                return FixedWindow.of(HUGE_LIMIT, Duration.ofSeconds(1));
            case "slidingWindow":
                return SlidingWindow.of(HUGE_LIMIT, Duration.ofSeconds(1));
            case "slidingLog":
                // The log is capped at 2^20 entries; a 1 µs window empties it faster than any thread fills it
                // (2^20 permits per µs would be one per picosecond).
                return SlidingLog.of(SlidingLog.MAX_LIMIT, Duration.ofNanos(1_000));
            case "slidingLog100":
                // A small log: 100 permits take at least 100 decisions, far longer than a 20 ns window even at the
                // nanoTime + CAS floor, so every request fits.
                return SlidingLog.of(100, Duration.ofNanos(20));
            case "tokenBucket":
                return TokenBucket.of(HUGE_CAPACITY, ONE_PER_NANO);
            case "leakyBucket":
                return LeakyBucket.meter(HUGE_CAPACITY, ONE_PER_NANO);
            default:
                throw new IllegalArgumentException("algorithm = " + algorithm + " is unknown");
        }
    }

    /**
     * A spec of the algorithm whose single permit, once taken, does not come back during a run.
     *
     * @param algorithm one of fixedWindow, slidingWindow, slidingLog, slidingLog100, tokenBucket, leakyBucket
     * @return the spec
     * @throws IllegalArgumentException for another name
     */
    static LimitSpec exhaustible(String algorithm) {
        switch (algorithm) {
            case "fixedWindow":
                return FixedWindow.of(1, DECADE);
            case "slidingWindow":
                return SlidingWindow.of(1, DECADE);
            case "slidingLog":
            case "slidingLog100":
                return SlidingLog.of(1, DECADE);
            case "tokenBucket":
                return TokenBucket.of(1, ONE_PER_DECADE);
            case "leakyBucket":
                return LeakyBucket.meter(1, ONE_PER_DECADE);
            default:
                throw new IllegalArgumentException("algorithm = " + algorithm + " is unknown");
        }
    }
}
