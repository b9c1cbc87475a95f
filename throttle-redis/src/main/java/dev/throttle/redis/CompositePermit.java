package dev.throttle.redis;

import dev.throttle.AbstractPermit;
import dev.throttle.Acquisitions;
import dev.throttle.Arguments;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A grant of a Redis all-of composite: permits taken in every part by one script call. Closing ends the leases of
 * its concurrency parts (one asynchronous round trip, not awaited; they expire anyway); settling applies the
 * difference to every part in one round trip. {@link #remaining()} and {@link #limit()} are the tightest part's.
 */
final class CompositePermit extends AbstractPermit implements Retrying.Withdrawable {

    private final RedisAllOfLimiter owner;
    private final String lease;
    private final long grantedAt;
    private final AtomicBoolean closed = new AtomicBoolean();

    CompositePermit(RedisAllOfLimiter owner, long permits, String lease, long remaining, long limit, long grantedAt) {
        super(owner.name(), true, permits, 0L, remaining, limit);
        this.owner = owner;
        this.lease = lease;
        this.grantedAt = grantedAt;
    }

    /** Ends the concurrency parts' leases, if any. Idempotent, never throws. */
    @Override
    public void close() {
        if (owner.holdsLeases() && closed.compareAndSet(false, true)) {
            owner.release(lease);
        }
    }

    @Override
    public void dropped() {
        close();
    }

    /** Gives back what the grant took in every part, without waiting (its acquisition was cancelled). */
    @Override
    public void withdraw() {
        if (closed.compareAndSet(false, true)) {
            try {
                owner.adjust(-permits(), grantedAt, lease).exceptionally(failure -> null);
            } catch (RuntimeException failure) {
                // A ticker reading out of range: the permits stay taken, which never over-admits.
            }
        }
    }

    /**
     * Settles the grant in every part in one round trip, awaited here: rate parts take the extra (debt allowed) or
     * give back the rest with the local engine's semantics; concurrency parts shrink their lease. Settling to the
     * estimate costs no round trip.
     *
     * @throws IllegalArgumentException if {@code actualPermits} is negative, or above the grant while a part is a
     *     concurrency limit (a lease cannot grow)
     * @throws IllegalStateException if the permit was already settled
     */
    @Override
    public void settle(long actualPermits) {
        if (owner.holdsLeases()) {
            Arguments.requireInRange("actualPermits", actualPermits, 0L, permits());
        }
        if (claimSettle(actualPermits) && actualPermits != permits()) {
            Acquisitions.join(owner.adjust(actualPermits - permits(), grantedAt, lease));
        }
    }
}
