package dev.throttle.local;

import dev.throttle.AbstractPermit;

/**
 * A rate limiter's answer. Closing it does nothing (rate permits are not held); settling gives back or takes the
 * difference between the estimate and the permits actually used, once.
 */
final class RatePermit extends AbstractPermit {

    private final AbstractRateLimiter rateLimiter;
    private final long decidedAt;

    RatePermit(AbstractRateLimiter limiter, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit, long decidedAt) {
        super(limiter.name(), granted, permits, retryAfterNanos, remaining, limit);
        this.rateLimiter = limiter;
        this.decidedAt = decidedAt;
    }

    @Override
    public void close() {
        // A rate permit is spent when granted; there is nothing to give back.
    }

    @Override
    public void dropped() {
        // Rate limiters do not learn from overload signals.
    }

    @Override
    public void settle(long actualPermits) {
        if (claimSettle(actualPermits) && actualPermits != permits()) {
            rateLimiter.adjust(actualPermits - permits(), decidedAt);
        }
    }
}
