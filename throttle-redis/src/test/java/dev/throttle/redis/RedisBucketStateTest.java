package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.KeyedLimiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How a bucket's state (its theoretical arrival time) is stored: the 8 bytes of a big-endian double, which the scripts
 * write and read without formatting or parsing a decimal (see {@code bucket_tat.lua}); a decimal time, as an earlier
 * version wrote it, keeps its meaning on every path a decision takes (a lone call, a batch of one limit, a call of many
 * keys). And a call of many keys, which reads every bucket at once, still lets two specs under one name, sharing one
 * key, each see what the other wrote in the same call.
 */
class RedisBucketStateTest extends CoalescingServer {

    /** 10 permits, one per 100 ms. */
    private static final TokenBucket TEN = TokenBucket.of(10, Rate.perSecond(10));
    private static final long INTERVAL = 100_000_000L;

    private static RedisEngine engine(ManualClock clock, String prefix) {
        return RedisEngine.builder(client, server.uri())
                .keyPrefix(prefix)
                .ticker(clock)
                .scheduler(clock)
                .refusalCache(false)
                .minExpiry(Duration.ofMinutes(5))
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build();
    }

    /** The bucket key of a limiter of this name under the prefix (see {@link Keys}). */
    private static String bucketKey(String prefix, String name) {
        return Keys.key(prefix, name, ":gcra");
    }

    @Test
    void aBucketsTimeIsStoredAsTheEightBytesOfABigEndianDouble() {
        ManualClock clock = new ManualClock(SideBySide.START);
        String prefix = RedisServer.uniquePrefix("state-bytes");
        try (RedisEngine engine = engine(clock, prefix);
                StatefulRedisConnection<byte[], byte[]> raw = client.connect(ByteArrayCodec.INSTANCE, server.uri())) {
            RateLimiter limiter = engine.rateLimiter("fmt", TEN);
            assertThat(limiter.tryAcquire(3).remaining()).isEqualTo(7L);

            byte[] stored = raw.sync().get(bucketKey(prefix, "fmt").getBytes(StandardCharsets.UTF_8));
            assertThat(stored).hasSize(8);
            assertThat(ByteBuffer.wrap(stored).getDouble()).as("a bucket at rest moved three intervals on")
                    .isEqualTo((double) (SideBySide.START + 3 * INTERVAL));
            assertThat(limiter.tryAcquire(1).remaining()).as("read back exactly").isEqualTo(6L);
        }
    }

    @Test
    void aTimeWrittenInDecimalByAnEarlierVersionKeepsItsMeaningOnEveryPath() throws Exception {
        ManualClock clock = new ManualClock(SideBySide.START);
        String prefix = RedisServer.uniquePrefix("state-decimal");
        try (RedisEngine engine = engine(clock, prefix);
                StatefulRedisConnection<String, String> text = client.connect(StringCodec.UTF8, server.uri())) {
            KeyedLimiter<String> keyed = engine.keyed("old", TEN);
            // Three permits already taken, as an earlier version wrote it: the time in decimal.
            String drained = Long.toString(SideBySide.START + 3 * INTERVAL);
            SetArgs oneMinute = SetArgs.Builder.px(60_000L);
            for (String key : List.of("lone", "batch", "multi-a", "multi-b")) {
                text.sync().set(bucketKey(prefix, "old:" + key), drained, oneMinute);
            }

            assertThat(keyed.tryAcquire("lone", 1).remaining()).as("a lone call").isEqualTo(6L);

            List<CompletableFuture<Permit>> batch = new ArrayList<>();
            List<CompletableFuture<Permit>> multi = new ArrayList<>();
            try (ConnectionHold hold = ConnectionHold.on(server, () -> keyed.acquireAsync("hold", 1, Duration.ZERO))) {
                batch.add(keyed.acquireAsync("batch", 1, Duration.ZERO));
                batch.add(keyed.acquireAsync("batch", 1, Duration.ZERO));
                assertThat(hold.held()).isTrue();
            }
            assertThat(remaining(batch)).as("a batch of one limit").containsExactly(6L, 5L);
            try (ConnectionHold hold = ConnectionHold.on(server, () -> keyed.acquireAsync("hold", 1, Duration.ZERO))) {
                multi.add(keyed.acquireAsync("multi-a", 1, Duration.ZERO));
                multi.add(keyed.acquireAsync("multi-b", 2, Duration.ZERO));
                multi.add(keyed.acquireAsync("multi-a", 1, Duration.ZERO));
                assertThat(hold.held()).isTrue();
            }
            assertThat(remaining(multi)).as("a call of many keys").containsExactly(6L, 5L, 5L);
        }
    }

