package dev.throttle;

import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;
import java.time.Duration;

/**
 * Sliding window counter, an approximation of {@link SlidingLog} in constant memory: it weighs the previous fixed
 * window's count by the part of the previous window still inside the sliding one, {@code previous·(1 − f) + current
 * ≤ limit}, where {@code f} is how far the clock is into the current window.
 *
 * <p>Error bound: each fixed window still admits at most {@code limit}; a sliding interval of length {@code window}
 * admits at most {@code limit + f·previous < 2·limit}, reached only when the previous window's permits all came at
 * its very end. When the previous window's traffic is spread evenly the estimate is exact. (Cloudflare measured
 * 0.003% of requests wrongly allowed or refused over 400 million requests with this scheme: "How we built rate
 * limiting capable of scaling to millions of domains", 2017.)
 *
 * @param limit permits per window, 1 or more
 * @param window the window's length, from 1 ns to {@link LimitSpec#MAX_DURATION}
 */
public record SlidingWindow(long limit, Duration window) implements LimitSpec {

    /**
     * Validates the spec.
     *
     * @param limit permits per window, 1 or more
     * @param window the window's length, from 1 ns to {@link LimitSpec#MAX_DURATION}
     * @throws IllegalArgumentException if {@code limit < 1} or the window is null, not positive or too long
     */
    public SlidingWindow {
        Arguments.requirePositive("limit", limit);
        Arguments.periodNanos("window", window);
    }

    /**
     * A sliding window counter spec.
     *
     * @param limit permits per window
     * @param window the window's length
     * @return the spec
     */
    public static SlidingWindow of(long limit, Duration window) {
        return new SlidingWindow(limit, window);
    }

    @Override
    public long capacity() {
        return limit;
    }

    /** Two windows: the previous window's count weighs on the current one. */
    @Override
    public long restNanos() {
        return 2 * window.toNanos();
    }

    /**
     * The spec for logs: {@code SlidingWindow[limit=100 per 1 min]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "SlidingWindow[limit=" + SpecText.perWindow(limit, window) + "]";
    }

    /**
     * Calls the visitor's method for this kind of spec.
     *
     * @param visitor the visitor
     * @param <R> what it answers
     * @return its answer
     */
    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.slidingWindow(this);
    }
}
