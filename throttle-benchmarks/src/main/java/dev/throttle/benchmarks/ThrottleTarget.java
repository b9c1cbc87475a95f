package dev.throttle.benchmarks;

import dev.throttle.KeyedLimiter;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.redis.RedisEngine;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * This library's Redis engine in its default server-time mode: one EVALSHA per decision, or per batch of the
 * decisions on one key that arrive while one is in flight (coalescing, the default). One key is one
 * {@link RateLimiter}, built once; many keys go through a {@link KeyedLimiter}, as an application would use them.
 */
final class ThrottleTarget implements RedisTarget {

    private final RedisEngine engine;
    private final RateLimiter hot;
    private final KeyedLimiter<String> keyed;
    private final String[] names;

    /**
     * @param coalescing whether concurrent decisions on one key share a script call (the engine's default), or each is
     *     a call of its own
     */
    ThrottleTarget(RedisClient client, RedisURI uri, String prefix, int keyCount, boolean coalescing) {
        this(client, uri, prefix, keyCount, builder -> builder.coalescing(coalescing));
    }

    /**
     * @param options sets the engine's options beyond the key prefix and the timeouts
     */
    ThrottleTarget(RedisClient client, RedisURI uri, String prefix, int keyCount,
            UnaryOperator<RedisEngine.Builder> options) {
        // The same generous timeout as the peers: the benchmark measures answers, not the failure policy.
        engine = options.apply(RedisEngine.builder(client, uri).keyPrefix(prefix).commandTimeout(TIMEOUT)
                .decisionTimeout(TIMEOUT)).build();
        TokenBucket spec = TokenBucket.of(CAPACITY, Rate.perSecond(RATE_PER_SECOND));
        names = new String[keyCount];
        for (int i = 0; i < keyCount; i++) {
            names[i] = "k" + i;
        }
        hot = keyCount == 1 ? engine.rateLimiter(names[0], spec) : null;
        keyed = keyCount == 1 ? null : engine.keyed("keyed", spec);
    }

    @Override
    public boolean decide(int key) {
        return hot != null ? hot.allow() : keyed.allow(names[key], 1);
    }

    @Override
    public CompletableFuture<?> send(int key) {
        return hot != null
                ? hot.acquireAsync(1, Duration.ZERO)
                : keyed.acquireAsync(names[key], 1, Duration.ZERO);
    }

    @Override
    public boolean granted(Object answer) {
        return ((Permit) answer).granted();
    }

    @Override
    public void close() {
        engine.close();
    }
}
