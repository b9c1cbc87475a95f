package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::redis[]
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.redis.RedisEngine;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
// end::redis[]
import org.junit.jupiter.api.Test;

/**
 * README, five-minute tour: the Redis engine. Two engines, each with a client of its own, stand for two JVMs sharing
 * one limit; the lines that connect to {@code localhost:6379} are compiled only (the test's Redis is on a free port).
 */
class RedisEngineSnippetTest {

    private final java.util.List<String> handled = new java.util.ArrayList<>();

    /** How the README connects. */
    static RedisEngine connect() {
        // tag::redis[]
        RedisClient client = RedisClient.create();                 // Lettuce's client: yours, shut down last
        RedisEngine redis = RedisEngine.builder(client, RedisURI.create("redis://localhost:6379")).build();
        // end::redis[]
        return redis;
    }

    void serve(RedisEngine redis, String request) {
        // tag::redis[]
        RateLimiter shared = redis.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));
        if (shared.allow()) {                 // one limit of 10 at once and 100/s for every JVM on this Redis
            handle(request);
        }
        // end::redis[]
    }

    static void shutDown(RedisEngine redis, RedisClient client) {
        // tag::redis[]
        redis.close();                        // closes the engine's connection
        client.shutdown();
        // end::redis[]
    }

    private void handle(String request) {
        handled.add(request);
    }

    @Test
    void twoJvmsShareOneLimitOfTen() {
        dev.throttle.ManualClock clock = new dev.throttle.ManualClock(1_000_000_000L);
        try (SnippetRedis redis = new SnippetRedis()) {
            RedisClient firstClient = RedisClient.create();
            RedisClient secondClient = RedisClient.create();
            RedisEngine first = redis.builder(firstClient).ticker(clock).build();
            RedisEngine second = redis.builder(secondClient).ticker(clock).build();
            for (int i = 0; i < 8; i++) {
                serve(first, "first JVM, request " + i);
                serve(second, "second JVM, request " + i);
            }
            assertThat(handled).as("one bucket of 10 for both").hasSize(10);
            clock.advance(java.time.Duration.ofMillis(100));
            for (int i = 0; i < 8; i++) {
                serve(second, "100 ms later, second JVM");
                serve(first, "100 ms later, first JVM");
            }
            assertThat(handled).as("100/s for the fleet: 10 more in 100 ms").hasSize(20);
            shutDown(first, firstClient);
            shutDown(second, secondClient);
            assertThat(firstClient.getResources().eventExecutorGroup().isShuttingDown()).isTrue();
        }
    }
}
