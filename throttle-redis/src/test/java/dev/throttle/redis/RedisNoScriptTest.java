package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.TokenBucket;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The server losing the scripts (SCRIPT FLUSH, as after a restart) is invisible: they are reloaded on NOSCRIPT. */
class RedisNoScriptTest {

    @Test
    void decisionsSurviveScriptFlushAndKeepTheirState() {
        RedisServer server = RedisServer.get();
        try (StatefulRedisConnection<String, String> admin = server.newConnection();
                RedisEngine engine = RedisEngine.builder(server.connection())
                        .keyPrefix(RedisServer.uniquePrefix("noscript")).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            RateLimiter bucket = engine.rateLimiter("bucket", TokenBucket.of(3, Rate.perMinute(1)));
            RateLimiter log = engine.rateLimiter("log", SlidingLog.of(2, Duration.ofMinutes(1)));
            RateLimiter window = engine.rateLimiter("window", FixedWindow.of(1, Duration.ofDays(3650)));

            assertThat(bucket.tryAcquire(1).granted()).isTrue();
            admin.sync().scriptFlush();
            assertThat(admin.sync().scriptExists(Script.BUCKET.sha)).containsExactly(false);
            assertThat(bucket.tryAcquire(1).granted()).isTrue();
            assertThat(admin.sync().scriptExists(Script.BUCKET.sha)).containsExactly(true);
            admin.sync().scriptFlush();
            assertThat(bucket.tryAcquire(1).remaining()).isZero();
            admin.sync().scriptFlush();
            assertThat(bucket.tryAcquire(1).granted()).as("the state survived the flushes").isFalse();

            admin.sync().scriptFlush();
            assertThat(log.tryAcquire(2).granted()).isTrue();
            admin.sync().scriptFlush();
            assertThat(log.allow(1)).isFalse();
            admin.sync().scriptFlush();
            assertThat(window.tryAcquire(1).granted()).isTrue();
            assertThat(window.tryAcquire(1).granted()).isFalse();
        }
    }
}
