package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.RatePermit;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A grant's refill time (the RateLimit field's {@code t}) on the Redis engine: a fixed window's end, equal to the
 * local engine's on the same clock; other algorithms do not tell it.
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
    void aBucketDoesNotTellOnRedis() {
        SideBySide.Twin twin = BOTH.twin("refill-bucket", TokenBucket.of(5, Rate.perSecond(1)));
        assertThat(refill(twin.tryAcquire(1).redis)).isEmpty();
    }
}
