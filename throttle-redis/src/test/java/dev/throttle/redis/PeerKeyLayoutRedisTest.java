package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.LeakyBucket;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What peers check of the keys a limiter leaves in Redis, in throttle's terms: Spring Cloud Gateway's
 * {@code RedisRateLimiterTests} give their keys a TTL and a hash tag ({@code keysUseRedisKeyHashTags}), and
 * rate-limiter-flexible's Redis tests expect a key to expire once its duration is over. Here every key expires within
 * the longest rest time of the limiters that wrote it, whatever wrote it (grants, refusals, settles above and below
 * the grant, a shrunk lease, composites, keyed composites with odd keys), and all the keys of one limiter lie in one
 * cluster slot, under a non-empty tag without braces, whatever its name.
 */
class PeerKeyLayoutRedisTest {

    private static final Duration HOUR = Duration.ofHours(1);

    private final RedisCommands<String, String> redis = RedisServer.get().connection().sync();
    private final String prefix = RedisServer.uniquePrefix("peer-keys");
    private final RedisEngine engine = RedisEngine.builder(RedisServer.get().connection()).keyPrefix(prefix)
            .refusalCache(false).leaseTtl(Duration.ofMinutes(10)).decisionTimeout(RedisServer.DECISION_TIMEOUT)
            .build();

    @AfterEach
    void close() {
        engine.close();
    }

    /** Takes 3 permits of a limiter with room for 3, checks a fourth is refused, and returns the grant (held). */
    private Permit fill(String name, Limiter limiter) {
        Permit permit = limiter.tryAcquire(3);
        assertThat(permit.granted()).as("%s: 3 permits", name).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).as("%s: full", name).isFalse();
        return permit;
    }

    @Test
    void everyKeyExpiresWithinTheRestTimeOfWhatWroteIt() {
        fill("token-bucket", engine.limiter("token-bucket", TokenBucket.of(3, Rate.of(3, HOUR)))).settle(5);
        fill("leaky-meter", engine.limiter("leaky-meter", LeakyBucket.meter(3, Rate.of(3, HOUR))));
        fill("fixed-window", engine.limiter("fixed-window", FixedWindow.of(3, HOUR))).settle(1);
        fill("sliding-window", engine.limiter("sliding-window", SlidingWindow.of(3, HOUR))).settle(9);
        fill("sliding-log", engine.limiter("sliding-log", SlidingLog.of(3, HOUR))).settle(4);
        fill("concurrency", engine.limiter("concurrency", Concurrency.of(3))).settle(1);
        fill("all-of", engine.limiter("all-of", AllOf.of(AllOf.shared("a", FixedWindow.of(3, HOUR)),
                AllOf.shared("b", SlidingLog.of(5, HOUR)), AllOf.shared("c", TokenBucket.of(4, Rate.of(4, HOUR))))))
                .settle(0);
        KeyedLimiter<String> keyed = engine.keyed("keyed", AllOf.of(
                AllOf.shared("global", FixedWindow.of(100, HOUR)),
                AllOf.perKey("each", SlidingLog.of(2, Duration.ofMinutes(5)))));
        for (String key : List.of("a", "{b}", "ü ✓", "k".repeat(500))) {
            assertThat(keyed.tryAcquire(key, 1).granted()).as("key of %d chars", key.length()).isTrue();
        }

        List<String> keys = redis.keys(prefix + "*");
        assertThat(keys).as("one or two keys per limiter and per key of the keyed one").hasSizeGreaterThan(10);
        // The longest rest time here: a sliding window's count weighs on the next window too, so its state is at
        // rest two windows after the last write; the bucket's debt of 5 at 3 an hour is paid in 100 minutes.
        long longestRestMillis = 2 * HOUR.toMillis();
        for (String key : keys) {
            long pttl = redis.pttl(key);
            if (pttl == -2L) {
                // Gone since KEYS listed it: a state given back to rest (the all-of's settle(0)) expires after the
                // least expiry, 1 ms, which a slow machine can let pass in between. Expired is within its rest time.
                continue;
            }
            assertThat(pttl).as("PTTL of %s (-1: no expiry)", key).isPositive().isLessThanOrEqualTo(longestRestMillis);
        }
    }

    @Test
    void everyKeyOfALimiterLiesInOneSlotWhateverItsName() {
        List<String> names = List.of("plain", "a{b}c", "{", "}", "{}", "x".repeat(200), "x".repeat(201),
                "ü ✓ 🚀", "with:colons and spaces", "\n\t\u0000");
        for (String name : names) {
            assertThat(engine.limiter(name, SlidingLog.of(2, Duration.ofMinutes(5))).tryAcquire(1).granted())
                    .as("log of a name of %d chars", name.length()).isTrue();
            assertThat(engine.limiter(name + "#cc", Concurrency.of(2)).tryAcquire(1).granted())
                    .as("concurrency of a name of %d chars", name.length()).isTrue();
        }
        Map<String, Integer> slotByTag = new LinkedHashMap<>();
        List<String> keys = redis.keys(prefix + "*");
        assertThat(keys).as("two keys per log and two per concurrency limit").hasSize(names.size() * 4);
        for (String key : keys) {
            String tag = key.substring(prefix.length() + 1, key.indexOf('}', prefix.length()));
            assertThat(tag).isNotEmpty().doesNotContain("{");
            Integer slot = slotByTag.putIfAbsent(tag, SlotHash.getSlot(key));
            if (slot != null) {
                assertThat(SlotHash.getSlot(key)).as("the keys of tag %s in one slot", tag).isEqualTo(slot);
            }
            assertThat(key.length()).as("a bounded key").isLessThan(prefix.length() + 220);
        }
        assertThat(slotByTag).as("one tag per limiter").hasSize(names.size() * 2);
    }
}
