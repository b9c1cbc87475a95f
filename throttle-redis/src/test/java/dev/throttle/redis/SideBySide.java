package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.local.LocalEngine;
import java.time.Duration;

/**
 * The local engine and the Redis engine (client-time mode) on one {@link ManualClock}: every call goes to both and
 * their answers must be identical (granted, retry time, remaining), so the local engine is the reference the Redis
 * scripts are checked against. Redis limiters are {@link FirstDecisionLimiter}s, so an asynchronous acquisition's first
 * decision is back before the call returns, as it is locally.
 */
final class SideBySide {

    /** A clock far from zero (readings must stay below 2^52 ns in client-time mode). */
    static final long START = 1_000_000_000_000L;

    final ManualClock clock = new ManualClock(START);
    final LocalEngine local = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    /** The Redis engine's key prefix, unique to this instance. */
    final String prefix = RedisServer.uniquePrefix("side-by-side");
    final RedisEngine redis = RedisEngine.builder(RedisServer.get().connection())
            .keyPrefix(prefix)
            .ticker(clock)
            .scheduler(clock)
            .minExpiry(Duration.ofMinutes(5))
            .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();

    /** One limiter on both engines. */
    Twin twin(String name, LimitSpec spec) {
        return new Twin(local.rateLimiter(name, spec),
                new FirstDecisionLimiter((RedisRateLimiter) redis.rateLimiter(name, spec)));
    }

    /** One keyed limiter on both engines. */
    <K> KeyedLimiter<K>[] keyed(String name, LimitSpec spec) {
        @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type is created raw
        KeyedLimiter<K>[] pair = new KeyedLimiter[] {local.keyed(name, spec), redis.keyed(name, spec)};
        return pair;
    }

    /** What a caller can see of a decision, for comparing. */
    static String outcome(Permit permit) {
        return (permit.granted() ? "granted " : "refused ") + permit.permits() + ", retry " + permit.retryAfterNanos()
                + ", remaining " + permit.remaining() + "/" + permit.limit();
    }

    /** A limiter on both engines. */
    static final class Twin {
        final RateLimiter local;
        final RateLimiter redis;

        Twin(RateLimiter local, RateLimiter redis) {
            this.local = local;
            this.redis = redis;
        }

        /** Asks both; the answers must match. */
        Pair tryAcquire(long permits) {
            Pair pair = new Pair(local.tryAcquire(permits), redis.tryAcquire(permits));
            assertThat(outcome(pair.redis)).as("redis vs local, tryAcquire(%d)", permits)
                    .isEqualTo(outcome(pair.local));
            return pair;
        }

        /** The permits available on both, which must match. */
        long available() {
            long expected = local.availablePermits();
            assertThat(redis.availablePermits()).as("redis vs local, availablePermits").isEqualTo(expected);
            return expected;
        }
    }

    /** The two permits of one request. */
    static final class Pair {
        final Permit local;
        final Permit redis;

        Pair(Permit local, Permit redis) {
            this.local = local;
            this.redis = redis;
        }

        boolean granted() {
            return local.granted();
        }

        long retryAfterNanos() {
            return local.retryAfterNanos();
        }

        void settle(long actual) {
            local.settle(actual);
            redis.settle(actual);
        }
    }
}
