package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.RatePermit;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A grant's refill time (the RateLimit field's {@code t}) on the Redis engine: a fixed window's end, a sliding
 * window's weight letting a permit go, a sliding log's oldest permit leaving, equal to the local engine's on the same
 * clock; a bucket does not tell it.
 */
class RedisRefillTimeTest {

    private static final SideBySide BOTH = new SideBySide();

    @AfterAll
    static void close() {
        BOTH.redis.close();
        BOTH.local.close();
    }

    private static OptionalLong refill(dev.throttle.Permit permit) {
        assertThat(permit.granted()).isTrue();
        return ((RatePermit) permit).refillNanos();
    }

    @Test
    void aFixedWindowEndsWhereTheLocalEngineSays() {
        SideBySide.Twin twin = BOTH.twin("refill-window", FixedWindow.of(100, Duration.ofMinutes(1)));
        for (long step : new long[] {0L, 7_000_000_000L, 13L, 45_000_000_000L}) {
            BOTH.clock.advance(Duration.ofNanos(step));
            SideBySide.Pair pair = twin.tryAcquire(1);
            assertThat(refill(pair.redis)).isPresent().isEqualTo(refill(pair.local));
        }
    }

    @Test
    void aSlidingWindowAndASlidingLogRefillWhereTheLocalEngineSays() {
        SideBySide.Twin sliding = BOTH.twin("refill-sliding", SlidingWindow.of(10, Duration.ofSeconds(10)));
        SideBySide.Twin log = BOTH.twin("refill-log", SlidingLog.of(10, Duration.ofSeconds(10)));
        int told = 0;
        // Grants of 1 to 3 permits at uneven readings across three windows: the previous window's weight, a full
        // window waiting for the next, the oldest logged permit leaving.
        long[] steps = {0L, 1_300_000_000L, 7L, 2_000_000_000L, 4_100_000_000L, 3_000_000_000L, 999_999_999L,
            5_500_000_000L, 1L, 2_600_000_000L, 9_000_000_000L, 400_000_000L};
        for (int i = 0; i < steps.length; i++) {
            BOTH.clock.advance(Duration.ofNanos(steps[i]));
            for (SideBySide.Twin twin : new SideBySide.Twin[] {sliding, log}) {
                SideBySide.Pair pair = twin.tryAcquire(1 + i % 3);
                assertThat(pair.redis.granted()).as("step %d", i).isEqualTo(pair.local.granted());
                if (pair.local.granted()) {
                    assertThat(refill(pair.redis)).as("step %d", i).isEqualTo(refill(pair.local));
                    told += refill(pair.local).isPresent() ? 1 : 0;
                }
            }
        }
        assertThat(told).as("grants that told a time").isGreaterThan(8);
    }

    @Test
    void aBucketDoesNotTellOnRedis() {
        SideBySide.Twin twin = BOTH.twin("refill-bucket", TokenBucket.of(5, Rate.perSecond(1)));
        assertThat(refill(twin.tryAcquire(1).redis)).isEmpty();
    }
}
