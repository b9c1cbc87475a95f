package dev.throttle.examples.readme;

import dev.throttle.ManualClock;
import dev.throttle.examples.TestRedis;
import dev.throttle.redis.RedisEngine;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A Redis for the snippets that run on the Redis engine, and engines on it that stand for the JVMs of a fleet: each
 * with a Lettuce client of its own, all under one key prefix of this test's own, all deciding on one manual clock
 * (the engine's client-time mode), so that counts are exact. Closing closes the engines and clients, then the Redis
 * if it was started here.
 */
final class SnippetRedis implements AutoCloseable {

    /** Long enough that a loaded machine never turns a round trip into a refusal of the failure policy. */
    private static final Duration DECISION_TIMEOUT = Duration.ofSeconds(10);

    private final TestRedis redis = TestRedis.start();
    private final String prefix = "readme-" + UUID.randomUUID() + ":";
    private final List<RedisClient> clients = new ArrayList<>();
    private final List<RedisEngine> engines = new ArrayList<>();

    /**
     * An engine of its own client, as another JVM would have.
     *
     * @param clock the fleet's clock
     * @return the engine, closed with this
     */
    RedisEngine engine(ManualClock clock) {
        RedisEngine engine = builder(client()).ticker(clock).scheduler(clock).build();
        engines.add(engine);
        return engine;
    }

    /**
     * A builder on this Redis, under this test's prefix; keys outlive the manual clock's gaps.
     *
     * @param client the Lettuce client
     * @return the builder
     */
    RedisEngine.Builder builder(RedisClient client) {
        return RedisEngine.builder(client, redis.uri()).keyPrefix(prefix).minExpiry(Duration.ofMinutes(1))
                .decisionTimeout(DECISION_TIMEOUT).commandTimeout(DECISION_TIMEOUT);
    }

    /**
     * A Lettuce client, shut down with this.
     *
     * @return the client
     */
    RedisClient client() {
        RedisClient client = RedisClient.create();
        clients.add(client);
        return client;
    }

    @Override
    public void close() {
        try {
            engines.forEach(RedisEngine::close);
            clients.forEach(RedisClient::shutdown);
        } finally {
            redis.close();
        }
    }
}
