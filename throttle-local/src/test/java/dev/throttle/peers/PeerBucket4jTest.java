package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.throttle.AllOf;
import dev.throttle.FixedWindow;
import dev.throttle.Limiter;
import dev.throttle.Limiters;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Behaviours checked by Bucket4j's core tests (consumption probes, greedy/interval refill, several bandwidths,
 * blocking consume with a maximum wait, add tokens, configuration replacement), restated against throttle's local
 * engine on a manual clock.
 */
class PeerBucket4jTest {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;

    private final ManualClock clock = new ManualClock(5 * SECOND);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    /** A bucket of 100 at 100/s (one permit per 10 ms), with {@code left} permits left. */
    private RateLimiter bucketWith(long left) {
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(100, Rate.perSecond(100)));
        if (left < 100) {
            assertThat(bucket.tryAcquire(100 - left).granted()).isTrue();
        }
        assertThat(bucket.availablePermits()).isEqualTo(left);
        return bucket;
    }

    // --- TryConsumeAndReturnRemainingTest ---------------------------------------------------------------------

    @Test
    void probeGrantedReportsRemaining() {
        Permit p = bucketWith(100).tryAcquire(49);
        assertThat(p.granted()).isTrue();
        assertThat(p.remaining()).isEqualTo(51);
        assertThat(p.retryAfterNanos()).isZero();
        assertThat(p.limit()).isEqualTo(100);
    }

    @Test
    void probeTakingTheLastTokenReportsZeroRemaining() {
        Permit p = bucketWith(1).tryAcquire(1);
        assertThat(p.granted()).isTrue();
        assertThat(p.remaining()).isZero();
    }

    @Test
    void probeRefusedReportsRemainingAndExactWaitForTheMissingTokens() {
        RateLimiter bucket = bucketWith(70);
        Permit p = bucket.tryAcquire(80);
        assertThat(p.granted()).isFalse();
        assertThat(p.remaining()).isEqualTo(70);
        assertThat(p.retryAfterNanos()).isEqualTo(10 * 10 * MS); // 10 missing tokens × 10 ms
        assertThat(bucket.availablePermits()).as("a refusal takes nothing").isEqualTo(70);
        clock.advance(100 * MS - 1);
        assertThat(bucket.allow(80)).isFalse();
        clock.advance(1);
        assertThat(bucket.allow(80)).isTrue();
    }

    @Test
    void probeOnEmptyBucketReportsWaitForAllTokens() {
        Permit p = bucketWith(0).tryAcquire(10);
        assertThat(p.granted()).isFalse();
        assertThat(p.remaining()).isZero();
        assertThat(p.retryAfterNanos()).isEqualTo(100 * MS);
    }

    @Test
    void requestAboveCapacityIsIllegalArgument() {
        // Bucket4j answers a probe with Long.MAX_VALUE; throttle documents an IllegalArgumentException.
        RateLimiter bucket = bucketWith(10);
        assertThatThrownBy(() -> bucket.tryAcquire(120)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bucket.allow(120)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bucket.acquireAsync(120, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(bucket.availablePermits()).isEqualTo(10);
    }

    // --- greedy refill, long horizons (core_algorithms, HandlingArithmeticOverflowTest) -----------------------

    @Test
    void greedyRefillAddsOneTokenPerIntervalToTheNanosecond() {
        RateLimiter bucket = bucketWith(0);
        clock.advance(10 * MS - 1);
        assertThat(bucket.availablePermits()).isZero();
        clock.advance(1);
        assertThat(bucket.availablePermits()).isEqualTo(1);
        clock.advance(35 * MS);
        assertThat(bucket.availablePermits()).isEqualTo(4);
        assertThat(bucket.tryAcquire(5).retryAfterNanos()).isEqualTo(5 * MS);
    }

    @Test
    void refillNeverExceedsCapacityAfterVeryLongIdle() {
        RateLimiter bucket = bucketWith(0);
        clock.advance(Duration.ofDays(365 * 200));
        assertThat(bucket.availablePermits()).isEqualTo(100);
        assertThat(bucket.allow(100)).isTrue();
        assertThat(bucket.allow()).isFalse();
    }

    @Test
    void exactCountOverAMillionIntervals() {
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(1, Rate.perSecond(1000)));
        long granted = 0;
        for (int i = 0; i < 1_000_000; i++) {
            if (bucket.allow()) {
                granted++;
            }
            assertThat(bucket.allow()).isFalse();
            clock.advance(MS);
        }
        assertThat(granted).isEqualTo(1_000_000);
    }

    @Test
    void startsAtAHugeClockReadingWithoutOverflow() {
        ManualClock late = new ManualClock(Long.MAX_VALUE - Duration.ofDays(3650).toNanos());
        LocalEngine lateEngine = LocalEngine.builder().ticker(late).scheduler(late).build();
        RateLimiter bucket = lateEngine.rateLimiter("b", TokenBucket.of(10, Rate.perSecond(10)));
        assertThat(bucket.allow(10)).isTrue();
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(100 * MS);
        late.advance(SECOND);
        assertThat(bucket.availablePermits()).isEqualTo(10);
    }

    /** Rate's interval is rounded up: 3/s is one per 333 333 334 ns, so over 1000 s one permit fewer. */
    @Test
    void nonDividingRateIsRoundedDownOverLongHorizons() {
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(10, Rate.perSecond(3)));
        assertThat(bucket.allow(10)).isTrue(); // the initial burst
        long granted = 0;
        for (int i = 0; i < 1000; i++) {
            clock.advance(SECOND);
            while (bucket.allow()) {
                granted++;
            }
        }
        // Exact arithmetic would grant 3000; throttle grants 2999 (documented rounding of Rate#intervalNanos).
        assertThat(granted).isEqualTo(2999);
    }

    // --- interval ("intervally") refill: throttle's analogue is FixedWindow ----------------------------------

    @Test
    void fixedWindowRefillsAllAtOnceAtTheBoundary() {
        ManualClock aligned = new ManualClock(0);
        LocalEngine e = LocalEngine.builder().ticker(aligned).scheduler(aligned).build();
        RateLimiter window = e.rateLimiter("w", FixedWindow.of(10, Duration.ofSeconds(1)));
        assertThat(window.allow(10)).isTrue();
        aligned.advance(400 * MS);
        Permit refused = window.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(600 * MS);
        aligned.advance(600 * MS - 1);
        assertThat(window.availablePermits()).isZero();
        aligned.advance(1);
        assertThat(window.availablePermits()).isEqualTo(10);
    }

    // --- several bandwidths in one bucket (AllOf) ----------------------------------------------------------

    /** 5 per second and 5 per minute, asked in that order. */
    private RateLimiter twoBandwidths() {
        return engine.rateLimiter("two", AllOf.of(
                AllOf.shared("per-second", TokenBucket.of(5, Rate.perSecond(5))),
                AllOf.shared("per-minute", TokenBucket.of(5, Rate.perMinute(5)))));
    }

    @Test
    void severalBandwidthsTheTightestRemainingIsReported() {
        RateLimiter both = engine.rateLimiter("two", AllOf.of(
                AllOf.shared("per-second", TokenBucket.of(5, Rate.perSecond(5))),
                AllOf.shared("per-minute", TokenBucket.of(20, Rate.perMinute(20)))));
        Permit p = both.tryAcquire(3);
        assertThat(p.granted()).isTrue();
        assertThat(p.remaining()).isEqualTo(2);
        assertThat(both.availablePermits()).isEqualTo(2);
    }

    @Test
    void severalBandwidthsRefusalByOneLeavesTheOtherUntouched() {
        RateLimiter perSecond = engine.rateLimiter("per-second", TokenBucket.of(5, Rate.perSecond(5)));
        RateLimiter perMinute = engine.rateLimiter("per-minute", TokenBucket.of(8, Rate.perMinute(8)));
        Limiter both = Limiters.allOf("two", clock, clock, List.of(perSecond, perMinute));
        assertThat(both.tryAcquire(5).granted()).isTrue();
        clock.advance(SECOND);
        assertThat(both.tryAcquire(3).granted()).isTrue();
        assertThat(perSecond.availablePermits()).isEqualTo(2);
        Permit refused = both.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("per-minute");
        // per-minute: one per 7.5 s; 8 taken by t = 1 s, so the next one is due at 67.5 s − 60 s = 7.5 s: 6.5 s on.
        assertThat(refused.retryAfterNanos()).isEqualTo(6_500 * MS);
        assertThat(perSecond.availablePermits()).as("per-second gave its grant back").isEqualTo(2);
    }

    /**
     * Bucket4j's probe reports the wait of the slowest bandwidth. Throttle's differs (AllOf: "the parts after the one
     * that refused are not asked, so the retry time is a lower bound. A later part that needs longer refuses the
     * retry with its own time").
     */
    @Test
    void severalBandwidthsRetryAfterIsALowerBoundAndTheSlowerPartRefusesTheRetryWithItsOwnTime() {
        RateLimiter both = twoBandwidths();
        assertThat(both.allow(5)).isTrue(); // both parts empty: per-second refills in 200 ms, per-minute in 12 s
        Permit refused = both.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.limiterName()).isEqualTo("per-second");
        assertThat(refused.retryAfterNanos()).isEqualTo(200 * MS);
        clock.advance(refused.retryAfterNanos());
        Permit retried = both.tryAcquire(1);
        assertThat(retried.granted()).isFalse();
        assertThat(retried.limiterName()).isEqualTo("per-minute");
        assertThat(retried.retryAfterNanos()).isEqualTo(12 * SECOND - 200 * MS);
        clock.advance(retried.retryAfterNanos());
        assertThat(both.tryAcquire(1).granted()).isTrue();
    }

    @Test
    void severalBandwidthsWaitingEndsExactlyWhenEveryPartCanGrant() {
        RateLimiter both = twoBandwidths();
        assertThat(both.allow(5)).isTrue();
        long start = clock.read();
        CompletableFuture<Permit> waiting = both.acquireAsync(1, Duration.ofSeconds(20));
        long[] grantedAt = new long[1];
        waiting.thenRun(() -> grantedAt[0] = clock.read());
        clock.advance(12 * SECOND - 1);
        assertThat(waiting).isNotDone();
        clock.advance(1);
        assertThat(waiting).isCompleted();
        assertThat(waiting.join().granted()).isTrue();
        assertThat(grantedAt[0] - start).isEqualTo(12 * SECOND);
    }

    @Test
    void severalBandwidthsWaitTooLongForTheSlowPartIsRefused() {
        RateLimiter both = twoBandwidths();
        assertThat(both.allow(5)).isTrue();
        CompletableFuture<Permit> waiting = both.acquireAsync(1, Duration.ofSeconds(5));
        clock.advance(5 * SECOND);
        assertThat(waiting).isCompleted();
        assertThat(waiting.join().granted()).isFalse();
        clock.advance(7 * SECOND);
        assertThat(both.allow(1)).as("the refused waiter took nothing").isTrue();
    }

    // --- BlockingTryConsumeTest / BlockingConsumeTest ---------------------------------------------------------

    @Test
    void tryConsumeWithMaxWaitTooShortRefusesAtOnceAndTakesNothing() {
        RateLimiter bucket = bucketWith(0);
        CompletableFuture<Permit> tooShort = bucket.acquireAsync(5, Duration.ofMillis(49));
        assertThat(tooShort).isCompleted();
        assertThat(tooShort.join().granted()).isFalse();
        assertThat(tooShort.join().retryAfterNanos()).isEqualTo(50 * MS);
        assertThat(clock.pendingTasks()).isZero();
        clock.advance(50 * MS);
        assertThat(bucket.allow(5)).isTrue();
    }

    @Test
    void tryConsumeWithMaxWaitLongEnoughIsGrantedExactlyWhenDue() {
        RateLimiter bucket = bucketWith(0);
        CompletableFuture<Permit> enough = bucket.acquireAsync(5, Duration.ofMillis(50));
        clock.advance(50 * MS - 1);
        assertThat(enough).isNotDone();
        clock.advance(1);
        assertThat(enough.join().granted()).isTrue();
        // The reservation was taken: nothing left now.
        assertThat(bucket.allow()).isFalse();
    }

    @Test
    void blockingAcquireWithTooShortWaitReturnsWithoutWaiting() {
        RateLimiter bucket = bucketWith(0);
        Permit p = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> bucket.acquire(1, Duration.ofMillis(9)));
        assertThat(p.granted()).isFalse();
        assertThat(p.retryAfterNanos()).isEqualTo(10 * MS);
    }

    @Test
    void consecutiveWaitersAreServedInSlotOrderEachExactlyOnTime() {
        RateLimiter bucket = bucketWith(0);
        CompletableFuture<Permit> first = bucket.acquireAsync(3, Duration.ofSeconds(1));
        CompletableFuture<Permit> second = bucket.acquireAsync(2, Duration.ofSeconds(1));
        clock.advance(30 * MS - 1);
        assertThat(first).isNotDone();
        clock.advance(1);
        assertThat(first).isCompleted();
        assertThat(second).isNotDone();
        clock.advance(20 * MS - 1);
        assertThat(second).isNotDone();
        clock.advance(1);
        assertThat(second.join().granted()).isTrue();
    }

    // --- AddTokensTest / ForceAddTokensTest / ConsumeIgnoringLimitsTest (via settle) ------------------------

    @Test
    void givingBackTokensNeverOverfillsTheBucket() {
        RateLimiter bucket = bucketWith(100);
        Permit p = bucket.tryAcquire(5);
        clock.advance(20 * MS); // two of the five have refilled meanwhile
        p.settle(0);
        assertThat(bucket.availablePermits()).isEqualTo(100);
    }

    @Test
    void givingBackPartOfAGrantAddsExactlyThatMany() {
        RateLimiter bucket = bucketWith(50);
        Permit p = bucket.tryAcquire(10);
        assertThat(bucket.availablePermits()).isEqualTo(40);
        p.settle(4);
        assertThat(bucket.availablePermits()).isEqualTo(46);
    }

    @Test
    void usingMoreThanGrantedPutsTheBucketInDebt() {
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(10, Rate.perSecond(10)));
        Permit p = bucket.tryAcquire(1);
        p.settle(25);
        assertThat(bucket.availablePermits()).isZero();
        // 25 taken from 10: 15 owed, then 1 more: 16 intervals of 100 ms.
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(1_600 * MS);
        clock.advance(1_600 * MS);
        assertThat(bucket.allow()).isTrue();
    }

    @Test
    void settleArgumentChecks() {
        RateLimiter bucket = bucketWith(100);
        Permit p = bucket.tryAcquire(5);
        assertThatThrownBy(() -> p.settle(-1)).isInstanceOf(IllegalArgumentException.class);
        p.settle(5);
        assertThatThrownBy(() -> p.settle(5)).isInstanceOf(IllegalStateException.class);
    }

    // --- ConfigurationReplacementTest (LocalEngine.reconfigure) ----------------------------------------------

    @Test
    void loweringCapacityOfAFullBucketLeavesItFullAtTheNewCapacity() {
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(500, Rate.of(100, Duration.ofMillis(100))));
        LocalEngine.reconfigure(bucket, TokenBucket.of(200, Rate.of(100, Duration.ofMillis(100))));
        assertThat(bucket.availablePermits()).isEqualTo(200);
        assertThat(bucket.allow(200)).isTrue();
        assertThat(bucket.allow()).isFalse();
    }

    @Test
    void raisingCapacityKeepsTheMissingTokensMissing() {
        // Bucket of 3, one per second; empty, then 1.8 s of refill: 1 whole token, 1.2 missing.
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(3, Rate.perSecond(1)));
        assertThat(bucket.allow(3)).isTrue();
        clock.advance(1_800 * MS);
        assertThat(bucket.availablePermits()).isEqualTo(1);
        LocalEngine.reconfigure(bucket, TokenBucket.of(60, Rate.perSecond(1)));
        // 60 − 1.2 = 58.8 tokens: 58 whole.
        assertThat(bucket.availablePermits()).isEqualTo(58);
        clock.advance(200 * MS);
        // 59.0 tokens: the fraction already refilled is carried over (as Bucket4j ADDITIVE does).
        assertThat(bucket.availablePermits()).isEqualTo(59);
    }

    @Test
    void reconfiguringWithTheSameSpecChangesNothing() {
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(bucket.allow()).isTrue();
        clock.advance(900 * MS);
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(100 * MS);
        LocalEngine.reconfigure(bucket, TokenBucket.of(1, Rate.perSecond(1)));
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(100 * MS);
        clock.advance(100 * MS);
        assertThat(bucket.allow()).isTrue();
    }

    @Test
    void reapplyingTheSameSpecPeriodicallyDoesNotStarveTheBucket() {
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(1, Rate.perSecond(1)));
        int granted = 0;
        for (int tick = 0; tick < 20; tick++) { // 10 s, a config refresh every 500 ms
            if (bucket.allow()) {
                granted++;
            }
            clock.advance(500 * MS);
            LocalEngine.reconfigure(bucket, TokenBucket.of(1, Rate.perSecond(1)));
        }
        assertThat(granted).as("one a second, as without the refreshes").isEqualTo(10);
    }

    @Test
    void raisingTheRateDrainsTheDeficitAtTheNewRate() {
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(10, Rate.perSecond(10)));
        assertThat(bucket.allow(10)).isTrue();
        LocalEngine.reconfigure(bucket, TokenBucket.of(10, Rate.perSecond(100)));
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(10 * MS);
        clock.advance(100 * MS);
        assertThat(bucket.availablePermits()).isEqualTo(10);
    }

    /**
     * Bucket4j (AS_IS) keeps min(tokens, new capacity): 0 tokens, the next in 10 ms. Throttle's rule differs
     * (BucketLimiter.reconfigure: "an emptied bucket of 100 lowered to 10 is 100 short of its new full, so it grants
     * again only once 91 permits have come back at the new rate").
     */
    @Test
    void loweringCapacityOfAnEmptyBucketLeavesItInDebtForTheWholeShortfall() {
        RateLimiter bucket = engine.rateLimiter("b", TokenBucket.of(100, Rate.perSecond(100)));
        assertThat(bucket.allow(100)).isTrue();
        LocalEngine.reconfigure(bucket, TokenBucket.of(10, Rate.perSecond(100)));
        assertThat(bucket.tryAcquire(1).retryAfterNanos()).isEqualTo(910 * MS);
        clock.advance(910 * MS - 1);
        assertThat(bucket.tryAcquire(1).granted()).isFalse();
        clock.advance(1);
        assertThat(bucket.tryAcquire(1).granted()).isTrue();
    }

    @Test
    void reconfigureRefusesAnotherAlgorithmAndNull() {
        RateLimiter bucket = bucketWith(100);
        assertThatThrownBy(() -> LocalEngine.reconfigure(bucket, FixedWindow.of(10, Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LocalEngine.reconfigure(bucket, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(bucket.availablePermits()).isEqualTo(100);
    }
}
