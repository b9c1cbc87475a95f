package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A limit reconfigured at run time, as Spring Cloud Gateway replaces a route's rate limiter configuration and
 * Bucket4j's distributed-bucket tests replace a bucket's configuration: on the Redis engine a new spec is a limiter
 * made again under the same name, reading the state the old spec wrote. The cases {@link RedisWindowLengthChangeTest}
 * does not cover: a longer fixed window that starts before the old one (so it refuses only until its own end), one
 * that starts after the old one ended (so it inherits nothing), and the engine's default refusal cache.
 *
 * <p>The rule (fixed_window.lua): "A window stored under another length ... is read in its own length: its permits
 * count in the current window if the two overlap".
 */
class PeerReconfigureRedisTest {

    /** 1,000 s: a multiple of a minute but not of ten minutes, so the ten-minute window [600 s, 1,200 s) is begun. */
    private static final long START = 1_000_000_000_000L;
    private static final FixedWindow MINUTE = FixedWindow.of(10, Duration.ofMinutes(1));
    private static final FixedWindow TEN_MINUTES = FixedWindow.of(10, Duration.ofMinutes(10));

    @Test
    void aLongerWindowOverlappingTheOldOneRefusesItsCountOnlyUntilItsOwnEnd() {
        ManualClock clock = new ManualClock(START);
        String prefix = RedisServer.uniquePrefix("peer-reconfigure");
        try (RedisEngine engine = RedisWindowLengthChangeTest.clientTimeEngine(prefix, clock)) {
            assertThat(engine.rateLimiter("route", MINUTE).tryAcquire(10).granted()).isTrue(); // [960 s, 1,020 s)

            RateLimiter reconfigured = engine.rateLimiter("route", TEN_MINUTES);
            Permit refused = reconfigured.tryAcquire(1);
            assertThat(refused.granted()).as("the ten permits of the minute it overlaps").isFalse();
            assertThat(refused.retryAfter()).as("to the end of [600 s, 1,200 s)").isEqualTo(Duration.ofSeconds(200));
            clock.advance(Duration.ofSeconds(199));
            assertThat(reconfigured.tryAcquire(1).granted()).as("a second before its end").isFalse();
            clock.advance(Duration.ofSeconds(1));
            assertThat(reconfigured.tryAcquire(10).granted()).as("the next ten-minute window").isTrue();
            assertThat(RedisWindowLengthChangeTest.longestExpiry(prefix)).isLessThanOrEqualTo(TEN_MINUTES.window().toMillis());
        }
    }

    @Test
    void aLongerWindowStartingAfterTheOldOneEndedInheritsNothing() {
        ManualClock clock = new ManualClock(START);
        String prefix = RedisServer.uniquePrefix("peer-reconfigure");
        try (RedisEngine engine = RedisWindowLengthChangeTest.clientTimeEngine(prefix, clock)) {
            assertThat(engine.rateLimiter("route", MINUTE).tryAcquire(10).granted()).isTrue(); // [960 s, 1,020 s)
            clock.advance(Duration.ofSeconds(250)); // 1,250 s: in [1,200 s, 1,800 s), after the old minute

            RateLimiter reconfigured = engine.rateLimiter("route", TEN_MINUTES);
            Permit all = reconfigured.tryAcquire(10);
            assertThat(all.granted()).as("nothing of the old minute counts").isTrue();
            assertThat(all.remaining()).isZero();
            Permit refused = reconfigured.tryAcquire(1);
            assertThat(refused.granted()).isFalse();
            assertThat(refused.retryAfter()).as("to the end of [1,200 s, 1,800 s)").isEqualTo(Duration.ofSeconds(550));
            assertThat(RedisWindowLengthChangeTest.longestExpiry(prefix)).isLessThanOrEqualTo(Duration.ofSeconds(550).toMillis());
        }
    }

    /**
     * On the server's clock with the refusal cache on (the engine's default), the refusal the longer window makes is
     * the one the cache then serves: neither may ask to wait longer than one new window.
     */
    @Test
    void withTheDefaultRefusalCacheALongerWindowNeverRefusesForLongerThanItself() {
        String prefix = RedisServer.uniquePrefix("peer-reconfigure");
        try (RedisEngine engine = RedisEngine.builder(RedisServer.get().connection()).keyPrefix(prefix)
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            assertThat(engine.rateLimiter("route", MINUTE).tryAcquire(1).granted()).isTrue();
            RateLimiter reconfigured = engine.rateLimiter("route", TEN_MINUTES);
            int granted = 0;
            Permit last = reconfigured.tryAcquire(1);
            while (last.granted() && granted < 20) {
                granted++;
                last = reconfigured.tryAcquire(1);
            }
            // 9 if the old minute overlaps the current ten minutes, 10 if a ten-minute boundary passed in between.
            assertThat(granted).as("the limit, less at most the permit counted before").isBetween(9, 10);
            assertThat(last.retryAfter()).isPositive().isLessThanOrEqualTo(TEN_MINUTES.window());
            Permit cached = reconfigured.tryAcquire(1);
            assertThat(cached.granted()).isFalse();
            assertThat(cached.retryAfter()).as("the refusal served again").isPositive()
                    .isLessThanOrEqualTo(TEN_MINUTES.window());
            assertThat(RedisWindowLengthChangeTest.longestExpiry(prefix)).isLessThanOrEqualTo(TEN_MINUTES.window().toMillis());
        }
    }
}
