package dev.throttle.local;

import dev.throttle.AbstractPermit;
import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bulkhead's answer. A granted one is a lease on {@code permits} slots of its {@link ConcurrencyLimiter}, given
 * back exactly once: the slots it still holds live in one word that {@link #close()} swaps to {@link #CLOSED} and
 * {@link #settle(long)} lowers by CAS, so a racing close and settle never give back more than was taken.
 */
final class ConcurrencyPermit extends AbstractPermit {

    /** The value of {@link #held} once closed; refused permits start closed. */
    private static final long CLOSED = -1L;

    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(ConcurrencyPermit.class, "held", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrencyLimiter limiter;
    @SuppressWarnings("unused") // accessed through HELD
    private volatile long held;

    ConcurrencyPermit(ConcurrencyLimiter limiter, boolean granted, long permits, long retryAfterNanos,
            long remaining, long limit) {
        super(limiter.name(), granted, permits, retryAfterNanos, remaining, limit);
        this.limiter = limiter;
        this.held = granted ? permits : CLOSED;
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
        if (granted()) {
            Arguments.requireInRange("actualPermits", actualPermits, 0L, permits());
        }
        if (!claimSettle(actualPermits)) {
            return;
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
    protected String retryText() {
        return retryAfterNanos() == NEVER ? "never" : "when a permit is released";
    }
}
