package dev.throttle.local.limiters;

import dev.throttle.FixedWindow;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.SpecVisitor;
import java.util.OptionalLong;

/**
 * Fixed window counter ({@link FixedWindow}): at most {@code limit} permits in each window {@code [k·W, (k+1)·W)} of
 * the ticker's reading, exactly, under any interleaving of threads. A refused request can retry when its window ends
 * (the next one starts empty; debt settled into a window ends with it).
 */
public final class FixedWindowLimiter extends WindowCounterLimiter {

    /** The parameters of a {@link FixedWindow}; any other spec is refused. */
    private static final SpecVisitor<Params> PARAMS = new SpecVisitor<>("a FixedWindow") {
        @Override
        public Params fixedWindow(FixedWindow fixed) {
            return new Params(fixed, fixed.limit(), fixed.window().toNanos());
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
    public FixedWindowLimiter(String name, FixedWindow spec, Ticker ticker, Scheduler scheduler) {
        super(name, spec, PARAMS, ticker, scheduler);
    }

    @Override
    long headroom(Params p, CounterWindow w, long used, long now) {
        return Math.max(0L, p.limit - used);
    }

    @Override
    long retryAfter(Params p, CounterWindow w, long used, long permits, long now) {
        return Math.max(1L, w.end - now);
    }

    /** The end of the grant's window: windows are {@code [k·W, (k+1)·W)} of the ticker's reading. */
    @Override
    public OptionalLong refillNanos(long grantedAt) {
        long length = windowLength();
        return OptionalLong.of(length - Math.floorMod(grantedAt, length));
    }
}
