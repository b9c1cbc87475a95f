package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;

/**
 * Fixed window counter ({@link FixedWindow}): at most {@code limit} permits in each window {@code [k·W, (k+1)·W)} of
 * the ticker's reading, exactly, under any interleaving of threads. A refused request can retry when its window ends
 * (the next one starts empty; debt settled into a window ends with it).
 */
final class FixedWindowLimiter extends WindowCounterLimiter implements Reconfigurable {

    FixedWindowLimiter(String name, LimitSpec spec, Ticker ticker, Scheduler scheduler) {
        super(name, paramsOf(spec), ticker, scheduler);
    }

    private static Params paramsOf(LimitSpec spec) {
        if (spec instanceof FixedWindow fixed) {
            return new Params(fixed, fixed.limit(), fixed.window().toNanos());
        }
        throw new IllegalArgumentException("spec = " + spec + " is not a FixedWindow");
    }

    /**
     * Changes the limit or the window's length at run time. A new limit applies to the current window at once
     * (permits already granted in it stay counted); a new length takes effect when the current window ends, and a
     * longer window that overlaps the ending one inherits its count.
     *
     * @param spec the new spec, a {@link FixedWindow}
     * @throws IllegalArgumentException if the spec is null or of another algorithm
     */
    @Override
    public void reconfigure(LimitSpec spec) {
        Arguments.requireNonNull("spec", spec);
        install(paramsOf(spec));
    }

    @Override
    long headroom(Params p, CounterWindow w, long used, long now) {
        return Math.max(0L, p.limit - used);
    }

    @Override
    long retryAfter(Params p, CounterWindow w, long used, long permits, long now) {
        return Math.max(1L, w.end - now);
    }
}
