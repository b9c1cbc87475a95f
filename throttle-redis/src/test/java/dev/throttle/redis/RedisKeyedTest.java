package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Redis keyed limiter: key {@code k} is the engine's limiter named {@code name + ":" + k}; odd keys (spaces,
 * braces, unicode, 10 kB) work and stay independent, a null key is refused, and nothing is held per key in the JVM.
 */
class RedisKeyedTest {

    private static final List<String> ODD_KEYS = List.of("with spaces", "{braces}", "}{", "ünïcødé ✓ 🚀",
            "k".repeat(10_240), "k".repeat(10_239) + "l", "'); redis.call('FLUSHALL') --", "");

    private final String prefix = RedisServer.uniquePrefix("keyed");
    private final RedisEngine engine = RedisEngine.builder(RedisServer.get().connection()).keyPrefix(prefix).decisionTimeout(RedisServer.DECISION_TIMEOUT).build();

    @Test
    void oddKeysWorkAndStayIndependent() {
        KeyedLimiter<String> keyed = engine.keyed("api", FixedWindow.of(2, Duration.ofMinutes(10)));
        for (String key : ODD_KEYS) {
            assertThat(keyed.tryAcquire(key, 2).granted()).as("first of key of length %d", key.length()).isTrue();
            Permit refused = keyed.tryAcquire(key, 1);
            assertThat(refused.granted()).as("over the limit for key of length %d", key.length()).isFalse();
            assertThat(refused.limiterName()).isEqualTo("api:" + key);
        }
        RedisCommands<String, String> redis = RedisServer.get().connection().sync();
        List<String> keys = redis.keys(prefix + "*");
        assertThat(keys).as("one Redis key per key, each bounded").hasSize(ODD_KEYS.size());
        assertThat(keys).allSatisfy(key -> assertThat(key.length()).isLessThan(prefix.length() + 210));
        assertThat(keys).allSatisfy(key -> assertThat(redis.pttl(key)).isPositive());
        assertThat(keyed.estimatedSize()).as("nothing is held per key in the JVM").isZero();
    }

    @Test
    void aKeysLimiterIsTheEnginesLimiterOfTheCombinedName() {
        KeyedLimiter<Integer> keyed = engine.keyed("route", TokenBucket.of(3, Rate.perMinute(1)));
        assertThat(keyed.allow(7, 2)).isTrue();
        // The same state, reached as a plain limiter named "route:7".
        assertThat(engine.rateLimiter("route:7", TokenBucket.of(3, Rate.perMinute(1))).availablePermits())
                .isEqualTo(1);
        assertThat(keyed.forKey(7).tryAcquire(1).granted()).isTrue();
        assertThat(keyed.allow(7, 1)).isFalse();
        assertThat(keyed.allow(8, 3)).as("another key is untouched").isTrue();
        assertThat(keyed.name()).isEqualTo("route");
        assertThat(keyed.spec()).isEqualTo(TokenBucket.of(3, Rate.perMinute(1)));
        int slot = SlotHash.getSlot(Keys.key(prefix, "route:7", ":gcra"));
        assertThat(RedisServer.get().connection().sync().keys(prefix + "*"))
                .anySatisfy(key -> assertThat(SlotHash.getSlot(key)).isEqualTo(slot));
    }

    /**
     * A keyed limiter works out its spec's script and numbers once and only names each key's Redis keys per call: for
     * every rate algorithm (the sliding log has two keys), and for keys whose names are hashed (braces, 10 kB), a key's
     * limiter must still be the engine's plain limiter of the combined name, state and keys alike, and requests of
     * both sent together must be decided in arrival order.
     */
    @Test
    void everyRateAlgorithmOfAKeyIsThePlainLimiterOfTheCombinedName() throws Exception {
        List<LimitSpec> specs = List.of(FixedWindow.of(3, Duration.ofMinutes(10)),
                SlidingWindow.of(3, Duration.ofMinutes(10)), SlidingLog.of(3, Duration.ofMinutes(10)),
                TokenBucket.of(3, Rate.perMinute(1)), LeakyBucket.meter(3, Rate.perMinute(1)));
        RedisCommands<String, String> redis = RedisServer.get().connection().sync();
        int n = 0;
        for (LimitSpec spec : specs) {
            for (String key : List.of("plain", "{braces}", "k".repeat(10_240))) {
                String name = "same" + n++;
                KeyedLimiter<String> keyed = engine.keyed(name, spec);
                RateLimiter plain = engine.rateLimiter(name + ":" + key, spec);
                assertThat(keyed.allow(key, 2)).as("%s, key of length %d", spec, key.length()).isTrue();
                assertThat(plain.availablePermits()).as("%s: the plain limiter sees the key's grant", spec)
                        .isEqualTo(1);
                // Sent together (one coalesced call, or two in order on the connection): the plain limiter's
                // request arrives first and takes the last permit, so the key's request is refused.
                CompletableFuture<Permit> first = plain.acquireAsync(1, Duration.ZERO);
                CompletableFuture<Permit> second = keyed.acquireAsync(key, 1, Duration.ZERO);
                assertThat(first.get(5, TimeUnit.SECONDS).granted()).as("%s: the last permit", spec).isTrue();
                assertThat(second.get(5, TimeUnit.SECONDS).granted()).as("%s: none left", spec).isFalse();
                assertThat(keyed.allow("other", 3)).as("%s: another key is untouched", spec).isTrue();
                List<String> keys = redis.keys(prefix + "{" + Keys.tag(name + ":" + key) + "}*");
                assertThat(keys).as("%s: the key's state under the combined name's tag", spec).isNotEmpty();
            }
        }
    }

