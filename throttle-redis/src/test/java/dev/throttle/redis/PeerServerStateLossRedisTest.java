package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server losing what the limiters rely on, as Bucket4j's distributed-bucket tests remove a bucket's state behind
 * its proxy ({@code testReconstructRecoveryStrategy}): after FLUSHALL every kind of limiter starts again from rest and
 * limits again (throttle has no "bucket not found" mode: an absent key is a limiter at rest); after SCRIPT FLUSH, as
 * after a restart, every kind of call (decisions, give-backs, releases, coalesced asynchronous decisions, a keyed
 * composite) reloads the scripts and works. On a server of this class's own, since FLUSHALL would wipe the state of
 * every test sharing {@link RedisServer}.
 */
class PeerServerStateLossRedisTest {

    private static RedisProcess redis;
    private static RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisEngine engine;

    @BeforeAll
    static void startServer() {
        redis = RedisProcess.start();
        client = RedisClient.create();
    }

    @AfterAll
    static void stopServer() {
        client.shutdown();
        redis.close();
    }

    @BeforeEach
    void open() {
        connection = client.connect(StringCodec.UTF8, redis.uri());
        // No refusal cache: a refusal served from this JVM would not show what the server decides after the loss.
        engine = RedisEngine.builder(connection).keyPrefix(RedisServer.uniquePrefix("peer-loss")).refusalCache(false)
                .leaseTtl(Duration.ofMinutes(10)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    @AfterEach
    void close() {
        engine.close();
        connection.close();
    }

    /** One limiter of every kind, each with room for exactly 3 permits in the hour of the test. */
    private Map<String, Limiter> limiters() {
        Duration hour = Duration.ofHours(1);
        Map<String, LimitSpec> specs = new LinkedHashMap<>();
        specs.put("token-bucket", TokenBucket.of(3, Rate.of(3, hour)));
        specs.put("leaky-meter", LeakyBucket.meter(3, Rate.of(3, hour)));
        specs.put("fixed-window", FixedWindow.of(3, hour));
        specs.put("sliding-window", SlidingWindow.of(3, hour));
        specs.put("sliding-log", SlidingLog.of(3, hour));
        specs.put("concurrency", Concurrency.of(3));
        specs.put("all-of", AllOf.of(AllOf.shared("a", FixedWindow.of(3, hour)),
                AllOf.shared("b", SlidingLog.of(5, hour)), AllOf.shared("c", TokenBucket.of(4, Rate.of(4, hour)))));
        Map<String, Limiter> limiters = new LinkedHashMap<>();
        specs.forEach((name, spec) -> limiters.put(name, engine.limiter(name, spec)));
        return limiters;
    }

    /** Takes the 3 permits of every limiter, checks each is then full, and returns the permits (held open). */
    private static List<Permit> fill(Map<String, Limiter> limiters) {
        List<Permit> held = new ArrayList<>();
        limiters.forEach((name, limiter) -> {
            Permit permit = limiter.tryAcquire(3);
            assertThat(permit.granted()).as("%s: 3 permits", name).isTrue();
            held.add(permit);
            assertThat(limiter.tryAcquire(1).granted()).as("%s: full", name).isFalse();
        });
        return held;
    }

    @Test
    void afterFlushAllEveryKindOfLimiterStartsAgainFromRestAndLimitsAgain() {
        Map<String, Limiter> limiters = limiters();
        fill(limiters);
        redis.command("FLUSHALL");
        limiters.forEach((name, limiter) -> {
            assertThat(limiter.availablePermits()).as("%s at rest after FLUSHALL", name).isEqualTo(3);
            assertThat(limiter.tryAcquire(3).granted()).as("%s after FLUSHALL", name).isTrue();
            assertThat(limiter.tryAcquire(1).granted()).as("%s full again", name).isFalse();
        });
        assertThat(engine.stats().redisFailures()).isZero();
    }

    @Test
    void afterScriptFlushEveryKindOfCallReloadsTheScriptsAndWorks() throws Exception {
        Map<String, Limiter> limiters = limiters();
        KeyedLimiter<String> keyed = engine.keyed("keyed", AllOf.of(
                AllOf.shared("global", FixedWindow.of(100, Duration.ofHours(1))),
                AllOf.perKey("each", Concurrency.of(1))));
        List<Permit> held = fill(limiters);
        Permit keyedPermit = keyed.tryAcquire("x", 1);
        assertThat(keyedPermit.granted()).isTrue();

        redis.scriptFlush();
        held.forEach(Permit::giveBack); // settles (rate limiters) and releases (concurrency) after the flush
        keyedPermit.close();
        limiters.forEach((name, limiter) -> assertThat(limiter.availablePermits())
                .as("%s after giving back", name).isEqualTo(afterGivingBack(name)));

        redis.scriptFlush();
        Limiter window = engine.limiter("async", FixedWindow.of(5, Duration.ofHours(1)));
        List<CompletableFuture<Permit>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(window.acquireAsync(1, Duration.ZERO));
        }
        int granted = 0;
        for (CompletableFuture<Permit> answer : answers) {
            granted += answer.get(30, TimeUnit.SECONDS).granted() ? 1 : 0;
        }
        assertThat(granted).as("asynchronous decisions right after the flush").isEqualTo(5);

        redis.scriptFlush();
        assertThat(keyed.tryAcquire("x", 1).granted()).as("the key's slot was released").isTrue();
        assertThat(keyed.tryAcquire("x", 1).granted()).isFalse();
        assertThat(engine.stats().redisFailures()).isZero();
    }

    /**
     * What giving back all 3 permits leaves: everything, except where a sliding log counts. Its permits stay logged
     * (SlidingLogLimiter: "Giving back ... is a no-op: the log cannot un-log", and the Redis log does the same), so
     * the log has 0 left and the all-of composite the least of its parts, 2 (its log of 5 still holds 3).
     */
    private static long afterGivingBack(String name) {
        return switch (name) {
            case "sliding-log" -> 0;
            case "all-of" -> 2;
            default -> 3;
        };
    }
}
