package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.RateLimiter;
import dev.throttle.Ticker;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.RecordingLogger;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An application must start during a Redis outage: the engine is built with Redis down, its decisions follow the
 * failure policy, and once Redis is up they move to Redis by themselves, with one line in the log for each.
 */
class RedisBootOutageTest {

    /** The engine retries every second at most, and its breaker stays open a second: a few seconds is ample. */
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(15);
    private static final LimitSpec THREE = FixedWindow.of(3, Duration.ofMinutes(10));

    private final RecordingLogger logger = new RecordingLogger("dev.throttle.redis");

    @Test
    void builtWithRedisDownTheEngineFallsBackThenMovesToRedisByItself() {
        ManualClock localTime = new ManualClock();
        LocalEngine local = LocalEngine.builder().ticker(localTime).scheduler(localTime).build();
        try (RedisProcess redis = RedisProcess.start()) {
            redis.kill();
            RedisClient client = RedisClient.create();
            long start = System.nanoTime();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .failurePolicy(FailurePolicy.fallback(local))
                    .decisionTimeout(RedisServer.DECISION_TIMEOUT) // once Redis is up, it decides
                    .refusalCache(false)
                    .log(logger, Ticker.system())
                    .build()) {
                long buildNanos = System.nanoTime() - start;
                // The first attempt is refused at once; the build never waits longer than the command timeout (1 s).
                assertThat(Duration.ofNanos(buildNanos)).isLessThan(Duration.ofSeconds(5));
                assertThat(engine.connected()).isFalse();

                RateLimiter limiter = engine.rateLimiter("boot", THREE);
                for (int i = 0; i < 3; i++) {
                    Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                    assertThat(answered.byRedis()).isFalse();
                    assertThat(answered.permit().granted()).as("the local fallback's limit of 3").isTrue();
                }
                assertThat(Answered.ask(engine, () -> limiter.tryAcquire(1)).permit().granted()).isFalse();
                assertThat(engine.stats().fallbackDecisions()).isEqualTo(4);

                redis.restart();
                Polling.until(() -> Answered.byRedis(engine, () -> limiter.tryAcquire(1)), TAKEOVER_BOUND);
                assertThat(engine.connected()).isTrue();
                // The probe that found Redis took one of its 3; two more, then Redis refuses.
                assertThat(Answered.ask(engine, () -> limiter.tryAcquire(1))).satisfies(a -> {
                    assertThat(a.byRedis()).isTrue();
                    assertThat(a.permit().granted()).isTrue();
                });
                assertThat(limiter.tryAcquire(1).granted()).isTrue();
                Answered fourth = Answered.ask(engine, () -> limiter.tryAcquire(1));
                assertThat(fourth.byRedis()).isTrue();
                assertThat(fourth.permit().granted()).isFalse();

                String redisAt = "Redis at redis://127.0.0.1:" + redis.port();
                assertThat(logger.lines("WARNING " + redisAt + " could not be reached")).singleElement().asString()
                        .contains("when the engine was built (RedisConnectionException")
                        .endsWith("the engine keeps trying to connect in the background, and decisions fall back to "
                                + local + ", each JVM limiting on its own, until it does");
                assertThat(logger.lines("INFO " + redisAt + " connected")).singleElement().asString()
                        .endsWith("after the engine was built: decisions are made by Redis from now on");
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void builtWithRedisDownAFailClosedEngineRefusesUntilRedisAnswers() {
        try (RedisProcess redis = RedisProcess.start()) {
            redis.kill();
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri()).refusalCache(false)
                    .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
                RateLimiter limiter = engine.rateLimiter("boot-closed", THREE);
                Answered refused = Answered.ask(engine, () -> limiter.tryAcquire(1));
                assertThat(refused.byRedis()).isFalse();
                assertThat(refused.permit().granted()).isFalse();

                redis.restart();
                Polling.until(() -> Answered.byRedis(engine, () -> limiter.tryAcquire(1)), TAKEOVER_BOUND);
                assertThat(limiter.tryAcquire(2).granted()).as("the rest of Redis's limit of 3").isTrue();
                assertThat(limiter.tryAcquire(1).granted()).isFalse();
            } finally {
                client.shutdown();
            }
        }
    }
}
