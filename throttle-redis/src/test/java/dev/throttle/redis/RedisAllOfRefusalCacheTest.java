package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.RatePermit;
import dev.throttle.kernel.RefusedPermit;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An all-of composite's refusals in the engine's refusal cache, counted by the server's own EVALSHA statistics: a rate
 * part's refusal is served in this JVM until its retry time; a concurrency part's ("when released") never is.
 */
@Timeout(60)
class RedisAllOfRefusalCacheTest {

    private static final Duration WINDOW = Duration.ofMinutes(1);

    @Test
    void refusalsWithinTheRetryTimeCostNoRoundTripThenRedisIsAskedAgain() {
        withEngine(true, (redis, ticker, engine) -> {
            Limiter combo = engine.limiter("combo", parts("bucket", TokenBucket.of(10, Rate.perSecond(1)), "window",
                    FixedWindow.of(2, WINDOW)));
            assertThat(combo.tryAcquire(2).granted()).isTrue();
            Permit first = combo.tryAcquire(1);
            assertThat(first).isInstanceOf(RefusedPermit.class);
            assertThat(first.limiterName()).isEqualTo("window");
            long retry = first.retryAfterNanos();
            assertThat(retry).isPositive().isLessThanOrEqualTo(WINDOW.toNanos());

            long before = redis.calls("evalsha");
            long step = retry / 100;
            for (int i = 0; i < 50; i++) {
                ticker.advance(step);
                Permit again = combo.tryAcquire(i % 2 + 1);
                assertThat(again.granted()).isFalse();
                assertThat(again.limiterName()).as("the cached refusal names its part").isEqualTo("window");
                assertThat(again.retryAfterNanos()).isEqualTo(retry - (i + 1) * step);
            }
            assertThat(redis.calls("evalsha") - before).as("no round trip for a cached refusal").isZero();
            assertThat(engine.stats().refusalCacheHits()).isEqualTo(50);
            assertThat(engine.stats().decisions()).isEqualTo(52);

            ticker.advance(retry - 50 * step); // the retry time has come: Redis decides again
            Permit granted = combo.tryAcquire(1);
            assertThat(granted).isInstanceOf(RatePermit.class).matches(Permit::granted);
            assertThat(redis.calls("evalsha") - before).isEqualTo(1);
        });
    }

    @Test
    void fewerPermitsThanTheCachedRefusalStillAskRedis() {
        withEngine(true, (redis, ticker, engine) -> {
            Limiter combo = engine.limiter("combo", parts("window", FixedWindow.of(3, WINDOW), "bucket",
                    TokenBucket.of(10, Rate.perSecond(1))));
            assertThat(combo.tryAcquire(2).granted()).isTrue();
            assertThat(combo.tryAcquire(2).granted()).isFalse();
            long before = redis.calls("evalsha");
            assertThat(combo.tryAcquire(1).granted()).as("1 more still fits").isTrue();
            assertThat(redis.calls("evalsha") - before).isEqualTo(1);
        });
    }

    @Test
    void aConcurrencyPartsRefusalIsNeverCached() {
        withEngine(true, (redis, ticker, engine) -> {
            Limiter combo = engine.limiter("combo", parts("slots", Concurrency.of(1), "window",
                    FixedWindow.of(100, WINDOW)));
            Permit held = combo.tryAcquire(1);
            assertThat(held.granted()).isTrue();
            long before = redis.calls("evalsha");
            for (int i = 0; i < 5; i++) {
                Permit refused = combo.tryAcquire(1);
                assertThat(refused.granted()).isFalse();
                assertThat(refused.limiterName()).isEqualTo("slots");
            }
            assertThat(redis.calls("evalsha") - before).as("a refusal until released goes to Redis").isEqualTo(5);
            assertThat(engine.stats().refusalCacheHits()).isZero();
            held.close();
        });
    }

    @Test
    void givingPermitsBackForgetsTheCachedRefusal() {
        withEngine(true, (redis, ticker, engine) -> {
            Limiter combo = engine.limiter("combo", parts("bucket", TokenBucket.of(10, Rate.perSecond(1)), "window",
                    FixedWindow.of(3, WINDOW)));
            Permit estimate = combo.tryAcquire(3);
            assertThat(estimate.granted()).isTrue();
            assertThat(combo.tryAcquire(1).granted()).isFalse();
            assertThat(combo.tryAcquire(1).granted()).as("cached").isFalse();
            assertThat(engine.stats().refusalCacheHits()).isEqualTo(1);
            estimate.settle(1); // 2 come back to every part
            long before = redis.calls("evalsha");
            Permit granted = combo.tryAcquire(2);
            assertThat(granted.granted()).isTrue();
            assertThat(redis.calls("evalsha") - before).as("asked Redis again").isEqualTo(1);
            assertThat(engine.stats().refusalCacheHits()).isEqualTo(1);
        });
    }

    @Test
    void withTheCacheOffEveryRefusalIsARoundTrip() {
        withEngine(false, (redis, ticker, engine) -> {
            Limiter combo = engine.limiter("combo", parts("bucket", TokenBucket.of(10, Rate.perSecond(1)), "window",
                    FixedWindow.of(2, WINDOW)));
            assertThat(combo.tryAcquire(2).granted()).isTrue();
            long before = redis.calls("evalsha");
            for (int i = 0; i < 20; i++) {
                assertThat(combo.tryAcquire(1).granted()).isFalse();
            }
            assertThat(redis.calls("evalsha") - before).isEqualTo(20);
            assertThat(engine.stats().refusalCacheHits()).isZero();
        });
    }

    /** A test body on a client-time engine (its ticker drives the cache too) and the server's command counts. */
    private interface Body {
        void run(RedisProcess redis, ManualClock ticker, RedisEngine engine);
    }

    private static void withEngine(boolean cache, Body body) {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            ManualClock ticker = new ManualClock(Duration.ofHours(1).toNanos());
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .ticker(ticker)
                    .refusalCache(cache)
                    .decisionTimeout(Duration.ofSeconds(5)) // the point is the cache, not a slow machine
                    .build()) {
                body.run(redis, ticker, engine);
            } finally {
                client.shutdown();
            }
        }
    }

    private static AllOf parts(String first, LimitSpec firstSpec, String second, LimitSpec secondSpec) {
        return AllOf.of(AllOf.shared(first, firstSpec), AllOf.shared(second, secondSpec));
    }
}
