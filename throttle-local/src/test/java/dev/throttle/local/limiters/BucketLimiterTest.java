package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.SlidingLog;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BucketLimiterTest {

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    @Test
    void tokenBucketGrantsTheBurstThenTheRefillRate() {
        RateLimiter bucket = engine.rateLimiter("tb", TokenBucket.of(3, Rate.perSecond(10)));
        assertThat(bucket.allow()).isTrue();
        assertThat(bucket.allow()).isTrue();
        assertThat(bucket.allow()).isTrue();
        Permit refused = bucket.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(100_000_000L);
        clock.advance(99_999_999L);
        assertThat(bucket.allow()).isFalse();
        clock.advance(1L);
        assertThat(bucket.allow()).isTrue();
        assertThat(bucket.allow()).isFalse();
    }

    @Test
    void acquireAsyncReservesTheNextSlotAndCompletesWhenItComes() {
        RateLimiter bucket = engine.rateLimiter("tb", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(bucket.allow()).isTrue();
        CompletableFuture<Permit> waiting = bucket.acquireAsync(1, Duration.ofSeconds(2));
        assertThat(waiting).isNotDone();
        assertThat(bucket.allow()).isFalse();
        clock.advance(Duration.ofMillis(999));
        assertThat(waiting).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(waiting.join().granted()).isTrue();
    }

    @Test
    void cancellingAReservationGivesItBack() {
        RateLimiter bucket = engine.rateLimiter("tb", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(bucket.allow()).isTrue();
        CompletableFuture<Permit> waiting = bucket.acquireAsync(1, Duration.ofSeconds(2));
        waiting.cancel(false);
        assertThat(clock.pendingTasks()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(bucket.allow()).isTrue();
        assertThat(bucket.allow()).isFalse();
    }

    @Test
    void shapingQueueDelaysEachRequestToItsSlotAndRefusesBeyondMaxDelay() {
        RateLimiter queue = engine.rateLimiter("shaper",
                LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(250)));
        assertThat(queue.tryAcquire(1).granted()).isTrue();
        assertThat(queue.tryAcquire(1).retryAfterNanos()).isEqualTo(100_000_000L);
        CompletableFuture<Permit> second = queue.acquireAsync(1, Duration.ofSeconds(1));
        CompletableFuture<Permit> third = queue.acquireAsync(1, Duration.ofSeconds(1));
        // The queue holds 250 ms: a slot 300 ms ahead is refused, even to a caller willing to wait 299 ms.
        Permit full = queue.acquire(1, Duration.ofMillis(299));
        assertThat(full.granted()).isFalse();
        assertThat(full.retryAfterNanos()).isEqualTo(300_000_000L);
        clock.advance(Duration.ofMillis(99));
        assertThat(second).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(second.join().granted()).isTrue();
        assertThat(third).isNotDone();
        clock.advance(Duration.ofMillis(100));
        assertThat(third.join().granted()).isTrue();
        assertThat(queue.tryAcquire(1).granted()).isFalse();
        clock.advance(Duration.ofMillis(100));
        assertThat(queue.tryAcquire(1).granted()).isTrue();
    }

    @Test
    void aFullShapingQueueRefusesAtOnceEvenACallerWillingToWaitLonger() {
        RateLimiter queue = engine.rateLimiter("shaper",
                LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(250)));
        queue.acquireAsync(3, Duration.ofSeconds(5)); // fills the queue: slots at 0, 100 and 200 ms
        CompletableFuture<Permit> late = queue.acquireAsync(1, Duration.ofSeconds(5));
        assertThat(late).isCompleted();
        assertThat(late.join().granted()).isFalse();
        assertThat(late.join().retryAfterNanos()).isEqualTo(300_000_000L);
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void reconfiguringTheRateLiveAppliesFromTheNextDecision() {
        RateLimiter bucket = engine.rateLimiter("tb", TokenBucket.of(2, Rate.perSecond(1)));
        assertThat(bucket.allow(2)).isTrue();
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(1_000_000_000L);
        LocalEngine.reconfigure(bucket, TokenBucket.of(2, Rate.perSecond(10)));
        assertThat(bucket.spec()).isEqualTo(TokenBucket.of(2, Rate.perSecond(10)));
        // The bucket is still two permits short of full; they come back at the new rate.
        assertThat(bucket.availablePermits()).isZero();
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(100_000_000L);
        clock.advance(Duration.ofMillis(200));
        assertThat(bucket.allow(2)).isTrue();
        assertThat(bucket.allow()).isFalse();
        LocalEngine.reconfigure(bucket, TokenBucket.of(4, Rate.perSecond(1)));
        // Two permits short of a bucket of four: two are left, and the next one after comes a second later.
        assertThat(bucket.allow(2)).isTrue();
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(1_000_000_000L);
        assertThatThrownBy(() -> LocalEngine.reconfigure(bucket, FixedWindow.of(1, Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a TokenBucket or LeakyBucket");
        RateLimiter log = engine.rateLimiter("log", SlidingLog.of(2, Duration.ofSeconds(1)));
        assertThatThrownBy(() -> LocalEngine.reconfigure(log, SlidingLog.of(3, Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be reconfigured live");
    }

    @Test
    void reconfiguringKeepsTheRefillAlreadyMadeTowardTheNextPermit() {
        RateLimiter bucket = engine.rateLimiter("tb", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(bucket.allow()).isTrue();
        clock.advance(Duration.ofMillis(900));
        LocalEngine.reconfigure(bucket, TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).as("an identical spec changes nothing")
                .isEqualTo(100_000_000L);
        // A tenth of a permit still owed at twice the rate: 50 ms.
        LocalEngine.reconfigure(bucket, TokenBucket.of(1, Rate.perSecond(2)));
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(50_000_000L);
        // A third of a 1 s interval owed, then at a rate of 3 per 7 s (an interval of 7/3 s): 7/9 s (777,777,777.8 ns),
        // rounded up to the nanosecond, never down, so converting never grants early.
        RateLimiter odd = engine.rateLimiter("odd", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(odd.allow()).isTrue();
        clock.advance(666_666_667L);
        LocalEngine.reconfigure(odd, TokenBucket.of(1, Rate.of(3, Duration.ofSeconds(7))));
        assertThat(odd.tryAcquire(1).retryAfterNanos()).isEqualTo(777_777_778L);
    }

    @Test
    void reapplyingASpecOftenNeverHoldsTheRefillBack() {
        RateLimiter bucket = engine.rateLimiter("tb", TokenBucket.of(1, Rate.perSecond(1)));
        int granted = 0;
        for (int step = 0; step < 20; step++) { // 10 s, a spec applied every 500 ms, as an adaptive rate might
            if (bucket.allow()) {
                granted++;
            }
            LocalEngine.reconfigure(bucket, TokenBucket.of(1, Rate.perSecond(1)));
            clock.advance(Duration.ofMillis(500));
        }
        assertThat(granted).as("one a second, as without the reconfigurations").isEqualTo(10);
        // A billion permits owed at one a nanosecond, converted to one per ten years: far past what a long holds,
        // so the debt is capped at the longest duration a spec may have, without overflow.
        RateLimiter meter = engine.rateLimiter("meter",
                LeakyBucket.meter(1_000_000_000L, Rate.perSecond(1_000_000_000L)));
        assertThat(meter.allow(1_000_000_000L)).isTrue();
        LocalEngine.reconfigure(meter, LeakyBucket.meter(1, Rate.of(1, Duration.ofDays(3650))));
        Permit refused = meter.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isPositive().isLessThanOrEqualTo(Duration.ofDays(3650).toNanos());
    }

    @Test
    void aWithdrawnWaiterBetweenOthersNeverHandsItsSlotToASecondGrant() {
        // A shaping queue of 10/s: A waits for the 100 ms slot, B for the 200 ms one; A gives up.
        RateLimiter queue = engine.rateLimiter("queue",
                LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(500)));
        assertThat(queue.allow()).isTrue();
        CompletableFuture<Permit> a = queue.acquireAsync(1, Duration.ofMillis(500));
        CompletableFuture<Permit> b = queue.acquireAsync(1, Duration.ofMillis(500));
        a.cancel(false);
        CompletableFuture<Permit> c = queue.acquireAsync(1, Duration.ofMillis(500));
        List<Long> grants = new ArrayList<>();
        b.thenRun(() -> grants.add(clock.read()));
        c.thenRun(() -> grants.add(clock.read()));
        for (int step = 0; step < 50; step++) {
            clock.advance(Duration.ofMillis(10));
        }
        assertThat(grants).hasSize(2);
        assertThat(grants.get(1) - grants.get(0)).as("one interval apart, never in one slot")
                .isGreaterThanOrEqualTo(100_000_000L);

        // A token bucket of 1: the capacity is the largest burst, cancellations or not.
        RateLimiter bucket = engine.rateLimiter("one", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(bucket.allow()).isTrue();
        CompletableFuture<Permit> first = bucket.acquireAsync(1, Duration.ofSeconds(5));
        CompletableFuture<Permit> second = bucket.acquireAsync(1, Duration.ofSeconds(5));
        first.cancel(false);
        CompletableFuture<Permit> third = bucket.acquireAsync(1, Duration.ofSeconds(5));
        List<Long> granted = new ArrayList<>();
        second.thenRun(() -> granted.add(clock.read()));
        third.thenRun(() -> granted.add(clock.read()));
        for (int step = 0; step < 50; step++) {
            clock.advance(Duration.ofMillis(100));
        }
        assertThat(granted).hasSize(2);
        assertThat(granted.get(1) - granted.get(0)).isGreaterThanOrEqualTo(1_000_000_000L);
    }

    @Test
    void theLastWaiterWithdrawnGivesItsSlotBackAndAGrantNotWaitedForGivesItsPermitsBack() {
        RateLimiter queue = engine.rateLimiter("queue",
                LeakyBucket.shaping(Rate.perSecond(10), Duration.ofMillis(500)));
        assertThat(queue.allow()).isTrue();
        CompletableFuture<Permit> last = queue.acquireAsync(1, Duration.ofMillis(500));
        last.cancel(false);
        Permit next = queue.tryAcquire(1);
        assertThat(next.granted()).isFalse();
        assertThat(next.retryAfterNanos()).as("the slot the withdrawn waiter had").isEqualTo(100_000_000L);

        RateLimiter bucket = engine.rateLimiter("tb", TokenBucket.of(5, Rate.perSecond(1)));
        Permit three = bucket.tryAcquire(3);
        assertThat(bucket.availablePermits()).isEqualTo(2);
        three.settle(1);
        assertThat(bucket.availablePermits()).as("nobody waits: the two unused go back at once").isEqualTo(4);
    }

    /**
     * A reconfiguration interleaved with decisions: the engine's clock is read inside {@code reconfigure}, and there
     * (on the same thread, so the interleaving is exact) the bucket is drained. Every permit granted before the change
     * is owed at the old parameters and converted; none is granted at the new capacity on a state built at the old
     * interval. A bucket of 500 at 5000/s drained, then one of 1000 at 10000/s: 1000 permits in all at one instant,
     * the new capacity, never more.
     */
    @Test
    void decisionsRacingAReconfigurationAreTakenWhollyUnderTheOldOrTheNewParameters() {
        boolean[] armed = {false};
        long[] granted = {0};
        BucketLimiter[] holder = new BucketLimiter[1];
        dev.throttle.Ticker hooked = () -> {
            if (armed[0]) {
                armed[0] = false;
                while (holder[0].allow()) {
                    granted[0]++;
                }
            }
            return clock.read();
        };
        BucketLimiter bucket = new BucketLimiter("racing", TokenBucket.of(500, Rate.perSecond(5_000)), hooked, clock);
        holder[0] = bucket;
        for (int i = 0; i < 96; i++) {
            assertThat(bucket.allow()).isTrue();
            granted[0]++;
        }
        armed[0] = true;
        bucket.reconfigure(TokenBucket.of(1_000, Rate.perSecond(10_000)));
        assertThat(armed[0]).as("the clock was read during the reconfiguration").isFalse();
        assertThat(granted[0]).as("granted before and during the change: the old bucket of 500").isEqualTo(500);
        while (bucket.allow()) {
            granted[0]++;
        }
        assertThat(granted[0]).as("granted at one instant across the change").isEqualTo(1_000);
        clock.advance(Duration.ofNanos(100_000));
        assertThat(bucket.allow()).as("then the new rate: one per 100 µs").isTrue();
        assertThat(bucket.allow()).isFalse();
    }

    @Test
    void settlingTakesTheExtraOrGivesBackTheRest() {
        RateLimiter bucket = engine.rateLimiter("tokens", TokenBucket.of(100, Rate.perSecond(100)));
        Permit estimate = bucket.tryAcquire(50);
        estimate.settle(10);
        assertThat(bucket.availablePermits()).isEqualTo(90);
        Permit second = bucket.tryAcquire(50);
        second.settle(120);
        assertThat(bucket.availablePermits()).isZero();
        assertThat(bucket.allow()).isFalse();
        // 130 permits were used of a bucket of 100: 30 permits (300 ms) of debt before the first one comes back.
        clock.advance(Duration.ofMillis(309));
        assertThat(bucket.availablePermits()).isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(bucket.availablePermits()).isEqualTo(1);
    }
}
