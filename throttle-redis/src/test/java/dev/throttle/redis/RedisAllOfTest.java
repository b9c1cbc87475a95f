package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.AllOf;
import dev.throttle.ClientSideThrottling;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * All-of composites in one script: all or nothing (a refusal by one part spends nothing in the others), the refusal
 * names the first refusing part, every key lies in one cluster slot, and a decision is one round trip.
 */
class RedisAllOfTest {

    private static final long MS = 1_000_000L;
    private static final Pattern STAT = Pattern.compile("cmdstat_([^:]+):calls=(\\d+)");
    private static final Pattern CALL = Pattern.compile("redis\\.call\\('([A-Za-z]+)'");

    private static RedisEngine engine(String what) {
        return RedisEngine.builder(RedisServer.get().connection()).keyPrefix(RedisServer.uniquePrefix(what)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    /** A composite of shared parts, given as name, spec, name, spec... */
    private static AllOf parts(Object... nameSpec) {
        List<AllOf.Part> parts = new ArrayList<>();
        for (int i = 0; i < nameSpec.length; i += 2) {
            parts.add(AllOf.shared((String) nameSpec[i], (LimitSpec) nameSpec[i + 1]));
        }
        return new AllOf(parts);
    }

    @Test
    void aRefusalByOnePartSpendsNothingInTheOthers() {
        RedisAllOfLimiter all = (RedisAllOfLimiter) engine("allof-atomic").limiter("api", parts(
                "global", FixedWindow.of(10, RedisServer.DECADE),
                "client", TokenBucket.of(4, Rate.perMinute(1)),
                "route", SlidingLog.of(6, Duration.ofMinutes(1)),
                "smooth", SlidingWindow.of(8, Duration.ofMinutes(1))));
        Permit granted = all.tryAcquire(3);
        assertThat(granted.granted()).isTrue();
        assertThat(granted.limiterName()).isEqualTo("api");
        assertThat(granted.remaining()).as("the tightest part's").isEqualTo(1);
        assertThat(granted.limit()).isEqualTo(4);
        assertThat(available(all)).containsExactly(7L, 1L, 3L, 5L);

        Permit refused = all.tryAcquire(2); // the bucket has 1 left: it refuses, the others would grant
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("client");
        assertThat(refused.remaining()).isEqualTo(1);
        assertThat(refused.limit()).isEqualTo(4);
        // Server time: the bucket's next permit is a minute after the first grant, a few milliseconds ago.
        assertThat(refused.retryAfterNanos())
                .isBetween(Duration.ofSeconds(50).toNanos(), Duration.ofMinutes(1).toNanos());
        assertThat(available(all)).as("nothing spent anywhere").containsExactly(7L, 1L, 3L, 5L);

        assertThat(all.tryAcquire(1).granted()).isTrue();
        assertThat(available(all)).containsExactly(6L, 0L, 2L, 4L);
        assertThat(all.availablePermits()).isZero();
    }

    @Test
    void theFirstRefusingPartInOrderIsNamed() {
        Limiter all = engine("allof-first").limiter("api", parts(
                "wide", FixedWindow.of(5, RedisServer.DECADE),
                "narrow", FixedWindow.of(2, RedisServer.DECADE),
                "narrower", FixedWindow.of(2, RedisServer.DECADE)));
        assertThat(all.tryAcquire(2).granted()).isTrue();
        assertThat(all.tryAcquire(1).limiterName()).isEqualTo("narrow");
        assertThat(all.tryAcquire(2).granted()).as("again nothing spent").isFalse();
        Limiter twoParts = engine("allof-list").limiter("pos", parts(
                "pos[0]", FixedWindow.of(1, RedisServer.DECADE),
                "pos[1]", FixedWindow.of(3, RedisServer.DECADE)));
        assertThat(twoParts.tryAcquire(1).granted()).isTrue();
        assertThat(twoParts.tryAcquire(1).limiterName()).isEqualTo("pos[0]");
    }

    @Test
    void everyKeyLiesInOneClusterSlot() {
        RedisServer server = RedisServer.get();
        String prefix = RedisServer.uniquePrefix("allof-slot");
        RedisEngine engine = RedisEngine.builder(server.connection()).keyPrefix(prefix).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
        RedisAllOfLimiter all = (RedisAllOfLimiter) engine.limiter("tenant:42 {odd} name", parts(
                "a", FixedWindow.of(5, Duration.ofMinutes(1)),
                "b", SlidingLog.of(5, Duration.ofMinutes(1)),
                "c", TokenBucket.of(5, Rate.perMinute(5)),
                "d", Concurrency.of(5)));
        Set<Integer> slots = new HashSet<>();
        for (String key : all.keys()) {
            slots.add(SlotHash.getSlot(key));
        }
        assertThat(all.keys()).hasSize(6);
        assertThat(slots).hasSize(1);
        assertThat(all.tryAcquire(1).granted()).isTrue();
        try (StatefulRedisConnection<String, String> admin = server.newConnection()) {
            List<String> written = admin.sync().keys(prefix + "*");
            assertThat(written).hasSize(6).allSatisfy(key -> {
                assertThat(SlotHash.getSlot(key)).isEqualTo(slots.iterator().next());
                assertThat(admin.sync().pttl(key)).as("every key written expires").isPositive();
            });
        }
    }

    @Test
    void eachCompositeDecisionIsExactlyOneEvalsha() {
        RedisServer server = RedisServer.get();
        try (StatefulRedisConnection<String, String> admin = server.newConnection()) {
            RedisEngine engine = RedisEngine.builder(server.connection())
                    .keyPrefix(RedisServer.uniquePrefix("allof-roundtrip")).decisionTimeout(RedisServer.DECISION_TIMEOUT)
                    .refusalCache(false) // a cached refusal makes no round trip (RedisAllOfRefusalCacheTest)
                    .build();
            Limiter all = engine.limiter("api", parts(
                    "global", FixedWindow.of(5, Duration.ofMinutes(1)),
                    "client", TokenBucket.of(3, Rate.perMinute(1)),
                    "route", SlidingLog.of(4, Duration.ofMinutes(1)),
                    "smooth", SlidingWindow.of(4, Duration.ofMinutes(1))));
            all.tryAcquire(1); // warm up: the scripts are loaded on the connection before
            Map<String, Long> before = commandStats(admin);
            int refusals = 0;
            for (int i = 0; i < 8; i++) {
                refusals += all.tryAcquire(1).granted() ? 0 : 1;
            }
            Map<String, Long> after = commandStats(admin);
            assertThat(refusals).isPositive();
            assertThat(after.getOrDefault("evalsha", 0L) - before.getOrDefault("evalsha", 0L)).isEqualTo(8);
            Set<String> insideScripts = new HashSet<>();
            Matcher call = CALL.matcher(Script.COMPOSITE.text);
            while (call.find()) {
                insideScripts.add(call.group(1).toLowerCase(Locale.ROOT));
            }
            Map<String, Long> others = new HashMap<>();
            for (String command : after.keySet()) {
                long calls = after.get(command) - before.getOrDefault(command, 0L);
                if (calls != 0 && !command.equals("evalsha") && !command.equals("info")
                        && !insideScripts.contains(command)) {
                    others.put(command, calls);
                }
            }
            assertThat(others).as("commands other than EVALSHA during the decisions").isEmpty();
        }
    }

    @Test
    void aConcurrencyPartHoldsALeaseUntilClose() {
        Limiter all = engine("allof-lease").limiter("jobs", parts(
                "rate", FixedWindow.of(100, RedisServer.DECADE),
                "slots", Concurrency.of(2)));
        assertThat(all).isNotInstanceOf(RateLimiter.class);
        Permit first = all.tryAcquire(2);
        assertThat(first.granted()).isTrue();
        Permit refused = all.tryAcquire(1);
        assertThat(refused.limiterName()).isEqualTo("slots");
        assertThatThrownBy(() -> first.settle(3)).isInstanceOf(IllegalArgumentException.class);
        first.settle(1); // gives one slot back, and one window permit
        Permit second = all.tryAcquire(1);
        assertThat(second.granted()).isTrue();
        assertThat(all.tryAcquire(1).granted()).isFalse();
        first.close();
        first.close();
        second.close();
        assertThat(all.tryAcquire(2).granted()).isTrue();
        // 2 + 1 (refused: nothing) - 1 (settled) + 1 + 2 = 4 window permits spent
        assertThat(((RedisAllOfLimiter) all).availablePermits(0)).isEqualTo(96);
    }

    @Test
    void rateCompositesAreRateLimitersAndSettleEveryPart() {
        Limiter all = engine("allof-settle").limiter("llm", parts(
                "window", FixedWindow.of(100, RedisServer.DECADE),
                "bucket", TokenBucket.of(50, Rate.perMinute(50))));
        assertThat(all).isInstanceOf(RateLimiter.class);
        Permit estimate = all.tryAcquire(40);
        estimate.settle(10);
        RedisAllOfLimiter composite = (RedisAllOfLimiter) all;
        assertThat(composite.availablePermits(0)).isEqualTo(90);
        assertThat(composite.availablePermits(1)).isEqualTo(40);
        assertThatThrownBy(() -> estimate.settle(5)).isInstanceOf(IllegalStateException.class);
        all.tryAcquire(1).settle(21); // 20 more: debt allowed in both
        assertThat(composite.availablePermits(0)).isEqualTo(69);
        assertThat(composite.availablePermits(1)).isEqualTo(19);
        assertThat(((RateLimiter) all).allow(20)).isFalse();
        assertThat(((RateLimiter) all).allow(19)).isTrue();
    }

    @Test
    void aWaiterRetriesAtTheRefusingPartsRetryTime() throws Exception {
        ManualClock clock = new ManualClock(1_000_000_000_000L);
        RedisEngine engine = RedisEngine.builder(RedisServer.get().connection())
                .keyPrefix(RedisServer.uniquePrefix("allof-wait"))
                .ticker(clock).scheduler(clock).minExpiry(Duration.ofMinutes(1)).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
        Limiter all = engine.limiter("api", parts(
                "window", FixedWindow.of(1, Duration.ofMillis(100)),
                "bucket", TokenBucket.of(10, Rate.perSecond(10))));
        assertThat(all.tryAcquire(1).granted()).isTrue();
        Permit impatient = all.acquireAsync(1, Duration.ofMillis(99)).get(5, TimeUnit.SECONDS);
        assertThat(impatient.granted()).as("the retry time is past the deadline: refused at once").isFalse();
        assertThat(impatient.retryAfterNanos()).isEqualTo(100 * MS);
        CompletableFuture<Permit> waiting = all.acquireAsync(1, Duration.ofMillis(150));
        RedisConcurrencyTest.awaitPendingTask(clock);
        clock.advance(100 * MS);
        assertThat(waiting.get(5, TimeUnit.SECONDS).granted()).isTrue();
    }

    @Test
    void badCompositesAreRefused() {
        RedisEngine engine = engine("allof-bad");
        assertThatThrownBy(() -> engine.limiter("", parts("a", Concurrency.of(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> engine.limiter("x", AllOf.of(AllOf.shared("a", FixedWindow.of(5,
                Duration.ofMinutes(1))), AllOf.perKey("client", Concurrency.of(2)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client")
                .hasMessageContaining("keyed()");
        assertThatThrownBy(() -> engine.limiter("x", parts("a", FixedWindow.of(5, Duration.ofMinutes(1)),
                "b", ClientSideThrottling.defaults())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only the local engine");
        assertThatThrownBy(() -> engine.rateLimiter("x", parts("a", FixedWindow.of(5, Duration.ofMinutes(1)),
                "b", Concurrency.of(2)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a rate spec");
        Limiter all = engine.limiter("x", parts("a", FixedWindow.of(5, Duration.ofMinutes(1)), "b",
                Concurrency.of(2)));
        assertThatThrownBy(() -> all.tryAcquire(3)).as("above the smallest capacity")
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(RedisServer.get().connection().sync().keys("*allof-bad*")).as("nothing written").isEmpty();
    }

    private static long[] available(RedisAllOfLimiter all) {
        int parts = ((AllOf) all.spec()).parts().size();
        long[] available = new long[parts];
        for (int i = 0; i < parts; i++) {
            available[i] = all.availablePermits(i);
        }
        return available;
    }

    private static Map<String, Long> commandStats(StatefulRedisConnection<String, String> admin) {
        Map<String, Long> stats = new HashMap<>();
        Matcher matcher = STAT.matcher(admin.sync().info("commandstats"));
        while (matcher.find()) {
            stats.put(matcher.group(1), Long.parseLong(matcher.group(2)));
        }
        return stats;
    }
}
