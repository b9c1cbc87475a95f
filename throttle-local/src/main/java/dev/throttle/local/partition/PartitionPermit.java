package dev.throttle.local.partition;

import dev.throttle.AbstractPermit;
import dev.throttle.Arguments;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A partition's answer. A granted one is a lease on permits of its partition, given back into the shared state
 * exactly once: what it still holds lives in one word that {@link #close()} swaps to {@link #CLOSED} and
 * {@link #settle(long)} lowers by CAS, so a racing close and settle never give back more than was taken.
 */
final class PartitionPermit extends AbstractPermit {

    private static final long CLOSED = -1L;

    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(PartitionPermit.class, "held", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Partition partition;
    @SuppressWarnings("unused") // accessed through HELD
    private volatile long held;

    PartitionPermit(Partition partition, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
        super(partition.name(), granted, permits, retryAfterNanos, remaining, limit);
        this.partition = partition;
        this.held = granted ? permits : CLOSED;
    }

    @Override
    public void close() {
        long wasHeld = (long) HELD.getAndSet(this, CLOSED);
        if (wasHeld > 0) {
            partition.release(wasHeld);
        }
    }

    /** A partitioned limit does not adapt by itself: the same as {@link #close()}. */
    @Override
    public void dropped() {
        close();
    }

    /**
     * Gives back the permits not used; a concurrency lease cannot grow. Settling a closed permit changes nothing.
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
                    partition.release(current - actualPermits);
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
