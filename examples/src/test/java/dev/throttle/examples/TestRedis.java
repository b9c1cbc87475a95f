package dev.throttle.examples;

import io.lettuce.core.RedisURI;

/**
 * The examples' Redis ({@link ExampleRedis}: {@code REDIS_URL}, else a {@code redis-server} from the PATH, else
 * embedded-redis's) for the tests of other packages: the README's snippets that run on the Redis engine.
 */
public final class TestRedis implements AutoCloseable {

    private final ExampleRedis redis;

    private TestRedis(ExampleRedis redis) {
        this.redis = redis;
    }

    /**
     * Finds or starts a Redis.
     *
     * @return a running Redis, stopped by {@link #close()} if this started it
     */
    public static TestRedis start() {
        return new TestRedis(ExampleRedis.start());
    }

    /**
     * Where to connect.
     *
     * @return the server's address
     */
    public RedisURI uri() {
        return redis.uri();
    }

    /** Stops the Redis if this started it. */
    @Override
    public void close() {
        redis.close();
    }
}
