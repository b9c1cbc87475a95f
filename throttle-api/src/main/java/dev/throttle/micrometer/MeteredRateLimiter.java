package dev.throttle.micrometer;

import dev.throttle.RateLimiter;

/**
 * A metered rate limiter: the boolean fast path is counted too, and stays allocation-free (a counter increment adds
 * to a striped cell). Its refusals are counted with the reason {@code limit}: a boolean cannot say more.
 */
final class MeteredRateLimiter extends MeteredLimiter implements RateLimiter {

    private final RateLimiter rate;

    MeteredRateLimiter(RateLimiter delegate, DecisionMeters meters) {
        super(delegate, meters);
        this.rate = delegate;
    }

    @Override
    public boolean allow(long permits) {
        return meters.allowed(rate.allow(permits), permits);
    }
}
