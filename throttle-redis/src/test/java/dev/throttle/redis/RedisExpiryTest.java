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
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every key written expires exactly when its limiter's state is back at rest, and is gone once that time has passed.
 *
 * <p>The limiters decide on a manual client clock that stands at the start of a window and never moves, so what each
 * writes and when its state returns to rest are known in advance: each limiter is drained by one call, which leaves it
 * one or two windows from rest. A window lasts a second, far longer than reading the keys takes even in a cold JVM,
 * so the test sees every key before it can expire, checks its PTTL against the rest time (read in one pipelined batch,
 * bounded by the time elapsed since the writes), and then, once the latest expiry has passed in real time, sees none
 * left. Nothing here waits on a guess: the only sleep is until the expiries the server reported.
 */
class RedisExpiryTest {

    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final long WINDOW_MS = WINDOW.toMillis();

    @Test
    void everyKeyExpiresAndNoneIsLeftAfterTheRestTime() throws Exception {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("expiry");
        StatefulRedisConnection<String, String> connection = server.newConnection();
        RedisCommands<String, String> redis = connection.sync();
        // Each limiter's name, its spec, how many permits drain it at once, and its time to rest afterwards.
        Map<String, Drained> limiters = new LinkedHashMap<>();
        // All 4 tokens taken: the bucket is full again after 4 intervals of a quarter window.
        limiters.put("token-bucket", new Drained(TokenBucket.of(4, Rate.of(4, WINDOW)), 4, WINDOW_MS));
        // Filled to its capacity of 4: empty again after 4 leaks of a quarter window.
        limiters.put("leaky-meter", new Drained(LeakyBucket.meter(4, Rate.of(4, WINDOW)), 4, WINDOW_MS));
        // One request, released at once: the queue holds its slot for one interval, a window at 1 per window.
        limiters.put("leaky-shaping", new Drained(LeakyBucket.shaping(Rate.of(1, WINDOW), WINDOW), 1, WINDOW_MS));
        // The clock stands at a window's start: the window's count lives until its end.
        limiters.put("fixed-window", new Drained(FixedWindow.of(4, WINDOW), 4, WINDOW_MS));
        // The current window's count weighs on the next window too: at rest two windows later.
        limiters.put("sliding-window", new Drained(SlidingWindow.of(4, WINDOW), 4, 2 * WINDOW_MS));
        // The newest logged permit leaves the log one window later.
        limiters.put("sliding-log", new Drained(SlidingLog.of(4, WINDOW), 4, WINDOW_MS));

        // A whole number of windows, so the fixed and sliding windows start exactly now.
        ManualClock clock = new ManualClock(1000 * WINDOW.toNanos());
        try (RedisEngine engine = RedisEngine.builder(server.connection()).keyPrefix(prefix).ticker(clock)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            List<RateLimiter> built = new ArrayList<>();
            for (Map.Entry<String, Drained> limiter : limiters.entrySet()) {
                built.add(engine.rateLimiter(limiter.getKey(), limiter.getValue().spec));
            }

            long writing = System.nanoTime();
            int i = 0;
            for (Drained limiter : limiters.values()) {
                assertThat(built.get(i++).tryAcquire(limiter.permits).granted()).as("%s", limiter.spec).isTrue();
            }
            List<String> keys = redis.keys(prefix + "*");
            RedisAsyncCommands<String, String> async = connection.async();
            List<RedisFuture<Long>> reads = new ArrayList<>();
            for (String key : keys) {
                reads.add(async.pttl(key));
            }
            assertThat(LettuceFutures.awaitAll(RedisServer.DECISION_TIMEOUT, reads.toArray(new RedisFuture<?>[0])))
                    .as("PTTL answers").isTrue();
            long read = System.nanoTime();
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(read - writing) + 1;

            for (String name : limiters.keySet()) {
                assertThat(keys).as("keys of %s", name).anyMatch(key -> key.startsWith(prefix + "{" + name + "}"));
            }
            long latestExpiry = 0;
            for (int k = 0; k < keys.size(); k++) {
                String key = keys.get(k);
                long pttl = reads.get(k).get();
                Drained limiter = limiters.get(key.substring(prefix.length() + 1, key.indexOf('}')));
                // -1 would be a key without an expiry, -2 one gone already, before its state is at rest.
                assertThat(pttl).as("PTTL of %s, read within %d ms of its write", key, elapsedMs)
                        .isLessThanOrEqualTo(limiter.restMs)
                        .isGreaterThanOrEqualTo(limiter.restMs - elapsedMs);
                latestExpiry = Math.max(latestExpiry, pttl);
            }

            // Each key expired at the latest PTTL + 1 ms (PTTL truncates) after the end of its read.
            Thread.sleep(latestExpiry + 2); // waiting for Redis's real-time expiry, the subject of this test
            assertThat(redis.keys(prefix + "*")).as("keys left after the rest time").isEmpty();
            for (String key : keys) {
                assertThat(redis.exists(key)).as("%s after its expiry", key).isZero();
            }
        } finally {
            connection.close();
        }
    }

    @Test
    void clientTimeKeysGetTheConfiguredLeastExpiry() {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("expiry-floor");
        ManualClock ticker = new ManualClock(1_000_000_000L);
        try (RedisEngine engine = RedisEngine.builder(server.connection()).keyPrefix(prefix).ticker(ticker)
                .minExpiry(Duration.ofSeconds(30)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            engine.rateLimiter("floor", FixedWindow.of(2, Duration.ofNanos(1000))).tryAcquire(1);
            List<String> keys = server.connection().sync().keys(prefix + "*");
            assertThat(keys).hasSize(1);
            assertThat(server.connection().sync().pttl(keys.get(0))).isBetween(29_000L, 30_000L);
        }
    }

    /** A limiter's spec, the permits that drain it in one call, and the time its state then takes to be at rest. */
    private record Drained(LimitSpec spec, long permits, long restMs) {
    }
}
