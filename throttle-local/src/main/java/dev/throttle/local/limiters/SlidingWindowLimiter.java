package dev.throttle.local.limiters;

import dev.throttle.Scheduler;
import dev.throttle.SlidingWindow;
import dev.throttle.Ticker;
import dev.throttle.kernel.SpecVisitor;

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
public final class SlidingWindowLimiter extends WindowCounterLimiter {

    /** The parameters of a {@link SlidingWindow}; any other spec is refused. */
    private static final SpecVisitor<Params> PARAMS = new SpecVisitor<>("a SlidingWindow") {
        @Override
        public Params slidingWindow(SlidingWindow sliding) {
            return new Params(sliding, sliding.limit(), sliding.window().toNanos());
        }
    };

    /**
     * A limiter, its window empty.
     *
     * @param name the limiter's name
     * @param spec the spec
     * @param ticker the engine's clock
     * @param scheduler where waiting requests wait
     */
    public SlidingWindowLimiter(String name, SlidingWindow spec, Ticker ticker, Scheduler scheduler) {
        super(name, spec, PARAMS, ticker, scheduler);
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
     * Solves {@code headroom(t) > headroom(now)} for the earliest reading {@code t}, assuming no other arrivals: in
     * this window when the previous window's weight still holds room back ({@code ceil(previous·(end − t)/W) <= k}
     * holds from {@code t = end − floor(k·W / previous)}), else in the next one, where this window's count becomes
     * the weighted previous and room comes back as it decays.
     */
    @Override
    long untilMoreRoom(Params p, CounterWindow w, long used, long now) {
        long room = p.limit - used;
        long weighted = w.previous == 0 ? 0L
                : WideMath.mulDivCeil(w.previous, w.end - Math.max(now, w.start), w.end - w.start);
        long headroom = Math.max(0L, room - weighted);
        long at;
        if (room > headroom) {
            // weighted > room - headroom - 1 >= 0, so previous > 0.
            at = w.end - WideMath.mulDivFloor(room - headroom - 1, w.end - w.start, w.previous);
        } else {
            long target = p.limit - headroom - 1; // the next window's weighted previous must fall to this
            if (target < 0 || used == 0) {
                return -1L; // nothing counted: the whole limit is free
            }
            at = w.end + p.length - WideMath.mulDivFloor(target, p.length, used);
        }
        return Math.max(1L, at - now);
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
