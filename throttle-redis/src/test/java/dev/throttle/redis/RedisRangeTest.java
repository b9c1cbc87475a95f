package dev.throttle.redis;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Extreme rates and a long uptime: with client-time readings close to the end of the range the scripts compute
 * exactly in (2^52 ns, about 52 days of uptime in nanoseconds), rates of one permit per nanosecond and windows of
 * a few nanoseconds or a month, the Redis engine still decides exactly as the local engine does. Lua numbers are
 * doubles; this is where a rounding would show.
 */
class RedisRangeTest {

    private static final long DAY = Duration.ofDays(1).toNanos();

    @Test
    void extremeRatesNearTheEndOfTheExactRangeDecideAsLocally() {
        List<LimitSpec> specs = List.of(
                TokenBucket.of(1_000_000, Rate.of(1, Duration.ofNanos(1))),
                LeakyBucket.meter(3, Rate.of(1, Duration.ofNanos(7))),
                FixedWindow.of(1L << 40, Duration.ofDays(30)),
                FixedWindow.of(2, Duration.ofNanos(3)),
                SlidingWindow.of(1_000, Duration.ofNanos(999)),
                SlidingLog.of(5, Duration.ofNanos(17)));
        SideBySide both = new SideBySide();
        // About 40 days of uptime short of 2^52 ns: a month-long window still ends inside the exact range.
        both.clock.advance((1L << 52) - 40 * DAY - SideBySide.START);
        SplittableRandom random = new SplittableRandom(52);
        for (int s = 0; s < specs.size(); s++) {
            LimitSpec spec = specs.get(s);
            SideBySide.Twin twin = both.twin("range-" + s, spec);
            long capacity = Math.min(spec.capacity(), 1_000_000L);
            for (int step = 0; step < 300; step++) {
                both.clock.advance(random.nextInt(4) == 0 ? random.nextLong(50) : 0L);
                twin.tryAcquire(1 + random.nextLong(Math.min(capacity, 4)));
                if (step % 50 == 0) {
                    twin.available();
                }
            }
        }
    }
}
