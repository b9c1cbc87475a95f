package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bulkhead's answer. A granted one is a lease on {@code permits} slots of its {@link ConcurrencyLimiter}, given
 * back exactly once: the slots it still holds live in one word that {@link #close()} swaps to {@link #CLOSED} and
 * {@link #settle(long)} lowers by CAS, so a racing close and settle never give back more than was taken.
 */
final class ConcurrencyPermit implements Permit {

    /** The value of {@link #held} once closed; refused permits start closed. */
    private static final long CLOSED = -1L;

    private static final VarHandle HELD;
    private static final VarHandle SETTLED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HELD = lookup.findVarHandle(ConcurrencyPermit.class, "held", long.class);
            SETTLED = lookup.findVarHandle(ConcurrencyPermit.class, "settled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrencyLimiter limiter;
    private final boolean granted;
    private final long permits;
    private final long retryAfterNanos;
    private final long remaining;
    private final long limit;
    @SuppressWarnings("unused") // accessed through HELD
    private volatile long held;
    @SuppressWarnings("unused") // accessed through SETTLED
    private volatile boolean settled;

    ConcurrencyPermit(ConcurrencyLimiter limiter, boolean granted, long permits, long retryAfterNanos,
            long remaining, long limit) {
        this.limiter = limiter;
        this.granted = granted;
        this.permits = permits;
        this.retryAfterNanos = retryAfterNanos;
        this.remaining = remaining;
        this.limit = limit;
        this.held = granted ? permits : CLOSED;
    }

    @Override
    public boolean granted() {
        return granted;
    }

    @Override
    public long permits() {
        return permits;
    }

    @Override
    public long retryAfterNanos() {
        return retryAfterNanos;
    }

    @Override
    public long remaining() {
        return remaining;
    }

    @Override
    public long limit() {
        return limit;
    }

    @Override
    public String limiter() {
        return limiter.name();
    }

    @Override
    public void close() {
        long wasHeld = (long) HELD.getAndSet(this, CLOSED);
        if (wasHeld > 0) {
            limiter.release(wasHeld);
        }
    }

    /** A plain bulkhead does not adapt to overload: the same as {@link #close()}. */
    @Override
    public void dropped() {
        close();
    }

    /**
     * Gives back the permits not used. A bulkhead cannot go into debt (a slot is either held or not), so using more
     * than the grant is refused rather than taken. Settling a permit already closed changes nothing.
     *
     * @param actualPermits the permits actually used, from 0 to {@link #permits()}
     * @throws IllegalArgumentException if {@code actualPermits} is negative or more than the permits granted
     * @throws IllegalStateException if the permit was already settled
     */
    @Override
    public void settle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (!granted) {
            return;
        }
        Arguments.requireInRange("actualPermits", actualPermits, 0L, permits);
        if (!SETTLED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("permit of " + limiter.name() + " already settled");
        }
        for (;;) {
            long current = (long) HELD.getVolatile(this);
            if (current == CLOSED) {
                return;
            }
            if (HELD.compareAndSet(this, current, actualPermits)) {
                if (current > actualPermits) {
                    limiter.release(current - actualPermits);
                }
                return;
            }
        }
    }

    @Override
    public String toString() {
        return granted
                ? "Permit[" + limiter.name() + ": granted " + permits + ", remaining " + remaining + "/" + limit + "]"
                : "Permit[" + limiter.name() + ": refused " + permits + ", retry "
                        + (retryAfterNanos == NEVER ? "never" : "when a permit is released") + "]";
    }
}
