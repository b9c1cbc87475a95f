package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
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

    @Test
    void aSlidingWindowRefillsWhenThePreviousWindowsWeightLetsAPermitGo() {
        var limiter = engine.rateLimiter("sliding", SlidingWindow.of(10, Duration.ofSeconds(10)));
        assertThat(refill(limiter.tryAcquire(10))).as("the count weighs in full when the next window starts, then one"
                + " permit's weight leaves every second").hasValue(Duration.ofSeconds(11).toNanos());
        clock.advance(Duration.ofSeconds(12)); // previous 10 weighs ceil(10 x 8/10) = 8: 2 free
        assertThat(refill(limiter.tryAcquire(1))).as("1 left; the weight falls to 7 at 13 s")
                .hasValue(Duration.ofSeconds(1).toNanos());
        assertThat(engine.rateLimiter("empty", SlidingWindow.of(10, Duration.ofSeconds(10))).tryAcquire(1)
                .granted()).isTrue();
    }

    /** Against the limiter itself: after the time told, and not a nanosecond before, more permits are available. */
    @Test
    void aSlidingWindowsRefillTimeIsTheFirstMomentItsHeadroomGrows() {
        java.util.Random random = new java.util.Random(42);
        int timed = 0;
        for (int round = 0; round < 300; round++) {
            ManualClock roundClock = new ManualClock(random.nextInt(1_000));
            SlidingWindow spec = SlidingWindow.of(1 + random.nextInt(20), Duration.ofNanos(50 + random.nextInt(1_000)));
            var limiter = LocalEngine.builder().ticker(roundClock).scheduler(roundClock).build()
                    .rateLimiter("s", spec);
            Permit last = null;
            for (int step = 0; step < 1 + random.nextInt(40); step++) {
                roundClock.advance(random.nextInt(120));
                Permit permit = limiter.tryAcquire(1);
                if (permit.granted()) {
                    last = permit;
                }
            }
            if (last == null || roundClock.read() != ((RatePermit) last).grantedAt()) {
                continue;
            }
            long before = limiter.availablePermits();
            OptionalLong refill = refill(last);
            if (refill.isEmpty()) {
                assertThat(before).as("round %d: empty only when the whole limit is free", round)
                        .isEqualTo(limiter.spec().capacity());
                continue;
            }
            timed++;
            roundClock.advance(refill.getAsLong() - 1);
            assertThat(limiter.availablePermits()).as("round %d: a nanosecond before", round).isEqualTo(before);
            roundClock.advance(1);
            assertThat(limiter.availablePermits()).as("round %d: at the time told", round).isGreaterThan(before);
        }
        assertThat(timed).as("rounds that told a time").isGreaterThan(100);
    }
}
