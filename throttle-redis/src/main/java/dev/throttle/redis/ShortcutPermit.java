package dev.throttle.redis;

import dev.throttle.AbstractPermit;

/**
 * An answer given in this JVM without Redis: a refusal from the refusal cache, or the failure policy's grant or
 * refusal. Nothing of it is counted in Redis, so settling it has nothing to reconcile. {@link #remaining()} is
 * unknown without Redis and reported as 0.
 */
final class ShortcutPermit extends AbstractPermit {

    ShortcutPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long limit) {
        super(limiter, granted, permits, retryAfterNanos, 0L, limit);
    }

    @Override
    public void close() {
        // Nothing is held in Redis (a rate permit is spent; a fail-open concurrency grant holds no lease).
    }

    @Override
    public void dropped() {
        // Rate limiters do not learn from overload signals.
    }

    /**
     * Checks the argument and the single use; a grant made without Redis took nothing from Redis, so there is
     * nothing to reconcile.
     */
    @Override
    public void settle(long actualPermits) {
        claimSettle(actualPermits);
    }

    @Override
    public String toString() {
        return granted()
                ? "Permit[" + limiter() + ": granted " + permits() + " without Redis]"
                : "Permit[" + limiter() + ": refused " + permits() + " without Redis, retry after "
                        + retryAfterNanos() + "ns]";
    }
}
