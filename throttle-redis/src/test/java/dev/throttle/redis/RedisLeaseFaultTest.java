package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.AllOfPermit;
import dev.throttle.kernel.HeldPermit;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.local.LocalEngine;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
                Limiter combo = engine.limiter("combo", parts());
                List<Permit> held = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    Answered lease = Answered.ask(engine, () -> bulk.tryAcquire(1));
                    assertThat(lease.byRedis()).isTrue();
                    Permit permit = lease.permit();
                    assertThat(permit.granted()).isEqualTo(i < 4);
                    assertThat(permit).isInstanceOf(i < 4 ? HeldPermit.class : RefusedPermit.class);
                    held.add(permit);
                    Answered composite = Answered.ask(engine, () -> combo.tryAcquire(1));
                    assertThat(composite.byRedis()).isTrue();
                    assertThat(composite.permit().granted()).isEqualTo(i < 3);
                    assertThat(composite.permit()).isInstanceOf(i < 3 ? HeldPermit.class : RefusedPermit.class);
                    if (i >= 3) {
                        assertThat(composite.permit().limiterName()).as("the refusing part").isEqualTo("rate");
                    }
                    held.add(composite.permit());
                }
                assertThat(bulk.availablePermits()).isZero();
                held.forEach(Permit::close);
                Polling.until(() -> bulk.availablePermits() == 4, Duration.ofSeconds(5));
                assertThat(bulk.availablePermits()).isEqualTo(4);
                RedisEngine.Stats stats = engine.stats();
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
                    Answered answered = Answered.ask(engine, () -> bulk.tryAcquire(1));
                    assertThat(System.nanoTime() - start).isLessThan(LATENCY_BOUND_NANOS);
                    assertThat(answered.byRedis()).isFalse();
                    assertThat(answered.permit().granted()).isFalse();
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

    private static AllOf parts() {
        return AllOf.of(AllOf.shared("rate", FixedWindow.of(3, Duration.ofMinutes(10))), AllOf.shared("slots", FOUR));
    }

    /**
     * Fills a concurrency limiter and a composite in Redis, kills the server, makes 100 decisions on each, restarts
     * the server and waits for decisions to come from Redis again.
     */
    private static void killMidLoad(Policy policy) {
        // The fallback's fixed window must not end during the test: its windows are [k·10 min, (k+1)·10 min) of the
        // local engine's clock, so that clock starts now (on the system's, a boundary fell inside the test about once
        // in a hundred runs, and the renewed window granted the waiting request).
        long origin = System.nanoTime();
        LocalEngine local = LocalEngine.builder().ticker(() -> System.nanoTime() - origin).build();
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
                Limiter combo = engine.limiter("combo", parts());
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
                    Answered leaseAnswer = Answered.ask(engine, () -> bulk.tryAcquire(1));
                    Answered compositeAnswer = Answered.ask(engine, () -> combo.tryAcquire(1));
                    maxLatency = Math.max(maxLatency, System.nanoTime() - start);
                    Permit lease = leaseAnswer.permit();
                    Permit composite = compositeAnswer.permit();
                    held.add(lease);
                    bulkGranted += lease.granted() ? 1 : 0;
                    comboGranted += composite.granted() ? 1 : 0;
                    assertThat(leaseAnswer.byRedis()).isFalse();
                    assertThat(compositeAnswer.byRedis()).isFalse();
                    if (policy == Policy.FALLBACK) {
                        if (composite.granted()) {
                            assertThat(composite).as("granted by the parts' fallbacks").isInstanceOf(AllOfPermit.class);
                        } else {
                            assertThat(composite.limiterName()).as("the refusing part").isEqualTo("rate");
                        }
                    } else {
                        assertThat(composite.limiterName()).isEqualTo("combo");
                        assertThat(composite.remaining()).as("unknown without Redis").isZero();
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

                RedisEngine.Stats stats = engine.stats();
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
                Polling.until(() -> acquiredFromRedis(engine, bulk, combo), RECOVERY_BOUND);
                assertThat(acquiredFromRedis(engine, bulk, combo)).as("back to Redis within " + RECOVERY_BOUND)
                        .isTrue();
                assertThat(engine.breaker().mode()).isEqualTo(RedisBreaker.Mode.CLOSED);
            } finally {
                client.shutdown();
            }
        }
    }

    /** One grant from Redis for each limiter (their permits closed at once). */
    private static boolean acquiredFromRedis(RedisEngine engine, Limiter bulk, Limiter combo) {
        Answered lease = Answered.ask(engine, () -> bulk.tryAcquire(1));
        Answered composite = Answered.ask(engine, () -> combo.tryAcquire(1));
        lease.permit().close();
        composite.permit().close();
        return lease.byRedis() && lease.permit().granted() && composite.byRedis() && composite.permit().granted();
    }

    /** Polls a real process's condition until it holds or the bound passes (then the caller's assertion fails). */
}
