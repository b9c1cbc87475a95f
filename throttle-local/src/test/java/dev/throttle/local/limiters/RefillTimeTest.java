package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.RatePermit;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * How long after a grant the limit has more quota than the grant left (the RateLimit field's {@code t}), where the
 * limiter can tell: a fixed window's end, a bucket's next refill.
 */
class RefillTimeTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private static OptionalLong refill(Permit permit) {
        assertThat(permit.granted()).isTrue();
        return ((RatePermit) permit).refillNanos();
    }

    @Test
    void aFixedWindowRefillsWhenItsWindowEnds() {
        var limiter = engine.rateLimiter("fixed", FixedWindow.of(100, Duration.ofMinutes(1)));
        clock.advance(Duration.ofSeconds(10));
        assertThat(refill(limiter.tryAcquire(1))).hasValue(Duration.ofSeconds(50).toNanos());
        clock.advance(Duration.ofSeconds(55));
        assertThat(refill(limiter.tryAcquire(1))).hasValue(Duration.ofSeconds(55).toNanos());
    }

    @Test
    void aTokenBucketRefillsAtItsNextToken() {
        var limiter = engine.rateLimiter("bucket", TokenBucket.of(5, Rate.perSecond(1)));
        assertThat(refill(limiter.tryAcquire(1))).hasValue(Duration.ofSeconds(1).toNanos());
        clock.advance(Duration.ofMillis(300));
        assertThat(refill(limiter.tryAcquire(1))).as("the first token is 700 ms from coming back")
                .hasValue(Duration.ofMillis(700).toNanos());
        for (int i = 0; i < 3; i++) {
            limiter.tryAcquire(1);
        }
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        clock.advance(Duration.ofMillis(700));
        assertThat(refill(limiter.tryAcquire(1))).as("empty again: the next token in a whole interval")
                .hasValue(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void aLeakyMeterRefillsAtItsNextLeakAndAShapingQueueDoesNotSay() {
        var meter = engine.rateLimiter("meter", LeakyBucket.meter(3, Rate.perSecond(2)));
        assertThat(refill(meter.tryAcquire(1))).hasValue(Duration.ofMillis(500).toNanos());
        var shaping = engine.rateLimiter("shaping", LeakyBucket.shaping(Rate.perSecond(2), Duration.ofSeconds(1)));
        assertThat(refill(shaping.tryAcquire(1))).isEmpty();
    }

    @Test
    void aSlidingLogRefillsWhenItsOldestPermitLeavesTheWindow() {
        var limiter = engine.rateLimiter("log", SlidingLog.of(3, Duration.ofSeconds(10)));
        assertThat(refill(limiter.tryAcquire(1))).hasValue(Duration.ofSeconds(10).toNanos());
        clock.advance(Duration.ofSeconds(4));
        assertThat(refill(limiter.tryAcquire(1))).as("the first permit leaves 10 s after its grant")
                .hasValue(Duration.ofSeconds(6).toNanos());
        clock.advance(Duration.ofSeconds(7));
        assertThat(refill(limiter.tryAcquire(1))).as("the first has left; the second leaves at 14 s")
                .hasValue(Duration.ofSeconds(3).toNanos());
    }
}
