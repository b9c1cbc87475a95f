package dev.throttle.redis;

import dev.throttle.RateLimiter;

/** An all-of composite whose parts are all rate limits: its permits need no closing. */
final class RedisAllOfRateLimiter extends RedisAllOfLimiter implements RateLimiter {

    RedisAllOfRateLimiter(String name, AllOfSpec spec, RedisEngine engine) {
        super(name, spec, engine);
    }

    @Override
    public boolean allow(long permits) {
        return tryAcquire(permits).granted();
    }
}
