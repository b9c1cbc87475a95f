package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingWindow;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A window limiter made again under its name with another window length, as a configuration change and a redeploy
 * do: the state in Redis is keyed by the name, and was written in the old length. Whatever carries over, a refusal
 * never asks to wait longer than the new spec could need (one window for a fixed window, two for a sliding one), and
 * the key never gets an expiry longer than that. The window index used to be read as an index of the new length:
 * a window ten times longer then refused for years and set a multi-year expiry.
 */
class RedisWindowLengthChangeTest {

    /** 1,200 s: a multiple of a minute and of ten minutes, so the old window lies inside the new one. */
    private static final long START = 1_200_000_000_000L;

    static RedisEngine clientTimeEngine(String prefix, ManualClock clock) {
        return RedisEngine.builder(RedisServer.get().connection()).keyPrefix(prefix).ticker(clock)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    private static RedisEngine serverTimeEngine(String prefix) {
        return RedisEngine.builder(RedisServer.get().connection()).keyPrefix(prefix).refusalCache(false)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    /** The longest expiry of the keys under a prefix, in milliseconds. */
    static long longestExpiry(String prefix) {
        List<String> keys = RedisServer.get().connection().sync().keys(prefix + "*");
        assertThat(keys).isNotEmpty();
        long longest = 0L;
        for (String key : keys) {
            long ttl = RedisServer.get().connection().sync().pttl(key);
            assertThat(ttl).as("every key expires").isPositive();
            longest = Math.max(longest, ttl);
        }
        return longest;
    }

    @Test
    void aLongerFixedWindowInheritsTheCountOfTheOneItOverlapsAndNoMore() {
        ManualClock clock = new ManualClock(START);
        String prefix = RedisServer.uniquePrefix("window-longer");
        try (RedisEngine engine = clientTimeEngine(prefix, clock)) {
            RateLimiter minute = engine.rateLimiter("cfg", FixedWindow.of(10, Duration.ofMinutes(1)));
            assertThat(minute.tryAcquire(10).granted()).isTrue();

            RateLimiter tenMinutes = engine.rateLimiter("cfg", FixedWindow.of(10, Duration.ofMinutes(10)));
            Permit refused = tenMinutes.tryAcquire(1);
            assertThat(refused.granted()).as("the ten permits counted in the window it overlaps").isFalse();
            assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(10));
            clock.advance(Duration.ofMinutes(10));
            assertThat(tenMinutes.tryAcquire(10).granted()).as("a whole new window later").isTrue();
            assertThat(longestExpiry(prefix)).isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());
        }
    }

    @Test
    void aShorterFixedWindowCountsTheLongerOnesPermitsWhileItRuns() {
        ManualClock clock = new ManualClock(START);
        String prefix = RedisServer.uniquePrefix("window-shorter");
        try (RedisEngine engine = clientTimeEngine(prefix, clock)) {
            RateLimiter tenMinutes = engine.rateLimiter("cfg", FixedWindow.of(10, Duration.ofMinutes(10)));
            assertThat(tenMinutes.tryAcquire(10).granted()).isTrue();
            clock.advance(Duration.ofMinutes(3));

            RateLimiter minute = engine.rateLimiter("cfg", FixedWindow.of(10, Duration.ofMinutes(1)));
            Permit refused = minute.tryAcquire(1);
            assertThat(refused.granted()).as("not a fresh count in the middle of the old window").isFalse();
            assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(1));
            clock.advance(Duration.ofMinutes(7));
            assertThat(minute.tryAcquire(10).granted()).as("once the old window is over").isTrue();
            assertThat(longestExpiry(prefix)).isLessThanOrEqualTo(Duration.ofMinutes(1).toMillis());
        }
    }

    @Test
    void aLongerSlidingWindowWeighsTheOldCountsAndExpiresWithinTwoWindows() {
        ManualClock clock = new ManualClock(START);
        String prefix = RedisServer.uniquePrefix("sliding-longer");
        try (RedisEngine engine = clientTimeEngine(prefix, clock)) {
            RateLimiter minute = engine.rateLimiter("cfg", SlidingWindow.of(10, Duration.ofMinutes(1)));
            assertThat(minute.tryAcquire(10).granted()).isTrue();

            RateLimiter tenMinutes = engine.rateLimiter("cfg", SlidingWindow.of(10, Duration.ofMinutes(10)));
            Permit refused = tenMinutes.tryAcquire(1);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(20));
            clock.advance(Duration.ofMinutes(20));
            assertThat(tenMinutes.tryAcquire(10).granted()).as("two new windows later nothing weighs").isTrue();
            assertThat(longestExpiry(prefix)).isLessThanOrEqualTo(Duration.ofMinutes(20).toMillis());
        }
    }

    @Test
    void onTheServersClockALongerWindowNeverRefusesForLongerThanItself() {
        for (boolean sliding : new boolean[] {false, true}) {
            String prefix = RedisServer.uniquePrefix("window-server-time");
            try (RedisEngine engine = serverTimeEngine(prefix)) {
                RateLimiter minute = engine.rateLimiter("cfg", sliding
                        ? SlidingWindow.of(10, Duration.ofMinutes(1)) : FixedWindow.of(10, Duration.ofMinutes(1)));
                assertThat(minute.tryAcquire(1).granted()).isTrue();
                RateLimiter tenMinutes = engine.rateLimiter("cfg", sliding
                        ? SlidingWindow.of(10, Duration.ofMinutes(10)) : FixedWindow.of(10, Duration.ofMinutes(10)));
                int granted = 0;
                Permit last = tenMinutes.tryAcquire(1);
                while (last.granted() && granted < 20) {
                    granted++;
                    last = tenMinutes.tryAcquire(1);
                }
                assertThat(granted).as("sliding %s: the limit, less at most the permit counted before", sliding)
                        .isBetween(9, 10);
                Duration longest = Duration.ofMinutes(sliding ? 20 : 10);
                assertThat(last.retryAfter()).isPositive().isLessThanOrEqualTo(longest);
                assertThat(longestExpiry(prefix)).isLessThanOrEqualTo(longest.toMillis());
            }
        }
    }
}
