package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The failure policy, decision timeout, breaker and stats for concurrency limiters and all-of composites, against a
 * real redis-server per test that is killed, paused or restarted while they decide (as {@link RedisFaultTest} does
 * for rate limiters).
 */
@Timeout(60)
class RedisLeaseFaultTest {

    /** Far above any decision's latency here, so it catches a hang, not a slow machine. */
    private static final long LATENCY_BOUND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(15);
    /** Generous, so a loaded machine does not time out the decisions made before the kill. */
    private static final Duration TIMEOUT = Duration.ofMillis(400);
    private static final Duration OPEN = Duration.ofMillis(300);
    private static final Concurrency FOUR = Concurrency.of(4);

    private enum Policy {
        OPEN, CLOSED, FALLBACK
    }

    @Test
    void killedServerFailsOpenThenRecovers() {
        killMidLoad(Policy.OPEN);
    }

    @Test
    void killedServerFailsClosedThenRecovers() {
        killMidLoad(Policy.CLOSED);
    }

    @Test
    void killedServerFallsBackForConcurrencyAndCompositesThenRecovers() {
        killMidLoad(Policy.FALLBACK);
    }

    @Test
    void healthyServerDecidesAsBeforeAndCountsDecisions() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .refusalCache(false) // every decision goes to Redis or the policy (RedisAllOfRefusalCacheTest)
                    .failurePolicy(FailurePolicy.fallback(LocalEngine.builder().build(), 0.5))
                    .decisionTimeout(Duration.ofSeconds(5)) // the point is the healthy path, not a slow machine
                    .build()) {
                Limiter bulk = engine.limiter("bulk", FOUR);
                Limiter combo = engine.allOf("combo", parts());
                List<Permit> held = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    Permit permit = bulk.tryAcquire(1);
                    assertThat(permit.granted()).isEqualTo(i < 4);
                    assertThat(permit).isInstanceOf(i < 4 ? LeasePermit.class : RefusedPermit.class);
                    held.add(permit);
                    Permit composite = combo.tryAcquire(1);
                    assertThat(composite.granted()).isEqualTo(i < 3);
                    assertThat(composite).isInstanceOf(i < 3 ? CompositePermit.class : RefusedPermit.class);
                    held.add(composite);
                }
                assertThat(bulk.availablePermits()).isZero();
                held.forEach(Permit::close);
                Polling.until(() -> bulk.availablePermits() == 4, Duration.ofSeconds(5));
                assertThat(bulk.availablePermits()).isEqualTo(4);
                RedisEngineStats stats = engine.stats();
                assertThat(stats.decisions()).isEqualTo(10);
                assertThat(stats.redisFailures() + stats.timeouts() + stats.shortCircuits()).isZero();
                assertThat(stats.fallbackDecisions() + stats.failClosedRefusals() + stats.failOpenGrants()).isZero();
                assertThat(stats.breakerOpens()).isZero();
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void leaseGrantedAfterItsDecisionTimedOutIsGivenBack() {
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .refusalCache(false) // every decision goes to Redis or the policy (RedisAllOfRefusalCacheTest)
                    .decisionTimeout(Duration.ofMillis(200))
                    .commandTimeout(Duration.ofSeconds(10)) // a late answer must outlive the pause to be seen
                    .breakerOpenDuration(Duration.ofMillis(100))
                    .build()) {
                Limiter bulk = engine.limiter("late", FOUR);
                assertThat(bulk.availablePermits()).isEqualTo(4);
                redis.pause(Duration.ofMillis(1500)); // outlasts the 3 timeouts below
                for (int i = 0; i < 3; i++) {
                    long start = System.nanoTime();
                    Permit permit = bulk.tryAcquire(1);
                    assertThat(System.nanoTime() - start).isLessThan(LATENCY_BOUND_NANOS);
                    assertThat(permit).isInstanceOf(ShortcutPermit.class).matches(p -> !p.granted());
                }
                assertThat(engine.stats().timeouts()).isEqualTo(3);
                // The server runs the queued decisions when the pause ends; their late leases are released.
                Polling.until(() -> bulk.availablePermits() == 4, RECOVERY_BOUND);
                assertThat(bulk.availablePermits()).as("no lease held for a timed-out decision").isEqualTo(4);
            } finally {
                client.shutdown();
            }
        }
    }

    private static Map<String, LimitSpec> parts() {
        Map<String, LimitSpec> parts = new LinkedHashMap<>();
        parts.put("rate", FixedWindow.of(3, Duration.ofMinutes(10)));
        parts.put("slots", FOUR);
        return parts;
    }

    /**
     * Fills a concurrency limiter and a composite in Redis, kills the server, makes 100 decisions on each, restarts
     * the server and waits for decisions to come from Redis again.
     */
    private static void killMidLoad(Policy policy) {
        LocalEngine local = LocalEngine.builder().build();
        FailurePolicy failurePolicy = policy == Policy.OPEN ? FailurePolicy.FAIL_OPEN
                : policy == Policy.CLOSED ? FailurePolicy.FAIL_CLOSED
                : FailurePolicy.fallback(local, 0.5);
        try (RedisProcess redis = RedisProcess.start()) {
            RedisClient client = RedisClient.create();
            try (RedisEngine engine = RedisEngine.builder(client, redis.uri())
                    .refusalCache(false) // every decision goes to Redis or the policy (RedisAllOfRefusalCacheTest)
                    .failurePolicy(failurePolicy)
                    .decisionTimeout(TIMEOUT)
                    .breakerFailureThreshold(5)
                    .breakerOpenDuration(OPEN)
                    .build()) {
                Limiter bulk = engine.limiter("bulk", FOUR);
                Limiter combo = engine.allOf("combo", parts());
                for (int i = 0; i < 5; i++) {
                    assertThat(bulk.tryAcquire(1).granted()).as("from Redis before the kill").isEqualTo(i < 4);
                    assertThat(combo.tryAcquire(1).granted()).isEqualTo(i < 3);
                }

                redis.kill();
                long maxLatency = 0L;
                int bulkGranted = 0;
                int comboGranted = 0;
                List<Permit> held = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    long start = System.nanoTime();
                    Permit lease = bulk.tryAcquire(1);
                    Permit composite = combo.tryAcquire(1);
                    maxLatency = Math.max(maxLatency, System.nanoTime() - start);
                    held.add(lease);
                    bulkGranted += lease.granted() ? 1 : 0;
                    comboGranted += composite.granted() ? 1 : 0;
                    assertThat(lease).isNotInstanceOf(LeasePermit.class);
                    if (policy == Policy.FALLBACK) {
                        assertThat(composite).isNotInstanceOf(CompositePermit.class)
                                .isNotInstanceOf(ShortcutPermit.class);
                        if (!composite.granted()) {
                            assertThat(composite.limiter()).as("the refusing part").isEqualTo("rate");
                        }
                    } else {
                        assertThat(composite).isInstanceOf(ShortcutPermit.class);
                    }
                    if (policy == Policy.CLOSED) {
                        assertThat(lease.retryAfterNanos()).isPositive()
                                .isLessThanOrEqualTo(Math.max(OPEN.toNanos(), TIMEOUT.toNanos()));
                    }
                    composite.close(); // holds nothing in Redis (a fallback grant's local lease ends); never throws
                }
                // A waiting composite acquisition is answered at once too (a fallback's window retries in minutes).
                long start = System.nanoTime();
                Permit waited = combo.acquire(1, Duration.ofSeconds(5));
                maxLatency = Math.max(maxLatency, System.nanoTime() - start);
                assertThat(waited.granted()).isEqualTo(policy == Policy.OPEN);

                RedisEngineStats stats = engine.stats();
                assertThat(maxLatency).as("the slowest decision without Redis").isLessThan(LATENCY_BOUND_NANOS);
                assertThat(stats.breakerOpens()).isPositive();
                assertThat(stats.shortCircuits()).isPositive();
                assertThat(stats.redisFailures() + stats.timeouts()).isGreaterThanOrEqualTo(5);
                assertThat(stats.decisions()).isEqualTo(10 + 200 + 1);
                switch (policy) {
                    case OPEN:
                        assertThat(bulkGranted).isEqualTo(100);
                        assertThat(comboGranted).isEqualTo(100);
                        assertThat(stats.failOpenGrants()).isEqualTo(201);
                        assertThat(bulk.availablePermits()).as("the limit, when failing open").isEqualTo(4);
                        assertThat(combo.availablePermits()).isEqualTo(3);
                        break;
                    case CLOSED:
                        assertThat(bulkGranted + comboGranted).isZero();
                        assertThat(stats.failClosedRefusals()).isEqualTo(201);
                        assertThat(bulk.availablePermits()).isZero();
                        assertThat(combo.availablePermits()).isZero();
                        break;
                    default:
                        assertThat(bulkGranted).as("half of 4 held at once, locally").isEqualTo(2);
                        assertThat(comboGranted).as("its local window of half of 3").isEqualTo(1);
                        assertThat(stats.fallbackDecisions()).isEqualTo(201);
                        assertThat(stats.failClosedRefusals()).isZero();
                        assertThat(combo.availablePermits()).as("the local window's 0").isZero();
                        assertThat(bulk.availablePermits()).isZero();
                        held.forEach(Permit::close); // the local permits come back
                        assertThat(bulk.availablePermits()).isEqualTo(2);
                        assertThat(bulk.tryAcquire(2).granted()).isTrue();
                        assertThat(bulk.tryAcquire(3).granted()).as("more than the local limit").isFalse();
                        break;
                }
                held.forEach(Permit::close);

                redis.restart();
                Polling.until(() -> acquiredFromRedis(bulk, combo), RECOVERY_BOUND);
                assertThat(acquiredFromRedis(bulk, combo)).as("back to Redis within " + RECOVERY_BOUND).isTrue();
                assertThat(engine.breaker().mode()).isEqualTo(RedisBreaker.Mode.CLOSED);
            } finally {
                client.shutdown();
            }
        }
    }

    /** One grant from Redis for each limiter (their permits closed at once). */
    private static boolean acquiredFromRedis(Limiter bulk, Limiter combo) {
        try (Permit lease = bulk.tryAcquire(1); Permit composite = combo.tryAcquire(1)) {
            return lease instanceof LeasePermit && composite instanceof CompositePermit;
        }
    }

    /** Polls a real process's condition until it holds or the bound passes (then the caller's assertion fails). */
}
