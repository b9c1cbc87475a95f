package dev.throttle.redis;

import dev.throttle.AllOf;
import dev.throttle.Limiter;
import dev.throttle.RateLimiter;
import java.util.function.Supplier;

/** An all-of composite whose parts are all rate limits: its permits need no closing. */
final class RedisAllOfRateLimiter extends RedisAllOfLimiter implements RateLimiter {

    RedisAllOfRateLimiter(String name, AllOf spec, Plan[] plans, RedisContext context, Supplier<Limiter> fallback) {
        super(name, spec, plans, context, fallback);
    }

    @Override
    public boolean allow(long permits) {
        return tryAcquire(permits).granted();
    }
}
