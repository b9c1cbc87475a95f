package dev.throttle;

import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;
import java.time.Duration;

/**
 * Sliding window log: at most {@code limit} permits in <em>any</em> interval of length {@code window}. Exact, at the
 * cost of remembering the time of each of the last {@code limit} permits (memory grows with the limit, so the limit
 * is capped at {@link #MAX_LIMIT}).
 *
 * @param limit permits in any window, from 1 to {@link #MAX_LIMIT}
 * @param window the window's length, from 1 ns to {@link LimitSpec#MAX_DURATION}
 */
public record SlidingLog(long limit, Duration window) implements LimitSpec {

    /** The largest limit: the log holds one timestamp per permit. */
    public static final long MAX_LIMIT = 1L << 20;

    /**
     * Validates the spec.
     *
     * @param limit permits in any window, from 1 to {@link #MAX_LIMIT}
     * @param window the window's length, from 1 ns to {@link LimitSpec#MAX_DURATION}
     * @throws IllegalArgumentException if the limit is outside {@code [1, MAX_LIMIT]} or the window is null, not
     *     positive or too long
     */
    public SlidingLog {
        Arguments.requireInRange("limit", limit, 1, MAX_LIMIT);
        Arguments.periodNanos("window", window);
    }

    /**
     * A sliding log spec.
     *
     * @param limit permits in any window
     * @param window the window's length
     * @return the spec
     */
    public static SlidingLog of(long limit, Duration window) {
        return new SlidingLog(limit, window);
    }

    @Override
    public long capacity() {
        return limit;
    }

    @Override
    public long restNanos() {
        return window.toNanos();
    }

    /**
     * The spec for logs: {@code SlidingLog[limit=100 per 1 min]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "SlidingLog[limit=" + SpecText.perWindow(limit, window) + "]";
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
        return visitor.slidingLog(this);
    }
}
