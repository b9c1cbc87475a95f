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

/**
 * This library's Redis engine in its default server-time mode: one EVALSHA per decision. One key is one
 * {@link RateLimiter}, built once; many keys go through a {@link KeyedLimiter}, as an application would use them.
 */
final class ThrottleTarget implements RedisTarget {

    private final RedisEngine engine;
    private final RateLimiter hot;
    private final KeyedLimiter<String> keyed;
    private final String[] names;

    ThrottleTarget(RedisClient client, RedisURI uri, String prefix, int keyCount) {
        // The same generous timeout as the peers: the benchmark measures answers, not the failure policy.
        engine = RedisEngine.builder(client, uri).keyPrefix(prefix).commandTimeout(TIMEOUT).decisionTimeout(TIMEOUT)
                .build();
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
