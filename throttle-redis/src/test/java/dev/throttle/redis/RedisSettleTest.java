package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Settling on Redis: every call runs on the local engine and the Redis engine side by side on one manual clock (the
 * answers must match), with the numbers of the local engine's own settle tests asserted as well. The sliding log has
 * no local engine in this build, so its numbers are asserted alone.
 */
class RedisSettleTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MILLI = 1_000_000L;

    private final SideBySide both = new SideBySide();

    @Test
    void tokenBucketTakesTheExtraOrGivesBackTheRest() {
        SideBySide.Twin bucket = both.twin("tokens", TokenBucket.of(100, Rate.perSecond(100)));
        bucket.tryAcquire(50).settle(10);
        assertThat(bucket.available()).isEqualTo(90);
        bucket.tryAcquire(50).settle(120);
        assertThat(bucket.available()).isZero();
        assertThat(bucket.tryAcquire(1).granted()).isFalse();
        // 130 used of 100: 30 permits (300 ms) of debt before the first one comes back.
        both.clock.advance(309 * MILLI);
        assertThat(bucket.available()).isZero();
        both.clock.advance(MILLI);
        assertThat(bucket.available()).isEqualTo(1);
    }

    @Test
    void aRefundNeverFillsTheBucketPastFull() {
        SideBySide.Twin bucket = both.twin("refund", TokenBucket.of(10, Rate.perSecond(10)));
        SideBySide.Pair early = bucket.tryAcquire(4);
        both.clock.advance(2 * SECOND); // full again long since
        early.settle(0);
        assertThat(bucket.available()).isEqualTo(10);
        assertThat(bucket.tryAcquire(10).granted()).isTrue();
        assertThat(bucket.tryAcquire(1).granted()).as("the refund added nothing past full").isFalse();
    }

    @Test
    void leakyMeterAndShapingQueueSettleLikeTheBuckets() {
        SideBySide.Twin meter = both.twin("meter", LeakyBucket.meter(5, Rate.perSecond(10)));
        meter.tryAcquire(5).settle(2);
        assertThat(meter.available()).isEqualTo(3);
        SideBySide.Twin queue = both.twin("queue", LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(300)));
        queue.tryAcquire(1).settle(3); // two more slots taken: the queue is 300 ms long
        assertThat(queue.available()).isEqualTo(1);
        assertThat(queue.tryAcquire(1).retryAfterNanos()).isEqualTo(300 * MILLI);
        both.clock.advance(100 * MILLI);
        assertThat(queue.available()).isEqualTo(2);
    }

    @Test
    void fixedWindowTakesTheExtraOrGivesBackTheRest() {
        SideBySide.Twin window = both.twin("fw", FixedWindow.of(10, Duration.ofSeconds(1)));
        both.clock.advance(250 * MILLI);
        window.tryAcquire(5).settle(2);
        assertThat(window.available()).isEqualTo(8);
        window.tryAcquire(5).settle(12); // 14 used of 10: debt
        assertThat(window.available()).isZero();
        assertThat(window.tryAcquire(1).retryAfterNanos()).isEqualTo(750 * MILLI);
        both.clock.advance(750 * MILLI); // a fixed window's debt ends with it
        assertThat(window.available()).isEqualTo(10);
        SideBySide.Pair estimate = window.tryAcquire(6);
        estimate.settle(0);
        assertThat(window.available()).isEqualTo(10);
        assertThatThrownBy(() -> estimate.redis.settle(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> window.redis.tryAcquire(1).settle(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fixedWindowChargesALateExtraToTheCurrentWindowAndNeverGivesBackIntoANewOne() {
        SideBySide.Twin window = both.twin("fw-roll", FixedWindow.of(10, Duration.ofSeconds(1)));
        SideBySide.Pair more = window.tryAcquire(4);
        SideBySide.Pair less = window.tryAcquire(6);
        both.clock.advance(SECOND);
        more.settle(9);
        assertThat(window.available()).isEqualTo(5);
        less.settle(0); // its permits belonged to the old window: nothing to give back here
        assertThat(window.available()).isEqualTo(5);
        assertThat(window.tryAcquire(5).granted()).isTrue();
        assertThat(window.tryAcquire(1).granted()).isFalse();
    }

    @Test
    void slidingWindowTakesTheExtraIntoTheNextWindowsWeight() {
        SideBySide.Twin window = both.twin("sw", SlidingWindow.of(10, Duration.ofSeconds(1)));
        window.tryAcquire(6).settle(1);
        assertThat(window.available()).isEqualTo(9);
        window.tryAcquire(4).settle(24); // 25 used of 10
        assertThat(window.available()).isZero();
        both.clock.advance(SECOND); // previous 25 weighs ceil(25·(1 − f)) <= 9 from f = 0.64
        SideBySide.Pair refused = window.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(640 * MILLI);
        both.clock.advance(640 * MILLI - 1);
        assertThat(window.tryAcquire(1).granted()).isFalse();
        both.clock.advance(1);
        assertThat(window.tryAcquire(1).granted()).isTrue();
    }

    @Test
    void slidingWindowGivesBackOnlyWhileTheGrantsWindowIsCurrent() {
        SideBySide.Twin window = both.twin("sw-roll", SlidingWindow.of(10, Duration.ofSeconds(1)));
        SideBySide.Pair now = window.tryAcquire(3);
        SideBySide.Pair later = window.tryAcquire(5);
        now.settle(1);
        assertThat(window.available()).isEqualTo(4);
        both.clock.advance(SECOND);
        later.settle(0); // the window rolled: its 6 permits weigh in full at the new window's start
        assertThat(window.available()).isEqualTo(4);
        both.clock.advance(500 * MILLI);
        assertThat(window.available()).isEqualTo(7);
    }

    @Test
    void slidingLogLogsTheExtraNowAndGivesNothingBack() {
        // No local sliding log in this build: the numbers alone.
        RateLimiter log = both.redis.rateLimiter("sl", SlidingLog.of(10, Duration.ofSeconds(1)));
        log.tryAcquire(4).settle(1); // fewer used: the log cannot un-log, the 4 count until they leave
        assertThat(log.availablePermits()).isEqualTo(6);
        both.clock.advance(500 * MILLI);
        log.tryAcquire(2).settle(30); // 28 more logged now, capped at the limit: 10 at 0.5 s
        assertThat(log.availablePermits()).isZero();
        RedisCommands<String, String> redis = RedisServer.get().connection().sync();
        List<String> keys = redis.keys(both.prefix + "{sl}:sl");
        assertThat(keys).hasSize(1);
        assertThat(redis.zcard(keys.get(0))).as("the log keeps only the limit's newest").isEqualTo(10);
        Permit refused = log.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(SECOND);
        both.clock.advance(SECOND - 1);
        assertThat(log.availablePermits()).isZero();
        both.clock.advance(1);
        assertThat(log.availablePermits()).isEqualTo(10);
    }

    @Test
    void aCancelledWaiterGivesItsReservedSlotBack() throws Exception {
        SideBySide.Twin bucket = both.twin("reserve", TokenBucket.of(2, Rate.perSecond(10)));
        assertThat(bucket.tryAcquire(2).granted()).isTrue();
        CompletableFuture<Permit> local = bucket.local.acquireAsync(1, Duration.ofSeconds(1));
        CompletableFuture<Permit> redis = bucket.redis.acquireAsync(1, Duration.ofSeconds(1));
        assertThat(local).isNotDone();
        assertThat(redis).isNotDone();
        assertThat(local.cancel(false)).isTrue();
        assertThat(redis.cancel(false)).isTrue();
        assertThat(both.clock.pendingTasks()).as("both slots withdrawn").isZero();
        both.clock.advance(100 * MILLI);
        assertThat(bucket.available()).as("the slot at 100 ms came back").isEqualTo(1);
        assertThat(bucket.tryAcquire(1).granted()).isTrue();
    }

    @Test
    void aWaiterServedItsSlotKeepsIt() throws Exception {
        SideBySide.Twin bucket = both.twin("served", TokenBucket.of(2, Rate.perSecond(10)));
        bucket.tryAcquire(2);
        CompletableFuture<Permit> local = bucket.local.acquireAsync(1, Duration.ofSeconds(1));
        CompletableFuture<Permit> redis = bucket.redis.acquireAsync(1, Duration.ofSeconds(1));
        both.clock.advance(100 * MILLI);
        assertThat(local.get(5, TimeUnit.SECONDS).granted()).isTrue();
        assertThat(redis.get(5, TimeUnit.SECONDS).granted()).isTrue();
        assertThat(redis.cancel(false)).isFalse();
        assertThat(bucket.available()).isZero();
    }

    @Test
    void settlingInServerTimeModeGivesBackToTheGrantsWindow() {
        try (RedisEngine engine = RedisEngine.builder(RedisServer.get().connection())
                .keyPrefix(RedisServer.uniquePrefix("settle-server"))
                .decisionTimeout(RedisServer.DECISION_TIMEOUT).build()) {
            RateLimiter window = engine.rateLimiter("fw", FixedWindow.of(10, Duration.ofHours(1)));
            window.tryAcquire(5).settle(2);
            window.tryAcquire(1).settle(4);
            assertThat(window.availablePermits()).isEqualTo(4);
            RateLimiter bucket = engine.rateLimiter("tb", TokenBucket.of(10, Rate.of(10, Duration.ofHours(1))));
            bucket.tryAcquire(10).settle(3);
            assertThat(bucket.availablePermits()).isEqualTo(7);
        }
    }

    @Test
    void everyKeyASettleWritesKeepsAnExpiry() {
        both.twin("ttl-tb", TokenBucket.of(10, Rate.perSecond(10))).tryAcquire(2).settle(40);
        both.twin("ttl-fw", FixedWindow.of(10, Duration.ofSeconds(1))).tryAcquire(2).settle(1);
        SideBySide.Twin sliding = both.twin("ttl-sw", SlidingWindow.of(10, Duration.ofSeconds(1)));
        SideBySide.Pair old = sliding.tryAcquire(2);
        both.clock.advance(SECOND);
        old.settle(9); // rolls the window in the settle itself
        both.redis.rateLimiter("ttl-sl", SlidingLog.of(10, Duration.ofSeconds(1))).tryAcquire(1).settle(5);
        RedisCommands<String, String> redis = RedisServer.get().connection().sync();
        List<String> keys = redis.keys(both.prefix + "*");
        assertThat(keys).hasSize(5);
        for (String key : keys) {
            assertThat(redis.pttl(key)).as("expiry of %s", key).isPositive();
        }
    }
}
