package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.Rate;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What the Redis engine, its limiters and its failure policies print, for logs and debuggers: exact texts, made
 * without a round trip (the tests count none), and never with the server's credentials.
 */
class RedisToStringTest {

    @Test
    void enginesAndLimitersSayWhereRedisIsWithoutAskingIt() {
        RedisServer server = RedisServer.get();
        String address = RedisHealth.address(server.uri());
        try (RedisEngine engine = RedisEngine.builder(server.client(), server.uri()).keyPrefix("shop:")
                .leaseTtl(Duration.ofSeconds(20)).build()) {
            long before = engine.stats().decisions();
            assertThat(engine).hasToString("RedisEngine[" + address + ", prefix shop:, server time, fail closed]");
            assertThat(engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100))))
                    .hasToString("RedisLimiter[api: token bucket 10, 100/s on " + address + "]");
            assertThat(engine.limiter("db", Concurrency.of(20)))
                    .hasToString("RedisLimiter[db: concurrency 20, leases of 20 s on " + address + "]");
            KeyedLimiter<String> perClient = engine.keyed("per-client", SlidingWindow.of(100, Duration.ofMinutes(1)));
            assertThat(perClient).hasToString("RedisKeyedLimiter[per-client: sliding window 100 per 1 min per key on "
                    + address + "]");
            assertThat(perClient.forKey("alice")).hasToString("RedisLimiter[per-client:alice: sliding window 100 per 1"
                    + " min on " + address + "]");
            Limiter checkout = engine.limiter("checkout", AllOf.of(
                    AllOf.shared("global", TokenBucket.of(500, Rate.perSecond(500))),
                    AllOf.shared("orders-db", Concurrency.of(16))));
            assertThat(checkout).hasToString("RedisLimiter[checkout: all of global (token bucket 500, 500/s), orders-db"
                    + " (concurrency 16) on " + address + "]");
            assertThat(engine.sharedRate("api", Duration.ofSeconds(5)))
                    .hasToString("RedisSharedRate[api: key shop:{api}:rate, ttl 5 s]");
            assertThat(engine.stats().decisions()).as("no decision, no round trip").isEqualTo(before);
        }
    }

    @Test
    void enginesNameTheirClockAndPolicy() {
        RedisServer server = RedisServer.get();
        LocalEngine local = LocalEngine.create();
        try (RedisEngine open = RedisEngine.builder(server.connection()).failurePolicy(FailurePolicy.FAIL_OPEN)
                        .ticker(() -> 0L).build();
                RedisEngine fallback = RedisEngine.builder(server.connection())
                        .failurePolicy(FailurePolicy.fallback(local, 0.25)).build()) {
            assertThat(open).hasToString("RedisEngine[a shared connection, prefix throttle:, client time, fail open]");
            assertThat(fallback).hasToString("RedisEngine[a shared connection, prefix throttle:, server time, fallback"
                    + " to LocalEngine[system clock] at share 0.25]");
        }
        assertThat(FailurePolicy.FAIL_CLOSED).hasToString("FailurePolicy[fail closed]");
        assertThat(FailurePolicy.FAIL_OPEN).hasToString("FailurePolicy[fail open]");
        assertThat(FailurePolicy.fallback(local)).hasToString("FailurePolicy[fallback to LocalEngine[system clock]]");
    }

    @Test
    void addressesNeverShowCredentials() {
        assertThat(RedisHealth.address(RedisURI.create("redis://secret@cache.internal:6380/2")))
                .isEqualTo("redis://cache.internal:6380/2");
        assertThat(RedisHealth.address(RedisURI.create("rediss://user:secret@cache.internal")))
                .isEqualTo("rediss://cache.internal:6379");
        assertThat(RedisHealth.address(RedisURI.create("redis-sentinel://secret@s1:26379,s2:26380#mymaster")))
                .isEqualTo("redis-sentinel://s1:26379,s2:26380 (master mymaster)");
        assertThat(RedisHealth.address(RedisURI.create("redis-socket:///tmp/redis.sock")))
                .isEqualTo("redis-socket:///tmp/redis.sock");
    }
}
