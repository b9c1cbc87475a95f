package dev.throttle.redis;

import dev.throttle.Scheduler;
import dev.throttle.local.conformance.ConformanceTarget;
import java.time.Duration;

/**
 * Binds the conformance kit to the Redis engine in client-time mode: the kit's manual clock is the ticker and (as a
 * {@link Scheduler}) what waits wait on; each limiter gets an engine with a fresh key prefix on the shared connection.
 * Keys live at least a minute: the manual clock runs slower than real time, and expiry only collects state at rest.
 */
final class RedisConformanceTarget {

    /** The binding. */
    static final ConformanceTarget CLIENT_TIME = (name, spec, clock) -> {
        RedisEngine engine = RedisEngine.builder(RedisServer.get().connection())
                .keyPrefix(RedisServer.uniquePrefix("conformance"))
                .ticker(clock)
                .scheduler(clock)
                .minExpiry(Duration.ofMinutes(1))
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
        return new SteppedLimiter((RedisRateLimiter) engine.rateLimiter(name, spec));
    };

    private RedisConformanceTarget() {
    }
}
