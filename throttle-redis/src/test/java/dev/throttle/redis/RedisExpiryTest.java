package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every key written has an expiry no longer than the time until its state is at rest, and once that time has passed
 * (server-time mode, real time, 50 ms windows) no key is left.
 */
class RedisExpiryTest {

    private static final Duration WINDOW = Duration.ofMillis(50);

    @Test
    void everyKeyExpiresAndNoneIsLeftAfterTheRestTime() throws InterruptedException {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("expiry");
        RedisCommands<String, String> redis = server.connection().sync();
        List<LimitSpec> specs = List.of(
                TokenBucket.of(4, Rate.of(4, WINDOW)),
                LeakyBucket.meter(4, Rate.of(4, WINDOW)),
                LeakyBucket.shaping(Rate.of(4, WINDOW), Duration.ofMillis(25)),
                FixedWindow.of(4, WINDOW),
                SlidingWindow.of(4, WINDOW),
                SlidingLog.of(4, WINDOW));
        try (RedisEngine engine = RedisEngine.builder(server.connection()).keyPrefix(prefix).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            for (LimitSpec spec : specs) {
                RateLimiter limiter = engine.rateLimiter(spec.getClass().getSimpleName() + spec.capacity(), spec);
                assertThat(limiter.tryAcquire(1).granted()).as("%s", spec).isTrue();
                limiter.tryAcquire(spec.capacity());
            }
            List<String> keys = redis.keys(prefix + "*");
            assertThat(keys).as("keys written").hasSizeGreaterThanOrEqualTo(specs.size());
            for (String key : keys) {
                // The longest rest time here: the sliding window's, two windows. -1 would be a key without an expiry;
                // -2 is a key already gone (on a slow machine, one written early can expire before it is looked at).
                long pttl = redis.pttl(key);
                assertThat(pttl).as("expiry of %s", key).isNotEqualTo(-1L).isLessThanOrEqualTo(100L);
                assertThat(pttl == -2L || pttl > 0L).as("expiry of %s: %d", key, pttl).isTrue();
            }

            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            List<String> left = keys;
            while (!left.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20); // waiting for Redis's real-time expiry, the subject of this test
                left = new ArrayList<>();
                for (String key : redis.keys(prefix + "*")) {
                    if (redis.exists(key) > 0) {
                        left.add(key);
                    }
                }
            }
            assertThat(left).as("keys left after the rest time").isEmpty();
        }
    }

    @Test
    void clientTimeKeysGetTheConfiguredLeastExpiry() {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("expiry-floor");
        dev.throttle.ManualClock ticker = new dev.throttle.ManualClock(1_000_000_000L);
        try (RedisEngine engine = RedisEngine.builder(server.connection()).keyPrefix(prefix).ticker(ticker)
                .minExpiry(Duration.ofSeconds(30)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            engine.rateLimiter("floor", FixedWindow.of(2, Duration.ofNanos(1000))).tryAcquire(1);
            List<String> keys = server.connection().sync().keys(prefix + "*");
            assertThat(keys).hasSize(1);
            assertThat(server.connection().sync().pttl(keys.get(0))).isBetween(29_000L, 30_000L);
        }
    }
}
