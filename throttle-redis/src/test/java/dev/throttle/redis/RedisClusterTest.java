package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine on a Redis Cluster of three masters started by the test ({@link RedisClusterFixture}): keys spread over
 * the masters, every key of a decision in one slot, a slot migrated under live limiters (ASK, then MOVED), many
 * threads on one key, and the scripts flushed from every node. Windows are long (hours, years) so every expected count
 * is exact whatever the timing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisClusterTest {

    private static final Duration FOREVER = Duration.ofDays(3650);
    private static RedisClusterFixture cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterFixture.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static RedisEngine engine(String what) {
        return RedisEngine.builder(cluster.clusterClient()).keyPrefix(RedisServer.uniquePrefix(what))
                .commandTimeout(Duration.ofSeconds(5)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    @Test
    void keysOfManyLimitersSpreadOverEveryMasterAndEachCountsExactly() {
        String prefix = RedisServer.uniquePrefix("spread");
        try (RedisEngine engine = RedisEngine.builder(cluster.clusterClient()).keyPrefix(prefix).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            Set<RedisClusterFixture.Node> holders = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                String name = "client-" + i;
                RateLimiter limiter = engine.rateLimiter(name, FixedWindow.of(3, FOREVER));
                for (long expected = 2; expected >= 0; expected--) {
                    Permit permit = limiter.tryAcquire(1);
                    assertThat(permit.granted()).as(name).isTrue();
                    assertThat(permit.remaining()).as(name).isEqualTo(expected);
                }
                assertThat(limiter.allow(1)).as(name + " over its limit").isFalse();
                assertThat(limiter.availablePermits()).as(name).isZero();
                holders.add(cluster.holderOf(Keys.key(prefix, name, ":fw")));
            }
            assertThat(holders).as("the masters holding the 50 limiters' keys").hasSize(3)
                    .containsExactlyInAnyOrderElementsOf(cluster.nodes());
        }
    }

    /**
     * Batching across keys on a Cluster: requests of keys in one hash slot share a call, requests of keys in different
     * slots never do (such a call would fail CROSSSLOT, and its requests go to the failure policy). Two keys of a keyed
     * limiter that share a slot and ten more, seven requests each, made while every master is paused so they wait
     * behind calls in flight: each key grants exactly its limit, in order, and the policy answers nothing.
     */
    @Test
    void batchesAcrossKeysStayInOneSlotAndDecideEachKeyExactly() throws Exception {
        String prefix = RedisServer.uniquePrefix("batch");
        List<String> keys = new ArrayList<>();
        java.util.Map<Integer, String> bySlot = new java.util.HashMap<>();
        for (int i = 0; keys.isEmpty(); i++) {
            String key = "key-" + i;
            String other = bySlot.put(Coalescer.groupOf(new String[] {Keys.key(prefix, "k:" + key, ":fw")}, true), key);
            if (other != null) {
                keys.add(other);
                keys.add(key);
            }
        }
        for (int i = 0; i < 10; i++) {
            keys.add("other-" + i);
        }
        try (RedisEngine engine = RedisEngine.builder(cluster.clusterClient()).keyPrefix(prefix)
                .commandTimeout(Duration.ofSeconds(5)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            var keyed = engine.keyed("k", FixedWindow.of(5, FOREVER));
            assertThat(keyed.tryAcquire("warm-up", 1).granted()).isTrue();
            for (RedisClusterFixture.Node node : cluster.nodes()) {
                node.sync().clientPause(300);
            }
            List<List<java.util.concurrent.CompletableFuture<Permit>>> answers = new ArrayList<>();
            for (int k = 0; k < keys.size(); k++) {
                answers.add(new ArrayList<>());
            }
            for (int i = 0; i < 7; i++) {
                for (int k = 0; k < keys.size(); k++) {
                    answers.get(k).add(keyed.acquireAsync(keys.get(k), 1, Duration.ZERO));
                }
            }
            for (int k = 0; k < keys.size(); k++) {
                for (int i = 0; i < 7; i++) {
                    Permit permit = answers.get(k).get(i).get(20, TimeUnit.SECONDS);
                    assertThat(permit.granted()).as("%s request %d", keys.get(k), i).isEqualTo(i < 5);
                    if (i < 5) {
                        assertThat(permit.remaining()).as("%s request %d", keys.get(k), i).isEqualTo(4L - i);
                    }
                }
            }
            assertThat(engine.stats().failClosedRefusals()).as("requests answered by the policy").isZero();
        }
    }

    @Test
    void everyKeyOfADecisionLiesInOneSlotSoNoDecisionRaisesCrossSlot() {
        List<LimitSpec> specs = List.of(
                FixedWindow.of(2, FOREVER),
                SlidingWindow.of(2, FOREVER),
                SlidingLog.of(2, Duration.ofHours(1)),
                TokenBucket.of(2, Rate.of(1, Duration.ofHours(1))),
                LeakyBucket.meter(2, Rate.of(1, Duration.ofHours(1))));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            names.add("n" + i);
        }
        names.add("{braced}name"); // its own hash tag would differ from the engine's: hashed instead
        names.add("x".repeat(5_000)); // hashed: a bounded tag
        names.add("ünïcode name with spaces");
        String prefix = RedisServer.uniquePrefix("slots");
        try (RedisEngine engine = RedisEngine.builder(cluster.clusterClient()).keyPrefix(prefix).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            int multiKeyPlans = 0;
            for (LimitSpec spec : specs) {
                for (String base : names) {
                    String name = base + "/" + spec.getClass().getSimpleName() + specs.indexOf(spec);
                    Plan plan = Plan.of(suffix -> Keys.key(prefix, name, suffix), spec, Timebase.server(),
                            Duration.ofSeconds(30).toNanos());
                    Set<Integer> slots = new HashSet<>();
                    for (String key : plan.keys()) {
                        slots.add(cluster.slotOf(key));
                    }
                    assertThat(slots).as("slots of " + List.of(plan.keys())).hasSize(1);
                    multiKeyPlans += plan.keys().length > 1 ? 1 : 0;

                    RateLimiter limiter = engine.rateLimiter(name, spec);
                    assertThat(limiter.tryAcquire(1).granted()).isTrue();
                    Permit second = limiter.tryAcquire(1);
                    assertThat(second.granted()).isTrue();
                    assertThat(second.remaining()).isZero();
                    assertThat(limiter.allow(1)).as(spec + " over its limit").isFalse();
                    Set<RedisClusterFixture.Node> holders = new HashSet<>();
                    for (String key : plan.keys()) {
                        holders.add(cluster.holderOf(key));
                    }
                    assertThat(holders).as("nodes holding " + List.of(plan.keys())).hasSize(1);
                }
            }
            assertThat(multiKeyPlans).as("decisions on two keys were among those checked").isPositive();
        }
    }

    @Test
    void aSlotMigratedUnderLiveLimitersKeepsTheirCountsThroughAskAndMovedRedirects() {
        // A client that never refreshes its topology: the old node must answer MOVED, and Lettuce follow it.
        migrateUnderLiveLimiters(cluster.redirectOnlyClusterClient(), true);
    }

    @Test
    void aSlotMigratedUnderLiveLimitersKeepsTheirCountsWithAdaptiveTopologyRefresh() {
        // Lettuce's defaults: the ASK may already refresh its view, so MOVED may never be needed.
        migrateUnderLiveLimiters(cluster.clusterClient(), false);
    }

    private static void migrateUnderLiveLimiters(RedisClusterClient client, boolean expectMoved) {
        String prefix = RedisServer.uniquePrefix("migrate");
        try (RedisEngine engine = RedisEngine.builder(client).keyPrefix(prefix).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            RateLimiter window = engine.rateLimiter("moving-window", FixedWindow.of(10, FOREVER));
            RateLimiter log = engine.rateLimiter("moving-log", SlidingLog.of(6, Duration.ofHours(1)));
            for (int i = 0; i < 4; i++) {
                assertThat(window.allow(1)).isTrue();
                assertThat(log.allow(1)).isTrue();
            }

            String windowKey = Keys.key(prefix, "moving-window", ":fw");
            String logKey = Keys.key(prefix, "moving-log", ":sl");
            RedisClusterFixture.Node windowSource = cluster.holderOf(windowKey);
            RedisClusterFixture.Node logSource = cluster.holderOf(logKey);
            moveAndDecideMidway(windowKey, window, 5L);
            moveAndDecideMidway(logKey, log, 1L);

            // The count continues from where it was: 5 of 10 and 5 of 6 taken.
            decideThroughMoved(windowSource, window, 4L, expectMoved);
            for (long expected = 3; expected >= 0; expected--) {
                Permit permit = window.tryAcquire(1);
                assertThat(permit.granted()).isTrue();
                assertThat(permit.remaining()).isEqualTo(expected);
            }
            assertThat(window.allow(1)).as("the window's limit holds after the move").isFalse();
            decideThroughMoved(logSource, log, 0L, expectMoved);
            assertThat(log.allow(1)).as("the log's limit holds after the move").isFalse();
            assertThat(cluster.holderOf(Keys.key(prefix, "moving-log", ":sl:seq")))
                    .isEqualTo(cluster.holderOf(Keys.key(prefix, "moving-log", ":sl")));
        }
    }

    /**
     * Moves the slot of {@code key} to another master, taking one permit while the slot is half moved (the source
     * answers ASK), then checks the key now lies on the target.
     */
    private static void moveAndDecideMidway(String key, RateLimiter limiter, long remainingMidway) {
        RedisClusterFixture.Node source = cluster.holderOf(key);
        List<RedisClusterFixture.Node> nodes = cluster.nodes();
        RedisClusterFixture.Node target = nodes.get((nodes.indexOf(source) + 1) % nodes.size());
        long asks = RedisClusterFixture.errorCount(source, "ASK");
        cluster.migrateSlot(cluster.slotOf(key), source, target, () -> {
            Permit midway = limiter.tryAcquire(1);
            assertThat(midway.granted()).as("a decision while the slot is migrating").isTrue();
            assertThat(midway.remaining()).isEqualTo(remainingMidway);
            assertThat(RedisClusterFixture.errorCount(source, "ASK")).as("ASK replies of the source")
                    .isGreaterThan(asks);
        });
        assertThat(cluster.holderOf(key)).as("the key's node after the migration").isEqualTo(target);
    }

    /** Takes one permit, which must be granted; if {@code expectMoved}, the old node must have answered MOVED. */
    private static void decideThroughMoved(RedisClusterFixture.Node oldNode, RateLimiter limiter, long remaining,
            boolean expectMoved) {
        long moved = RedisClusterFixture.errorCount(oldNode, "MOVED");
        Permit permit = limiter.tryAcquire(1);
        assertThat(permit.granted()).isTrue();
        assertThat(permit.remaining()).isEqualTo(remaining);
        if (expectMoved) {
            assertThat(RedisClusterFixture.errorCount(oldNode, "MOVED")).as("MOVED replies of the old node")
                    .isGreaterThan(moved);
        }
    }

    @Test
    void manyThreadsOnOneKeyOfTheClusterAdmitExactlyTheLimit() throws InterruptedException {
        assertThat(hammer(FixedWindow.of(500, FOREVER))).isEqualTo(500);
        assertThat(hammer(SlidingLog.of(300, Duration.ofHours(1)))).isEqualTo(300);
    }

    private static long hammer(LimitSpec spec) throws InterruptedException {
        int threads = 8;
        int requests = 150;
        AtomicLong admitted = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        try (RedisEngine engine = engine("hammer")) {
            List<Thread> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                RateLimiter limiter = engine.rateLimiter("hot", spec);
                Thread thread = new Thread(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < requests; i++) {
                            if (limiter.allow(1)) {
                                admitted.incrementAndGet();
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        done.countDown();
                    }
                });
                thread.start();
                started.add(thread);
            }
            go.countDown();
            assertThat(done.await(30, TimeUnit.SECONDS)).as("threads finished").isTrue();
            for (Thread thread : started) {
                thread.join(1_000);
            }
        }
        return admitted.get();
    }

    @Test
    void decisionsContinueWithTheirStateAfterScriptFlushOnEveryNode() {
        String prefix = RedisServer.uniquePrefix("flush");
        try (RedisEngine engine = RedisEngine.builder(cluster.clusterClient()).keyPrefix(prefix).decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            List<RateLimiter> limiters = new ArrayList<>();
            Set<RedisClusterFixture.Node> holders = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                String name = "flushed-" + i;
                RateLimiter limiter = engine.rateLimiter(name, TokenBucket.of(4, Rate.of(1, Duration.ofHours(1))));
                assertThat(limiter.tryAcquire(2).granted()).isTrue();
                limiters.add(limiter);
                holders.add(cluster.holderOf(Keys.key(prefix, name, ":gcra")));
            }
            assertThat(holders).as("limiters on every master").hasSize(3);
            for (RedisClusterFixture.Node node : cluster.nodes()) {
                node.sync().scriptFlush();
                assertThat(node.sync().scriptExists(Script.BUCKET.sha)).containsExactly(false);
            }
            for (RateLimiter limiter : limiters) {
                Permit permit = limiter.tryAcquire(1);
                assertThat(permit.granted()).as(limiter.name()).isTrue();
                assertThat(permit.remaining()).as(limiter.name()).isEqualTo(1);
            }
            for (RedisClusterFixture.Node node : cluster.nodes()) {
                assertThat(node.sync().scriptExists(Script.BUCKET.sha)).as("reloaded on " + node).containsExactly(true);
            }
            // Only one node loses them now (as after a failover to a replica that never had them).
            cluster.nodes().get(1).sync().scriptFlush();
            for (RateLimiter limiter : limiters) {
                assertThat(limiter.allow(1)).as(limiter.name()).isTrue();
                assertThat(limiter.allow(1)).as(limiter.name() + ": the state survived the flushes").isFalse();
            }
        }
    }

    @Test
    void aSharedClusterConnectionStaysOpenAfterTheEngineCloses() {
        RedisClusterClient client = cluster.clusterClient();
        try (StatefulRedisClusterConnection<String, String> shared = client.connect(StringCodec.UTF8)) {
            try (RedisEngine engine = RedisEngine.builder(shared).keyPrefix(RedisServer.uniquePrefix("shared"))
                    .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
                RateLimiter limiter = engine.rateLimiter("one", FixedWindow.of(1, FOREVER));
                assertThat(limiter.allow(1)).isTrue();
                assertThat(limiter.allow(1)).isFalse();
            }
            assertThat(shared.isOpen()).isTrue();
            assertThat(shared.sync().ping()).isEqualTo("PONG");
        }
        assertThatThrownBy(() -> RedisEngine.builder((RedisClusterClient) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client");
        assertThatThrownBy(() -> RedisEngine.builder((StatefulRedisClusterConnection<String, String>) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connection");
    }
}
