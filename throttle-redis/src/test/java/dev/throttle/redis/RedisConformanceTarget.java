package dev.throttle.redis;

import dev.throttle.Engine;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import dev.throttle.conformance.ConformanceTarget;
import java.time.Duration;

/**
 * Binds the conformance kit to the Redis engine in client-time mode: the kit's manual clock is the ticker and (as a
 * {@link Scheduler}) what waits wait on; each limiter gets an engine with a fresh key prefix on the shared connection.
 * Keys live at least a minute: the manual clock runs slower than real time, and expiry only collects state at rest.
 */
final class RedisConformanceTarget {

    /**
     * The binding: each call of {@code engine} makes an engine with a fresh key prefix, so each limiter starts at rest;
     * its rate limiters are wrapped as {@link FirstDecisionLimiter}s.
     */
    static final ConformanceTarget CLIENT_TIME = new ConformanceTarget() {
        @Override
        public Engine engine(ManualClock clock) {
            return RedisEngine.builder(RedisServer.get().connection())
                    .keyPrefix(RedisServer.uniquePrefix("conformance"))
                    .ticker(clock)
                    .scheduler(clock)
                    .minExpiry(Duration.ofMinutes(1))
                    .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
        }

        @Override
        public RateLimiter create(String name, LimitSpec spec, ManualClock clock) {
            return new FirstDecisionLimiter((RedisRateLimiter) engine(clock).rateLimiter(name, spec));
        }
    };

    private RedisConformanceTarget() {
    }
}
