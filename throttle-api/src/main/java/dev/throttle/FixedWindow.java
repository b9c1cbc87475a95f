package dev.throttle;

import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;
import java.time.Duration;

/**
 * Fixed window counter: at most {@code limit} permits in each window {@code [k·window, (k+1)·window)} of the
 * engine's clock. Cheapest of all (one counter); exact within each window, but a burst straddling a boundary can
 * see up to {@code 2·limit} permits within one window's length.
 *
 * @param limit permits per window, 1 or more
 * @param window the window's length, from 1 ns to {@link LimitSpec#MAX_DURATION}
 */
public record FixedWindow(long limit, Duration window) implements LimitSpec {

    /**
     * Validates the spec.
     *
     * @param limit permits per window, 1 or more
     * @param window the window's length, from 1 ns to {@link LimitSpec#MAX_DURATION}
     * @throws IllegalArgumentException if {@code limit < 1} or the window is null, not positive or too long
     */
    public FixedWindow {
        Arguments.requirePositive("limit", limit);
        Arguments.periodNanos("window", window);
    }

    /**
     * A fixed window spec.
     *
     * @param limit permits per window
     * @param window the window's length
     * @return the spec
     */
    public static FixedWindow of(long limit, Duration window) {
        return new FixedWindow(limit, window);
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
     * The spec for logs: {@code FixedWindow[limit=100 per 1 min]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "FixedWindow[limit=" + SpecText.perWindow(limit, window) + "]";
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
        return visitor.fixedWindow(this);
    }
}
