package dev.throttle.local.limiters;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One window of a window counter: its bounds {@code [start, end)} on the ticker, fixed when it is made, and the
 * permits granted in it, the only mutable part (updated by CAS, so a grant within a window allocates nothing).
 * A limiter replaces the whole object when time leaves the window.
 *
 * <p>Replacing it first <em>seals</em> the count (stores it as {@code ~count}, a negative number): a thread that read
 * the old window just before the roll can then no longer add to it, so the count the successor inherits as its
 * previous window is final and every grant is seen by the next decision.
 */
final class CounterWindow {

    private static final VarHandle USED;

    static {
        try {
            USED = MethodHandles.lookup().findVarHandle(CounterWindow.class, "used", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** First reading inside the window. */
    final long start;
    /** First reading after the window. */
    final long end;
    /** The final count of the window just before this one (sliding window only; 0 when there was none). */
    final long previous;
    @SuppressWarnings("unused") // accessed through USED
    private volatile long used;

    CounterWindow(long start, long end, long previous, long used) {
        this.start = start;
        this.end = end;
        this.previous = previous;
        this.used = used;
    }

    /** The window of length {@code length} that holds {@code now}, a fresh limiter's state. */
    static CounterWindow first(long now, long length) {
        long start = Math.floorDiv(now, length) * length;
        return new CounterWindow(start, start + length, 0L, 0L);
    }

    /** The raw count: the permits taken, or a negative value once {@linkplain #seal() sealed}. */
    long raw() {
        return (long) USED.getVolatile(this);
    }

    static boolean isSealed(long raw) {
        return raw < 0;
    }

    boolean compareAndSet(long expectedRaw, long newRaw) {
        return USED.compareAndSet(this, expectedRaw, newRaw);
    }

    /**
     * Freezes the count so no grant can be added to this window any more; idempotent.
     *
     * @return the final count
     */
    long seal() {
        for (;;) {
            long raw = raw();
            if (isSealed(raw)) {
                return ~raw;
            }
            if (compareAndSet(raw, ~raw)) {
                return raw;
            }
        }
    }

    /**
     * The window that follows this sealed one for a reading of {@code now}: the window of the (possibly reconfigured)
     * length holding {@code now}, or holding this window's end when {@code now} is earlier (a thread whose reading
     * lags behind a roll). It inherits this window's final count as its previous one when adjacent.
     *
     * @param count this window's final count
     * @param now the reading that found this window over or sealed
     * @param length the window length now configured
     * @return the new window, not yet published
     */
    CounterWindow successor(long count, long now, long length) {
        long nextStart = Math.floorDiv(Math.max(now, end), length) * length;
        if (nextStart < end) {
            // Only after the window was lengthened: the new grid's window overlaps this one, so it keeps its permits
            // and the at-most-limit-per-window promise survives the change.
            return new CounterWindow(nextStart, nextStart + length, previous, count);
        }
        boolean adjacent = nextStart - length < end;
        return new CounterWindow(nextStart, nextStart + length, adjacent ? count : 0L, 0L);
    }
}
