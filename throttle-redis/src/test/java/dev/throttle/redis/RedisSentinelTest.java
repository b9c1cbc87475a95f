package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine reaching Redis through Sentinel ({@link io.lettuce.core.RedisURI} with sentinel addresses): exact
 * decisions, and a real failover. The master is killed; while no master answers, decisions follow the failure policy
 * (fail closed, by default) within a bounded time; once the sentinels promote the replica, the engine's connection,
 * which asks the sentinels for the master on every reconnect, comes back to Redis by itself.
 *
 * <p>Every engine here turns the refusal cache off, so each decision is a round trip (or a failure-policy decision)
 * and the counts compare with what the server holds.
 */
@Timeout(120)
class RedisSentinelTest {

    /** Long and epoch-aligned: no window boundary passes during a test run, in practice. */
    /** A window no run crosses ({@link RedisServer#DECADE}). */
    private static final LimitSpec FIFTY = FixedWindow.of(50, RedisServer.DECADE);
    /** Far above any decision's latency here, so it catches a hang, not a slow machine. */
    private static final long LATENCY_BOUND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(20);
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(40);

    private static RedisSentinelFixture sentinels;
    private static RedisClient client;

    @BeforeAll
    static void startSentinels() {
        sentinels = RedisSentinelFixture.start();
        client = RedisClient.create();
    }

    @AfterAll
    static void stopSentinels() {
        try {
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        } finally {
            if (sentinels != null) {
                sentinels.close();
            }
        }
    }

    @Test
    void decidesExactlyThroughSentinelEvenUnderContention() throws Exception {
        String prefix = RedisServer.uniquePrefix("sentinel-exact");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (RedisEngine engine = engine(prefix)) {
            RateLimiter serial = engine.rateLimiter("serial", FIFTY);
            int granted = 0;
            for (int i = 0; i < 80; i++) {
                Answered answered = Answered.ask(engine, () -> serial.tryAcquire(1));
                assertThat(answered.byRedis()).as("decided by Redis").isTrue();
                Permit permit = answered.permit();
                assertThat(permit.granted()).as("call %d", i).isEqualTo(i < 50);
                granted += permit.granted() ? 1 : 0;
            }
            assertThat(granted).isEqualTo(50);

            RateLimiter shared = engine.rateLimiter("shared", FIFTY);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                workers.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    int mine = 0;
                    for (int i = 0; i < 25; i++) {
                        mine += shared.tryAcquire(1).granted() ? 1 : 0;
                    }
                    return mine;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> worker : workers) {
                total += worker.get(30, TimeUnit.SECONDS);
            }
            assertThat(total).as("8 threads x 25 attempts on a limit of 50").isEqualTo(50);
            assertThat(engine.stats().redisFailures() + engine.stats().timeouts()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void survivesAFailoverFailingClosedMeanwhile() {
        String prefix = RedisServer.uniquePrefix("sentinel-failover");
        try (RedisEngine engine = engine(prefix)) {
            RateLimiter limiter = engine.rateLimiter("failover", FIFTY);
            int granted = 0;
            for (int i = 0; i < 80; i++) {
                Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                assertThat(answered.byRedis()).isTrue();
                granted += answered.permit().granted() ? 1 : 0;
            }
            assertThat(granted).as("exactly the limit of 80 attempts").isEqualTo(50);
            int oldMaster = sentinels.reportedMasterPort();
            assertThat(oldMaster).isEqualTo(sentinels.masterPort());
            // With the replica's acknowledgement the promoted replica is known to hold the whole count.
            assertThat(sentinels.awaitReplication(1)).as("replicas acknowledging the writes").isEqualTo(1);

            sentinels.killMaster();
            // No master answers until the sentinels promote the replica: refusals, each one quick.
            long maxLatency = 0L;
            for (int i = 0; i < 20; i++) {
                long start = System.nanoTime();
                Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
                maxLatency = Math.max(maxLatency, System.nanoTime() - start);
                assertThat(answered.byRedis()).as("call %d with the master down", i).isFalse();
                Permit permit = answered.permit();
                assertThat(permit.granted()).as("failing closed: call %d", i).isFalse();
                assertThat(permit.retryAfterNanos()).isPositive();
            }
            assertThat(maxLatency).as("the slowest decision with the master down").isLessThan(LATENCY_BOUND_NANOS);
            assertThat(engine.stats().failClosedRefusals()).isEqualTo(20);

            sentinels.await("the replica promoted",
                    () -> sentinels.reportedMasterPort() == sentinels.replicaPort(), FAILOVER_BOUND);
            sentinels.await("the promoted replica acting as master",
                    () -> sentinels.info(sentinels.replicaPort(), "replication").contains("role:master"),
                    FAILOVER_BOUND);

            // The engine reconnects by itself, through the sentinels, to the new master.
            int grantedMeanwhile = 0;
            long deadline = System.nanoTime() + RECOVERY_BOUND.toNanos();
            Answered answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
            while (!answered.byRedis() && System.nanoTime() < deadline) {
                assertThat(answered.permit().granted()).as("failing closed until Redis answers").isFalse();
                pause();
                answered = Answered.ask(engine, () -> limiter.tryAcquire(1));
            }
            assertThat(answered.byRedis()).as("back to Redis within " + RECOVERY_BOUND).isTrue();
            grantedMeanwhile += answered.permit().granted() ? 1 : 0;

            // What the new master holds bounds what it grants: never past the limit.
            Map<String, String> counts = sentinels.hashField(sentinels.replicaPort(), prefix, "n");
            assertThat(counts).as("the window's state on the new master").hasSize(1);
            long held = Long.parseLong(counts.values().iterator().next());
            assertThat(held).as("the replicated count, never past the limit").isEqualTo(50);
            int grantedAfter = 0;
            for (int i = 0; i < 80; i++) {
                Answered after = Answered.ask(engine, () -> limiter.tryAcquire(1));
                assertThat(after.byRedis()).as("call %d after the failover", i).isTrue();
                grantedAfter += after.permit().granted() ? 1 : 0;
            }
            assertThat(grantedAfter).as("what the new master had left of the limit").isEqualTo(50 - held);
            assertThat(grantedMeanwhile).as("the first decision back found the replicated count").isZero();
            assertThat(sentinels.hashField(sentinels.replicaPort(), prefix, "n").values())
                    .containsExactly("50");

            // A fresh limiter decides exactly on the new master.
            RateLimiter fresh = engine.rateLimiter("after-failover", FIFTY);
            int freshGranted = 0;
            for (int i = 0; i < 80; i++) {
                Answered after = Answered.ask(engine, () -> fresh.tryAcquire(1));
                assertThat(after.byRedis()).isTrue();
                freshGranted += after.permit().granted() ? 1 : 0;
            }
            assertThat(freshGranted).isEqualTo(50);
        }
    }

    private static RedisEngine engine(String prefix) {
        return RedisEngine.builder(client, sentinels.sentinelUri())
                .keyPrefix(prefix)
                .refusalCache(false)
                .decisionTimeout(Duration.ofMillis(200))
                .breakerOpenDuration(Duration.ofMillis(200))
                .build();
    }

    private static void pause() {
        try {
            Thread.sleep(20); // waiting for a reconnect, not timing a limiter
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the engine to reconnect", e);
        }
    }
}
