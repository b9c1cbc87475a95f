package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.local.LocalEngine;
import io.lettuce.core.RedisClient;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis failing under the engine, for real: each test starts its own redis-server, then kills, pauses or restarts it,
 * or flushes its scripts, while limiters decide. Decisions must follow the failure policy within the decision timeout,
 * the breaker must open and short-circuit, and the engine must come back to Redis by itself.
 */
@Timeout(60)
class RedisFaultTest {

    /** Far above any decision's latency here, so it catches a hang, not a slow machine. */
    private static final long LATENCY_BOUND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(15);
    private static final Duration TIMEOUT = Duration.ofMillis(400);
    private static final Duration OPEN = Duration.ofMillis(300);
    private static final LimitSpec THREE = FixedWindow.of(3, Duration.ofMinutes(10));

    @Test
    void killedServerFailsOpenThenRecovers() {
        killMidLoad(Policy.OPEN);
    }

    @Test
    void killedServerFailsClosedThenRecovers() {
        killMidLoad(Policy.CLOSED);
    }

    @Test
    void killedServerFallsBackToTheLocalEngineThenRecovers() {
        killMidLoad(Policy.FALLBACK);
    }

    @Test
    void pausedServerTimesOutToThePolicyWithoutHangingThenRecovers() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .decisionTimeout(Duration.ofMillis(50))
                    // Timeouts count towards the breaker once the server has been silent this long.
                    .commandTimeout(Duration.ofMillis(200))
                    .breakerOpenDuration(Duration.ofMillis(100))
                    .build()) {
                RateLimiter roomy = engine.rateLimiter("roomy", FixedWindow.of(1_000_000, Duration.ofMinutes(10)));
                // Healthy first: a loaded machine may need a few tries to answer within the short timeout.
                awaitRedisAnswer(engine, roomy);

                // Long enough for 200 ms of silence, then 5 counted timeouts that open the breaker, with room to spare.
                redis.pause(Duration.ofMillis(1_000));
                long maxLatency = 0L;
                for (int i = 0; i < 20; i++) {
                    long start = System.nanoTime();
                    Answered answered = Answered.ask(engine, () -> roomy.tryAcquire(1));
                    maxLatency = Math.max(maxLatency, System.nanoTime() - start);
                    assertThat(answered.permit().granted()).as("failing closed while paused: call %d", i).isFalse();
                    assertThat(answered.byRedis()).isFalse();
                    assertThat(answered.permit().remaining()).as("unknown without Redis").isZero();
                }
                RedisEngine.Stats stats = engine.stats();
                assertThat(maxLatency).isLessThan(LATENCY_BOUND_NANOS);
                assertThat(stats.timeouts()).as("the threshold's worth, maybe a probe").isGreaterThanOrEqualTo(5);
                assertThat(stats.breakerOpens()).isPositive();
                assertThat(stats.shortCircuits()).isPositive();
                assertThat(stats.timeouts() + stats.shortCircuits()).isEqualTo(20);
                assertThat(stats.failClosedRefusals()).isEqualTo(20);
                assertThat(stats.redisFailures()).isZero();

                awaitRecovery(engine, roomy);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void scriptFlushMidLoadCausesNoFailure() throws Exception {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .decisionTimeout(Duration.ofSeconds(5)) // the point is NOSCRIPT, not a slow machine
                    .refusalCache(false) // every decision goes to Redis
                    .build()) {
                RateLimiter limiter = engine.rateLimiter("flushed", FixedWindow.of(500, RedisServer.DECADE));
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> workers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    workers.add(pool.submit(() -> {
                        start.await();
                        int granted = 0;
                        for (int i = 0; i < 200; i++) {
                            Permit permit = limiter.tryAcquire(1);
                            granted += permit.granted() ? 1 : 0;
                        }
                        return granted;
                    }));
                }
                start.countDown();
                for (int i = 0; i < 20; i++) {
                    redis.scriptFlush();
                }
                int granted = 0;
                for (Future<Integer> worker : workers) {
                    granted += worker.get(30, TimeUnit.SECONDS);
                }
                RedisEngine.Stats stats = engine.stats();
                assertThat(stats.redisFailures()).isZero();
                assertThat(stats.timeouts()).isZero();
                assertThat(stats.breakerOpens()).isZero();
                assertThat(stats.failClosedRefusals()).as("every decision was made by Redis").isZero();
                assertThat(stats.decisions()).isEqualTo(800);
                assertThat(granted).as("exactly the limit, despite the flushes").isEqualTo(500);
            } finally {
                pool.shutdownNow();
                client.shutdown();
            }
        }
    }

    @Test
    void refusalCacheSavesTheRoundTripsOfRefusalsBoundToRepeat() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine cached = RedisEngine.builder(client, redis.uri()).build();
                    RedisEngine uncached = RedisEngine.builder(client, redis.uri()).refusalCache(false).build()) {
                RateLimiter limiter = cached.rateLimiter("cached", FixedWindow.of(2, RedisServer.DECADE));
                assertThat(limiter.tryAcquire(2).granted()).isTrue();
                Answered refused = Answered.ask(cached, () -> limiter.tryAcquire(1));
                assertThat(refused.byRedis()).as("refused by Redis").isTrue();
                Permit first = refused.permit();
                assertThat(first.granted()).isFalse();

                long before = redis.calls("evalsha");
                for (int i = 0; i < 50; i++) {
                    Permit again = limiter.tryAcquire(i % 2 + 1);
                    assertThat(again.granted()).isFalse();
                    assertThat(again.retryAfterNanos()).isPositive().isLessThanOrEqualTo(first.retryAfterNanos());
                }
                assertThat(redis.calls("evalsha") - before).as("no round trip for a cached refusal").isZero();
                assertThat(cached.stats().refusalCacheHits()).isEqualTo(50);
                assertThat(cached.stats().decisions()).isEqualTo(52);

                // The same sequence without the cache: every refusal is a round trip.
                RateLimiter plain = uncached.rateLimiter("uncached", FixedWindow.of(2, RedisServer.DECADE));
                assertThat(plain.tryAcquire(2).granted()).isTrue();
                before = redis.calls("evalsha");
                for (int i = 0; i < 50; i++) {
                    assertThat(plain.tryAcquire(1).granted()).isFalse();
                }
                assertThat(redis.calls("evalsha") - before).isEqualTo(50);
                assertThat(uncached.stats().refusalCacheHits()).isZero();
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void refusalCacheForgetsALimiterThisJvmGaveBackTo() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            // A fresh server's first script call may take longer than the default decision timeout on a busy machine;
            // this test is about the refusal cache, not about timeouts.
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri()).decisionTimeout(Duration.ofSeconds(5))
                    .build()) {
                RateLimiter limiter = engine.rateLimiter("refund", FixedWindow.of(2, Duration.ofMinutes(10)));
                Permit estimate = limiter.tryAcquire(2);
                assertThat(estimate.granted()).isTrue();
                assertThat(limiter.tryAcquire(1).granted()).isFalse();
                estimate.settle(1); // one permit back
                assertThat(limiter.tryAcquire(1).granted()).as("not served from the cache").isTrue();
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void scenariosLeakNoThreads() {
        killMidLoad(Policy.CLOSED); // warms up the fixed pools (the shared scheduler, the future delayer)
        int baseline = liveThreads();
        for (Policy policy : Policy.values()) {
            killMidLoad(policy);
        }
        Polling.until(() -> liveThreads() <= baseline + 2, Duration.ofSeconds(10));
        assertThat(liveThreads()).as("threads after 3 scenarios, baseline %d: %s", baseline, threadNames())
                .isLessThanOrEqualTo(baseline + 2);
    }

    private enum Policy {
        OPEN, CLOSED, FALLBACK
    }

    /**
     * Exhausts a limiter in Redis, kills the server, makes 200 decisions (plus keyed ones), restarts the server and
     * waits for decisions to come from Redis again.
     */
    private static void killMidLoad(Policy policy) {
        ManualClock localTime = new ManualClock();
        LocalEngine local = LocalEngine.builder().ticker(localTime).build();
        FailurePolicy failurePolicy = policy == Policy.OPEN ? FailurePolicy.FAIL_OPEN
                : policy == Policy.CLOSED ? FailurePolicy.FAIL_CLOSED
                : FailurePolicy.fallback(local);
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .failurePolicy(failurePolicy)
                    .decisionTimeout(TIMEOUT)
                    .breakerFailureThreshold(5)
                    .breakerOpenDuration(OPEN)
                    .refusalCache(false) // every request must reach the policy
                    .build()) {
                RateLimiter limiter = engine.rateLimiter("load", THREE);
                KeyedLimiter<String> keyed = engine.keyed("keyed", THREE);
                for (int i = 0; i < 4; i++) {
                    Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                    assertThat(answered.byRedis()).as("from Redis before the kill").isTrue();
                    assertThat(answered.permit().granted()).isEqualTo(i < 3);
                }

                redis.kill();
                // The twin makes the decisions the fallback must make: same spec, same (frozen) time.
                RateLimiter twin = LocalEngine.builder().ticker(localTime).build().rateLimiter("twin", THREE);
                long maxLatency = 0L;
                int granted = 0;
                for (int i = 0; i < 200; i++) {
                    long start = System.nanoTime();
                    Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                    maxLatency = Math.max(maxLatency, System.nanoTime() - start);
                    Permit permit = answered.permit();
                    granted += permit.granted() ? 1 : 0;
                    assertThat(answered.byRedis()).isFalse();
                    switch (policy) {
                        case OPEN:
                            assertThat(permit.granted()).isTrue();
                            break;
                        case CLOSED:
                            assertThat(permit.granted()).isFalse();
                            assertThat(permit.retryAfterNanos()).isPositive()
                                    .isLessThanOrEqualTo(Math.max(OPEN.toNanos(), TIMEOUT.toNanos()));
                            break;
                        default:
                            assertThat(permit.granted()).as("call %d", i).isEqualTo(twin.tryAcquire(1).granted());
                            break;
                    }
                }
                // Keyed limiters fall back to one local keyed limiter: each key keeps its own fallback state.
                int keyedGranted = 0;
                for (int i = 0; i < 5; i++) {
                    keyedGranted += keyed.allow("a", 1) ? 1 : 0;
                    keyedGranted += keyed.allow("b", 1) ? 1 : 0;
                }

                RedisEngine.Stats stats = engine.stats();
                assertThat(maxLatency).as("the slowest of 200 decisions").isLessThan(LATENCY_BOUND_NANOS);
                assertThat(stats.breakerOpens()).isPositive();
                assertThat(stats.shortCircuits()).isPositive();
                assertThat(stats.redisFailures() + stats.timeouts()).isGreaterThanOrEqualTo(5);
                assertThat(stats.decisions()).isEqualTo(4 + 200 + 10);
                switch (policy) {
                    case OPEN:
                        assertThat(granted).isEqualTo(200);
                        assertThat(keyedGranted).isEqualTo(10);
                        assertThat(stats.failOpenGrants()).isEqualTo(210);
                        break;
                    case CLOSED:
                        assertThat(granted).isZero();
                        assertThat(keyedGranted).isZero();
                        assertThat(stats.failClosedRefusals()).isEqualTo(210);
                        break;
                    default:
                        assertThat(granted).isEqualTo(3);
                        assertThat(keyedGranted).as("3 per key").isEqualTo(6);
                        assertThat(stats.fallbackDecisions()).isEqualTo(210);
                        break;
                }

                redis.restart();
                awaitRecovery(engine, limiter);
                // The restarted server is empty: its state starts afresh, decided by Redis again.
                Answered fresh = Answered.ask(engine, () -> keyed.tryAcquire("a", 1));
                assertThat(fresh.byRedis()).isTrue();
                assertThat(fresh.permit().granted()).isTrue();
            } finally {
                client.shutdown();
            }
        }
    }

    /** Waits, bounded, until decisions come from Redis again, and checks the breaker closed. */
    private static void awaitRecovery(RedisEngine engine, RateLimiter limiter) {
        Polling.until(() -> Answered.byRedis(engine, () -> limiter.tryAcquire(1)), RECOVERY_BOUND);
        assertThat(Answered.byRedis(engine, () -> limiter.tryAcquire(1))).as("back to Redis within " + RECOVERY_BOUND)
                .isTrue();
        assertThat(engine.breaker().mode()).isEqualTo(RedisBreaker.Mode.CLOSED);
    }

    /** Polls a real process's condition until it holds or the bound passes (then the caller's assertion fails). */

    private static int liveThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static String threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted()
                .collect(Collectors.joining(", "));
    }

    /** Asks until Redis itself answers with a grant (bounded), so a slow first round trip cannot fail the test. */
    private static void awaitRedisAnswer(RedisEngine engine, RateLimiter limiter) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
        while (!answered.byRedis() && System.nanoTime() < deadline) {
            answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
        }
        assertThat(answered.byRedis()).isTrue();
        assertThat(answered.permit().granted()).isTrue();
    }
}
