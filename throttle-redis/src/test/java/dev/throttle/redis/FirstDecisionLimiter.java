package dev.throttle.redis;

import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Redis limiter as the conformance kit drives it on a manual clock: {@code acquireAsync} returns once its first
 * decision has come back from Redis (the future may still be waiting for a slot or a retry), so the kit's "done at
 * once" and "not done yet" checks see the same states as with the local engine, whose decisions are synchronous.
 * Everything else is the limiter itself.
 */
final class FirstDecisionLimiter implements RateLimiter {

    private final RedisRateLimiter limiter;

    FirstDecisionLimiter(RedisRateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec().capacity());
        RedisAcquisition acquisition = limiter.start(permits, maxWaitNanos);
        acquisition.firstDecision().orTimeout(10, TimeUnit.SECONDS).join();
        return acquisition;
    }

    @Override
    public boolean allow(long permits) {
        return limiter.allow(permits);
    }

    @Override
    public String name() {
        return limiter.name();
    }

    @Override
    public LimitSpec spec() {
        return limiter.spec();
    }

    @Override
    public Permit tryAcquire(long permits) {
        return limiter.tryAcquire(permits);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return limiter.acquire(permits, maxWait);
    }

    @Override
    public long availablePermits() {
        return limiter.availablePermits();
    }
}
