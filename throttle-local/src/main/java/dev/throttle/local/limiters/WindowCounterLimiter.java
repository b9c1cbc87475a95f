package dev.throttle.local.limiters;

import dev.throttle.LimitSpec;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecVisitor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.OptionalLong;

/**
 * The machinery shared by the window counters: windows {@code [k·W, (k+1)·W)} of the ticker's reading, the current one
 * held as an immutable-bounds {@link CounterWindow} behind one volatile reference. A decision reads the reference and
 * CAS-increments the window's count; only leaving a window allocates (its successor, swapped in by CAS). Subclasses
 * say how much of the limit is left in a window and when a refused request could fit.
 *
 * <p>A window is current for a reading {@code now} while {@code now < end}: a window newer than the caller's reading
 * (another thread rolled it with a later reading) counts as current, which is conservative. A window's count is
 * sealed before it is replaced, so counts are exact under any interleaving.
 */
public abstract class WindowCounterLimiter extends AbstractRateLimiter implements Reconfigurable {

    private static final VarHandle WINDOW;

    static {
        try {
            WINDOW = MethodHandles.lookup().findVarHandle(WindowCounterLimiter.class, "window", CounterWindow.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Immutable parameters, swapped whole on reconfiguration. */
    static final class Params {
        final LimitSpec spec;
        final long limit;
        /** The window's length in nanoseconds. */
        final long length;

        Params(LimitSpec spec, long limit, long length) {
            this.spec = spec;
            this.limit = limit;
            this.length = length;
        }
    }

    /** Reads the parameters of this counter's spec, refusing any other. */
    private final SpecVisitor<Params> paramsOf;
    private volatile Params params;
    @SuppressWarnings("unused") // accessed through WINDOW
    private volatile CounterWindow window;

    WindowCounterLimiter(String name, LimitSpec spec, SpecVisitor<Params> paramsOf, Ticker ticker,
            Scheduler scheduler) {
        super(name, ticker, scheduler);
        this.paramsOf = paramsOf;
        this.params = spec.accept(paramsOf);
        this.window = CounterWindow.first(ticker.read(), params.length);
    }

    /**
     * The permits a request could take now from window {@code w} whose count is {@code used}, 0 or more.
     *
     * @param p the parameters of this decision
     * @param w the window current for {@code now}
     * @param used its count (not sealed)
     * @param now the reading
     */
    abstract long headroom(Params p, CounterWindow w, long used, long now);

    /**
     * The time from {@code now} until a refused request for {@code permits} would fit if nothing else arrived, 1 or
     * more.
     */
    abstract long retryAfter(Params p, CounterWindow w, long used, long permits, long now);

    /**
     * The time from {@code now} until window {@code w}'s headroom grows past what it is now, if nothing else arrived;
     * -1 when it cannot grow (nothing is counted).
     */
    long untilMoreRoom(Params p, CounterWindow w, long used, long now) {
        return -1L;
    }

    /**
     * The time until more permits are available than the decision left, read from the current window: for the
     * RateLimit field's {@code t}.
     */
    @Override
    public OptionalLong refillNanos(long grantedAt) {
        Params p = params;
        long now = Math.max(grantedAt, ticker.read());
        for (;;) {
            CounterWindow w = current(now, p);
            long used = w.raw();
            if (!CounterWindow.isSealed(used)) {
                long until = untilMoreRoom(p, w, used, now);
                return until < 0 ? OptionalLong.empty() : OptionalLong.of(until);
            }
        }
    }

    @Override
    public final LimitSpec spec() {
        return params.spec;
    }

    /** The current window's length in nanoseconds. */
    final long windowLength() {
        return params.length;
    }

    /**
     * Changes the limit or the window's length at run time. A new limit applies to the current window at once (the
     * permits already granted in it, and a sliding window's previous count, stay counted); a new length takes effect
     * when the current window ends, and a longer window that overlaps the ending one inherits its count. A sliding
     * window's retry times are exact while the length is unchanged.
     *
     * @param spec the new spec, of this limiter's algorithm
     * @throws IllegalArgumentException if the spec is null or of another algorithm
     */
    @Override
    public final void reconfigure(LimitSpec spec) {
        Arguments.requireNonNull("spec", spec);
        params = spec.accept(paramsOf);
    }

    /**
     * Grants now or refuses; a window counter never reserves a future slot ({@code maxDelayNanos} is not needed),
     * so a waiting caller is retried at the refusal's retry time instead.
     */
    @Override
    final long reserve(long permits, long now, long maxDelayNanos) {
        Params p = params;
        if (permits > p.limit) {
            return Decisions.NEVER; // the limit was lowered by a reconfiguration after the argument check
        }
        for (;;) {
            CounterWindow w = current(now, p);
            long used = w.raw();
            if (CounterWindow.isSealed(used)) {
                continue; // rolled under us: decide in its successor
            }
            if (permits > headroom(p, w, used, now)) {
                return Decisions.refused(retryAfter(p, w, used, permits, now));
            }
            // used + permits cannot overflow: the headroom is at most limit - used.
            if (w.compareAndSet(used, used + permits)) {
                return 0L;
            }
            if (!CounterWindow.isSealed(w.raw())) {
                // Lost the count to another grant (not to a roll, which is decided again at once): step aside, then
                // decide on the count as it then is, at this reading (earlier than the retry, so never more generous).
                Contention.backOff();
            }
        }
    }

    /**
     * The window current for {@code now}, rolling the state forward (sealing the old window, CAS-ing in its
     * successor) when time has left the window. Lock-free: a thread that finds a sealed window finishes the roll.
     */
    private CounterWindow current(long now, Params p) {
        for (;;) {
            CounterWindow w = window;
            if (now < w.end && !CounterWindow.isSealed(w.raw())) {
                return w;
            }
            CounterWindow next = w.successor(w.seal(), now, p.length);
            if (WINDOW.compareAndSet(this, w, next)) {
                return next;
            }
        }
    }

    @Override
    final long available(long now) {
        Params p = params;
        for (;;) {
            CounterWindow w = current(now, p);
            long used = w.raw();
            if (!CounterWindow.isSealed(used)) {
                return headroom(p, w, used, now);
            }
        }
    }

    @Override
    final long limit() {
        return params.limit;
    }

    /**
     * Settles against the current window: a positive delta takes more permits, past the limit if need be (debt, which
     * blocks the window and, for the sliding window, weighs on the next); a negative one gives permits back, never
     * below zero, and only to the window the grant's reading falls in while it is still current: permits of a window
     * that time has left are gone, and a give-back never lands in a later window (it would over-admit there). A grant
     * whose reading preceded a roll by another thread was counted in the newer window; its give-back is dropped,
     * which is conservative.
     */
    @Override
    public final void adjust(long delta, long grantedAt) {
        if (delta == 0) {
            return;
        }
        long now = ticker.read();
        for (;;) {
            CounterWindow w = delta > 0 ? current(now, params) : window;
            long used = w.raw();
            if (delta < 0 && (CounterWindow.isSealed(used) || now >= w.end || grantedAt < w.start)) {
                return;
            }
            if (CounterWindow.isSealed(used)) {
                continue;
            }
            if (w.compareAndSet(used, settled(used, delta))) {
                return;
            }
        }
    }

    /** {@code used + delta}, kept within {@code [0, Long.MAX_VALUE]} so a settled count can never wrap. */
    private static long settled(long used, long delta) {
        if (delta > 0) {
            return used > Long.MAX_VALUE - delta ? Long.MAX_VALUE : used + delta;
        }
        return Math.max(0L, used + delta);
    }
}
