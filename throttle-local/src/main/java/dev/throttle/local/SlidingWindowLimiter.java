package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.LimitSpec;
import dev.throttle.Scheduler;
import dev.throttle.SlidingWindow;
import dev.throttle.Ticker;

/**
 * Sliding window counter ({@link SlidingWindow}): a request for {@code n} permits at a reading {@code elapsed}
 * nanoseconds into the current window of length {@code W} is admitted when
 * {@code ceil(previous·(W − elapsed)/W) + used + n <= limit}, {@code previous} being the previous window's final
 * count and {@code used} the current one's.
 *
 * <p>The weighted previous count is computed exactly in integers and rounded up, so the limiter never admits more
 * than the bound documented on {@link SlidingWindow}: at most {@code limit} per aligned window, and at most
 * {@code limit + floor(f·previous)} in any interval of length {@code W} ending {@code f·W} into a window. A reading
 * earlier than the current window's start (a thread lagging behind a roll) weighs the previous window in full.
 */
final class SlidingWindowLimiter extends WindowCounterLimiter implements Reconfigurable {

    SlidingWindowLimiter(String name, LimitSpec spec, Ticker ticker, Scheduler scheduler) {
        super(name, paramsOf(spec), ticker, scheduler);
    }

    private static Params paramsOf(LimitSpec spec) {
        if (spec instanceof SlidingWindow sliding) {
            return new Params(sliding, sliding.limit(), sliding.window().toNanos());
        }
        throw new IllegalArgumentException("spec = " + spec + " is not a SlidingWindow");
    }

    /**
     * Changes the limit or the window's length at run time. A new limit applies to the current window at once
     * (permits already granted in it and the previous window's count stay counted); a new length takes effect when
     * the current window ends. Retry times are exact while the length is unchanged.
     *
     * @param spec the new spec, a {@link SlidingWindow}
     * @throws IllegalArgumentException if the spec is null or of another algorithm
     */
    @Override
    public void reconfigure(LimitSpec spec) {
        Arguments.requireNonNull("spec", spec);
        install(paramsOf(spec));
    }

    @Override
    long headroom(Params p, CounterWindow w, long used, long now) {
        long room = p.limit - used;
        if (room <= 0 || w.previous == 0) {
            return Math.max(0L, room);
        }
        long length = w.end - w.start;
        long left = w.end - Math.max(now, w.start); // in (0, length]: now < end holds for a current window
        long weighted = WideMath.mulDivCeil(w.previous, left, length);
        return Math.max(0L, room - weighted);
    }

    /**
     * Solves the admission inequality for the earliest reading, assuming no other arrivals: within this window if
     * the count leaves room ({@code ceil(previous·(end − t)/W) <= spare} holds from {@code t = end − floor(spare·W /
     * previous)}), else in the next one, where this window's count becomes the weighted previous.
     */
    @Override
    long retryAfter(Params p, CounterWindow w, long used, long permits, long now) {
        long room = p.limit - used;
        long at;
        if (room >= permits) {
            // Refused for the weight: spare < weighted <= previous, so the quotient is below the length.
            long spare = room - permits;
            at = w.end - WideMath.mulDivFloor(spare, w.end - w.start, w.previous);
        } else {
            // used > limit - permits = spare >= 0; the next window has the configured length.
            long spare = p.limit - permits;
            at = w.end + p.length - WideMath.mulDivFloor(spare, p.length, used);
        }
        return Math.max(1L, at - now);
    }
}