    @Test
    void waitingCallsGoThroughTheKeysLimiter() throws Exception {
        KeyedLimiter<String> keyed = engine.keyed("wait", FixedWindow.of(1, Duration.ofMinutes(10)));
        assertThat(keyed.acquire("a", 1, Duration.ZERO).granted()).isTrue();
        assertThat(keyed.acquire("a", 1, Duration.ZERO).granted()).isFalse();
        assertThat(keyed.acquireAsync("b", 1, Duration.ZERO).get(5, TimeUnit.SECONDS).granted()).isTrue();
        assertThat(keyed.acquireAsync("b", 1, Duration.ZERO).get(5, TimeUnit.SECONDS).granted()).isFalse();
    }

    @Test
    void aNullKeyOrABadSpecIsRefused() {
        KeyedLimiter<String> keyed = engine.keyed("nulls", FixedWindow.of(1, Duration.ofMinutes(1)));
        assertThatThrownBy(() -> keyed.tryAcquire(null, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.allow(null, 1)).hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.forKey(null)).hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.acquire(null, 1, Duration.ZERO)).hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.acquireAsync(null, 1, Duration.ZERO)).hasMessage("key must not be null");
        assertThatThrownBy(() -> keyed.tryAcquire("k", 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> engine.keyed("", FixedWindow.of(1, Duration.ofMinutes(1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> engine.keyed("x", null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(RedisServer.get().connection().sync().keys(prefix + "*")).as("nothing written").isEmpty();
    }

    @Test
    void aKeyedConcurrencyLimitHoldsLeasesPerKey() {
        KeyedLimiter<String> jobs = engine.keyed("jobs", Concurrency.of(1));
        Permit a = jobs.tryAcquire("a", 1);
        assertThat(a.granted()).isTrue();
        Permit refused = jobs.tryAcquire("a", 1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("jobs:a");
        assertThat(refused.retryAfterNanos()).as("when a permit is released").isEqualTo(1L);
        assertThat(jobs.tryAcquire("b", 1).granted()).as("another key's own slot").isTrue();
        assertThatThrownBy(() -> jobs.allow("a", 1)).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("tryAcquire");
        a.close();
        assertThat(jobs.forKey("a").availablePermits()).isEqualTo(1);
        assertThat(jobs.tryAcquire("a", 1).granted()).isTrue();
    }

    @Test
    void aKeyedCompositeHasOneStateForItsSharedPartsAndOnePerKeyForTheOthers() {
        KeyedLimiter<String> checkout = engine.keyed("checkout", AllOf.of(
                AllOf.shared("global", FixedWindow.of(5, Duration.ofMinutes(10))),
                AllOf.perKey("client", FixedWindow.of(2, Duration.ofMinutes(10)))));
        Permit first = checkout.tryAcquire("alice", 2);
        assertThat(first.granted()).isTrue();
        assertThat(first.limiterName()).isEqualTo("checkout:alice");
        assertThat(checkout.tryAcquire("alice", 1).limiterName()).as("alice's own window is spent").isEqualTo("client");
        assertThat(checkout.tryAcquire("bob", 2).granted()).as("bob's window is his own").isTrue();
        Permit global = checkout.tryAcquire("carol", 2);
        assertThat(global.granted()).isFalse();
        assertThat(global.limiterName()).as("the shared window counts every key's").isEqualTo("global");
        assertThat(checkout.tryAcquire("carol", 1).granted()).isTrue();
        assertThat(checkout.estimatedSize()).isZero();
    }

    @Test
    void everyKeyOfAKeyedCompositesDecisionLiesInOneSlot() {
        KeyedLimiter<String> withShared = engine.keyed("route", AllOf.of(
                AllOf.shared("global", FixedWindow.of(100, Duration.ofMinutes(1))),
                AllOf.perKey("client", SlidingLog.of(5, Duration.ofMinutes(1))),
                AllOf.shared("db", Concurrency.of(5))));
        KeyedLimiter<String> perKeyOnly = engine.keyed("tenant", AllOf.of(
                AllOf.perKey("minute", FixedWindow.of(5, Duration.ofMinutes(1))),
                AllOf.perKey("slots", Concurrency.of(2))));
        for (String key : ODD_KEYS) {
            String[] shared = ((RedisAllOfLimiter) withShared.forKey(key)).keys();
            assertThat(shared).hasSize(5).allSatisfy(redisKey -> {
                assertThat(SlotHash.getSlot(redisKey)).as("under the composite's name")
                        .isEqualTo(SlotHash.getSlot(Keys.key(prefix, "route", "")));
                assertThat(redisKey.length()).isLessThan(prefix.length() + 300);
            });
            String[] own = ((RedisAllOfLimiter) perKeyOnly.forKey(key)).keys();
            assertThat(own).hasSize(3).allSatisfy(redisKey -> assertThat(SlotHash.getSlot(redisKey))
                    .as("under the key's own name").isEqualTo(SlotHash.getSlot(Keys.key(prefix, "tenant:" + key, ""))));
            try (Permit permit = withShared.tryAcquire(key, 1); Permit other = perKeyOnly.tryAcquire(key, 1)) {
                assertThat(permit.granted()).as("key of length %d", key.length()).isTrue();
                assertThat(other.granted()).isTrue();
            }
        }
        RedisCommands<String, String> redis = RedisServer.get().connection().sync();
        assertThat(redis.keys(prefix + "*")).allSatisfy(key -> assertThat(redis.pttl(key)).isPositive());
    }
}