    @Test
    void twoSpecsUnderOneNameInOneCallOfManyKeysEachSeeWhatTheOtherWrote() throws Exception {
        ManualClock clock = new ManualClock(SideBySide.START);
        String prefix = RedisServer.uniquePrefix("state-shared");
        try (RedisEngine engine = engine(clock, prefix)) {
            KeyedLimiter<String> ten = engine.keyed("shared", TEN);
            KeyedLimiter<String> twenty = engine.keyed("shared", TokenBucket.of(20, Rate.perSecond(10)));
            List<CompletableFuture<Permit>> answers = new ArrayList<>();
            try (ConnectionHold hold = ConnectionHold.on(server, () -> ten.acquireAsync("hold", 1, Duration.ZERO))) {
                answers.add(ten.acquireAsync("k", 2, Duration.ZERO));
                answers.add(twenty.acquireAsync("k", 3, Duration.ZERO));
                answers.add(ten.acquireAsync("other", 1, Duration.ZERO)); // a third key, so the call is of many keys
                assertThat(hold.held()).isTrue();
            }
            // One key, one time: the bucket of 20 sees the 2 permits the bucket of 10 took before it in the call.
            assertThat(remaining(answers)).containsExactly(8L, 15L, 9L);
            assertThat(twenty.tryAcquire("k", 1).remaining()).as("and both writes stand").isEqualTo(14L);
        }
    }

    @Test
    void threeSpecsUnderOneNameInterleavedInOneCallAreEachTakenInTheirOwnArrivalOrder() throws Exception {
        ManualClock clock = new ManualClock(SideBySide.START);
        String prefix = RedisServer.uniquePrefix("state-three");
        try (RedisEngine engine = engine(clock, prefix)) {
            KeyedLimiter<String> ten = engine.keyed("shared", TEN);
            KeyedLimiter<String> twenty = engine.keyed("shared", TokenBucket.of(20, Rate.perSecond(10)));
            KeyedLimiter<String> thirty = engine.keyed("shared", TokenBucket.of(30, Rate.perSecond(10)));
            List<CompletableFuture<Permit>> answers = new ArrayList<>();
            try (ConnectionHold hold = ConnectionHold.on(server, () -> ten.acquireAsync("hold", 1, Duration.ZERO))) {
                answers.add(ten.acquireAsync("k", 2, Duration.ZERO));
                answers.add(twenty.acquireAsync("k", 3, Duration.ZERO));
                answers.add(thirty.acquireAsync("k", 1, Duration.ZERO));
                answers.add(ten.acquireAsync("k", 1, Duration.ZERO));
                answers.add(twenty.acquireAsync("k", 2, Duration.ZERO));
                answers.add(ten.acquireAsync("other", 1, Duration.ZERO));
                assertThat(hold.held()).isTrue();
            }
            // One call takes each limit's requests together, the limits in the order of their first request: on the
            // shared key, ten's 2 and 1 (tat +300 ms), twenty's 3 and 2 (+800 ms), thirty's 1 (+900 ms); each
            // remaining is (capacity - the time ahead) / 100 ms. Three limits share the first key here: merging two
            // of them, or losing one from the call's chain of them, decides in another order and answers otherwise.
            assertThat(remaining(answers)).containsExactly(8L, 14L, 21L, 7L, 12L, 9L);
            assertThat(thirty.tryAcquire("k", 1).remaining()).as("every write stands").isEqualTo(20L);
        }
    }

    private static List<Long> remaining(List<CompletableFuture<Permit>> answers) throws Exception {
        List<Long> remaining = new ArrayList<>();
        for (CompletableFuture<Permit> answer : answers) {
            Permit permit = answer.get(ANSWER.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(permit.granted()).isTrue();
            remaining.add(permit.remaining());
        }
        return remaining;
    }
}
