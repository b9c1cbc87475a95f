package dev.throttle.redis;

import dev.throttle.AbstractPermit;
import dev.throttle.Arguments;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A granted Redis concurrency permit: a lease in Redis, given back once. The permits still held live in one word
 * that {@link #close()} swaps to {@link #CLOSED} and {@link #settle(long)} lowers by CAS, so a racing close and
 * settle never give back more than was taken.
 */
final class LeasePermit extends AbstractPermit implements Retrying.Withdrawable {

    private static final long CLOSED = -1L;

    private final RedisConcurrencyLimiter owner;
    private final String lease;
    private final AtomicLong held;

    LeasePermit(RedisConcurrencyLimiter owner, String lease, long permits, long remaining, long limit) {
        super(owner.name(), true, permits, 0L, remaining, limit);
        this.owner = owner;
        this.lease = lease;
        this.held = new AtomicLong(permits);
    }

    /** Ends the lease (one asynchronous round trip, not awaited). Idempotent, never throws. */
    @Override
    public void close() {
        if (held.getAndSet(CLOSED) > 0L) {
            owner.release(lease);
        }
    }

    /** A plain bulkhead does not adapt to overload: the same as {@link #close()}. */
    @Override
    public void dropped() {
        close();
    }

    @Override
    public void withdraw() {
        close();
    }

    /**
     * Gives back the permits not used, in one round trip awaited here (to 0: the lease ends). A lease cannot grow,
     * so using more than the grant is refused. Settling a permit already closed changes nothing.
     *
     * @param actualPermits the permits actually used, from 0 to {@link #permits()}
     * @throws IllegalArgumentException if {@code actualPermits} is negative or more than the permits granted
     * @throws IllegalStateException if the permit was already settled
     */
    @Override
    public void settle(long actualPermits) {
        Arguments.requireInRange("actualPermits", actualPermits, 0L, permits());
        claimSettle(actualPermits); // always true: a lease is a grant
        for (;;) {
            long current = held.get();
            if (current == CLOSED) {
                return;
            }
            if (held.compareAndSet(current, actualPermits)) {
                if (current > actualPermits) {
                    owner.shrink(lease, actualPermits - current);
                }
                return;
            }
        }
    }
}
