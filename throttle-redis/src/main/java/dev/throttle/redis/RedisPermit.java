package dev.throttle.redis;

import dev.throttle.AbstractPermit;

/**
 * A Redis rate limiter's answer. Closing it does nothing (rate permits are not held). Settling takes or gives back
 * the difference between the estimate and the permits actually used, once, in one round trip; the permit keeps the
 * script's clock reading of its grant, which decides where a give-back may go (a window counter takes permits back
 * only into the window the grant was counted in, while it is current).
 */
final class RedisPermit extends AbstractPermit {

    private final RedisRateLimiter owner;
    private final long grantedAt;

    RedisPermit(RedisRateLimiter owner, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit, long grantedAt) {
        super(owner.name(), granted, permits, retryAfterNanos, remaining, limit);
        this.owner = owner;
        this.grantedAt = grantedAt;
    }

    @Override
    public void close() {
        // A rate permit is spent when granted; there is nothing to give back.
    }

    @Override
    public void dropped() {
        // Rate limiters do not learn from overload signals.
    }

    /**
     * Settles a granted permit: one round trip that charges or gives back {@code actualPermits − permits()}, with
     * the local engine's semantics for the algorithm; it returns once Redis has applied it. Settling to the estimate
     * itself costs no round trip.
     *
     * @throws IllegalArgumentException if {@code actualPermits} is negative
     * @throws IllegalStateException if the permit was already settled
     * @throws RuntimeException the Redis failure, or a timeout, if the adjustment could not be applied
     */
    @Override
    public void settle(long actualPermits) {
        if (claimSettle(actualPermits) && actualPermits != permits()) {
            owner.adjustNow(actualPermits - permits(), grantedAt);
        }
    }
}
