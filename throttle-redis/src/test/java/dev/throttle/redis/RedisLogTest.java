package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.RateLimiter;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.RecordingLogger;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the Redis engine writes to the log when Redis goes away and comes back, or loses its scripts: each line checked
 * exactly, captured by a logger handed to the engine, on a log clock driven by hand (the outages themselves are real:
 * each test kills, pauses or flushes a server of its own, or the shared one's scripts).
 */
@Timeout(60)
class RedisLogTest {

    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(20);
    private static final Duration DISCONNECT_BOUND = Duration.ofSeconds(10);
    private static final LimitSpec ROOMY = FixedWindow.of(1_000_000, Duration.ofMinutes(10));

    private final RecordingLogger logger = new RecordingLogger("dev.throttle.redis");
    private final ManualClock logClock = new ManualClock();

    @Test
    void aKilledServerLogsTheOutageTheBreakerTheLostScriptAndTheRecoveryOnce() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .decisionTimeout(Duration.ofSeconds(5)) // the point is the kill, not a slow machine
                    .breakerFailureThreshold(2)
                    .breakerOpenDuration(Duration.ofSeconds(1))
                    .refusalCache(false)
                    .log(logger, logClock)
                    .build()) {
                RateLimiter limiter = engine.rateLimiter("load", ROOMY);
                awaitRedisAnswer(engine, limiter);
                logger.clear(); // a first round trip slower than the timeout is not what this test is about

                redis.kill();
                Polling.until(() -> !engine.connected(), DISCONNECT_BOUND);
                assertThat(engine.connected()).as("Lettuce noticed the server is gone").isFalse();
                for (int i = 0; i < 50; i++) {
                    assertThat(Answered.ask(engine, () -> limiter.tryAcquire(1)).permit().granted()).isFalse();
                }
                redis.restart();
                logClock.advance(Duration.ofSeconds(5));
                Polling.until(() -> Answered.byRedis(engine, () -> limiter.tryAcquire(1)), RECOVERY_BOUND);
                assertThat(engine.breakerOpen()).isFalse();

                String redisAt = "Redis at redis://127.0.0.1:" + redis.port();
                String cause = "RedisException: Currently not connected. Commands are rejected.";
                String failClosed = "decisions fail closed, refusing every request,";
                // While Lettuce reconnects, probes may fail: at most one such line, the log clock standing still.
                List<String> probes = logger.lines("WARNING " + redisAt + ": circuit breaker opened again");
                assertThat(probes).hasSizeLessThanOrEqualTo(1).allMatch(line -> line.equals("WARNING " + redisAt
                        + ": circuit breaker opened again: the probe failed (" + cause + "); for 1 s " + failClosed
                        + " without asking Redis, then one decision probes it"));
                long refused = engine.stats().failClosedRefusals();
                assertThat(logger.lines()).filteredOn(line -> !probes.contains(line)).containsExactly(
                        "WARNING " + redisAt + " is unavailable (" + cause + "): " + failClosed
                                + " until it answers again",
                        "WARNING " + redisAt + ": circuit breaker opened after 2 consecutive failures (last: " + cause
                                + "); for 1 s " + failClosed + " without asking Redis, then one decision probes it",
                        // The restarted server is empty: the probe that reaches it finds no script.
                        "INFO " + redisAt + " did not have the script fixed_window (not loaded yet, or lost to a"
                                + " restart, a failover or SCRIPT FLUSH): running it by EVAL, which loads it again",
                        "INFO " + redisAt + " answers again after 5 s unavailable: decisions are made by Redis again; "
                                + refused + " decisions were answered by the failure policy (fail closed) meanwhile");
                assertThat(refused).isGreaterThanOrEqualTo(50);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void aPausedServerLogsTheTimeoutAndTheFallbackOnce() {
        ManualClock localTime = new ManualClock();
        LocalEngine local = LocalEngine.builder().ticker(localTime).scheduler(localTime).build();
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .failurePolicy(FailurePolicy.fallback(local, 0.5))
                    .decisionTimeout(Duration.ofSeconds(1)) // long enough that only the pause times out
                    .breakerFailureThreshold(1000) // this test is about the policy, not the breaker
                    .refusalCache(false)
                    .log(logger, logClock)
                    .build()) {
                RateLimiter limiter = engine.rateLimiter("paused", ROOMY);
                awaitRedisAnswer(engine, limiter);
                logger.clear();

                redis.pause(Duration.ofSeconds(3));
                for (int i = 0; i < 2; i++) {
                    assertThat(Answered.ask(engine, () -> limiter.tryAcquire(1)).byRedis()).isFalse();
                }
                logClock.advance(Duration.ofSeconds(3));
                Polling.until(() -> Answered.byRedis(engine, () -> limiter.tryAcquire(1)), RECOVERY_BOUND);

                String redisAt = "Redis at redis://127.0.0.1:" + redis.port();
                long fallbacks = engine.stats().fallbackDecisions();
                assertThat(logger.lines()).hasSize(2);
                assertThat(logger.lines().get(0)).isEqualTo(
                        "WARNING " + redisAt + " is unavailable (no answer within 1 s): decisions fall back to "
                                + local + " at share 0.5, each JVM limiting on its own, until it answers again");
                // The count is those answered by the policy when Redis answered: a probe of the polling loop that
                // was already waiting then may still fall back afterwards, and count in the stats only.
                String recovered = logger.lines().get(1);
                String prefix = "INFO " + redisAt + " answers again after 3 s unavailable: decisions are made by Redis"
                        + " again; ";
                String suffix = " decisions were answered by the failure policy (fallback to " + local
                        + " at share 0.5) meanwhile";
                assertThat(recovered).startsWith(prefix).endsWith(suffix);
                long counted = Long.parseLong(recovered.substring(prefix.length(),
                        recovered.length() - suffix.length()));
                assertThat(counted).isBetween(2L, fallbacks);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void aLostScriptIsLoggedOncePerWindow() {
        RedisServer server = RedisServer.get();
        try (StatefulRedisConnection<String, String> admin = server.newConnection();
                RedisEngine engine = RedisEngine.builder(server.client(), server.uri())
                        .keyPrefix(RedisServer.uniquePrefix("log-noscript"))
                        .decisionTimeout(RedisServer.DECISION_TIMEOUT)
                        .refusalCache(false)
                        .log(logger, logClock)
                        .build()) {
            RateLimiter window = engine.rateLimiter("window", ROOMY);
            assertThat(window.tryAcquire(1).granted()).isTrue();
            for (int second = 0; second <= 10; second++) { // a flush every second, each noticed by a decision
                admin.sync().scriptFlush();
                assertThat(window.tryAcquire(1).granted()).isTrue();
                assertThat(window.tryAcquire(1).granted()).as("loaded again by the EVAL").isTrue();
                logClock.advance(Duration.ofSeconds(1));
            }
            String lost = "INFO Redis at " + RedisHealth.address(server.uri()) + " did not have the script"
                    + " fixed_window (not loaded yet, or lost to a restart, a failover or SCRIPT FLUSH): running it by"
                    + " EVAL, which loads it again";
            assertThat(logger.lines()).containsExactly(lost, lost + " (9 similar events suppressed in the last 10 s)");
        }
    }

    /** Asks until Redis itself answers (bounded), so a slow first round trip cannot fail the test. */
    private static void awaitRedisAnswer(RedisEngine engine, RateLimiter limiter) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean byRedis = Answered.byRedis(engine, () -> limiter.tryAcquire(1));
        while (!byRedis && System.nanoTime() < deadline) {
            byRedis = Answered.byRedis(engine, () -> limiter.tryAcquire(1));
        }
        assertThat(byRedis).isTrue();
    }
}
