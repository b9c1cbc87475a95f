package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Behaviours checked by .NET's TokenBucketRateLimiterTests, restated for throttle's {@link TokenBucket} (GCRA: a
 * continuous refill of one token per interval; a waiting request reserves its slot at once). .NET's manual
 * {@code TryReplenish()} becomes advancing the manual clock by one replenishment period.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class DotNetTokenBucketTest {

    private static final Duration LONG = Duration.ofMinutes(10);

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private RateLimiter bucket(long capacity, Rate refill) {
        return engine.rateLimiter("api", TokenBucket.of(capacity, refill));
    }

    private static Permit now(CompletableFuture<Permit> future) {
        assertThat(future).isDone();
        return future.join();
    }

    // CanAcquireResource
    @Test
    void closingARatePermitGivesNothingBackOnlyTimeDoes() {
        RateLimiter limiter = bucket(1, Rate.perSecond(1));
        Permit lease = limiter.tryAcquire(1);
        assertThat(lease.granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        lease.close();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
    }

    // InvalidOptionsThrows
    @Test
    void invalidSpecsAreRefused() {
        assertThatThrownBy(() -> TokenBucket.of(-1, Rate.perSecond(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(0, Rate.perSecond(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.perSecond(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.perSecond(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.of(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rate.of(1, Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        // a bucket so large it would take absurdly long to refill
        assertThatThrownBy(() -> TokenBucket.of(Long.MAX_VALUE, Rate.perSecond(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // CanAcquireResourceAsync
    @Test
    void asyncWaiterIsGrantedWhenTheNextTokenArrives() {
        RateLimiter limiter = bucket(1, Rate.perSecond(1));
        assertThat(now(limiter.acquireAsync(1, LONG)).granted()).isTrue();
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        clock.advance(Duration.ofMillis(999));
        assertThat(wait).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(now(wait).granted()).isTrue();
    }

    // CanAcquireResourceAsync_QueuesAndGrabsOldest
    @Test
    void waitersAreServedOldestFirst() {
        RateLimiter limiter = bucket(1, Rate.perSecond(1));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        assertThat(wait1).isNotDone();
        assertThat(wait2).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait1).granted()).isTrue();
        assertThat(wait2).isNotDone();
        assertThat(limiter.availablePermits()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait2).granted()).isTrue();
    }

    // CannotAcquireResourcesWithAcquireAsyncWithQueuedItemsIfOldestFirst
    @Test
    void aSmallLaterWaiterDoesNotOvertakeALargeEarlierOne() {
        RateLimiter limiter = bucket(2, Rate.perSecond(1));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(2, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        assertThat(wait2).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait).granted()).isTrue();
        assertThat(wait2).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait2).granted()).isTrue();
    }

    // CannotAcquireResourcesWithAcquireWithQueuedItemsIfOldestFirst
    @Test
    void tryAcquireDoesNotTakeTokensReservedByAWaiter() {
        RateLimiter limiter = bucket(2, Rate.perSecond(1));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(2, LONG);
        assertThat(wait).isNotDone();
        Permit barging = limiter.tryAcquire(1);
        assertThat(barging.granted()).isFalse();
        assertThat(limiter.allow(1)).isFalse();
        assertThat(limiter.availablePermits()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait).granted()).isTrue();
    }

    // FailsWhenQueuingMoreThanLimit_OldestFirst: throttle bounds waiting by maxWait (no queue count); a request whose
    // slot lies beyond its maxWait is refused at once, with the time its slot would come.
    @Test
    void aWaiterWhoseSlotIsBeyondItsMaxWaitIsRefusedAtOnce() {
        RateLimiter limiter = bucket(1, Rate.perSecond(1));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, Duration.ofSeconds(1));
        assertThat(wait).isNotDone();
        Permit failed = now(limiter.acquireAsync(1, Duration.ofSeconds(1)));
        assertThat(failed.granted()).isFalse();
        assertThat(failed.retryAfter()).isEqualTo(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait).granted()).isTrue();
    }

    // QueueAvailableAfterQueueLimitHitAndResources_BecomeAvailable
    @Test
    void waitingWorksAgainOnceTheEarlierWaiterIsServed() {
        RateLimiter limiter = bucket(1, Rate.perSecond(1));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, Duration.ofSeconds(1));
        assertThat(now(limiter.acquireAsync(1, Duration.ofSeconds(1))).granted()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait).granted()).isTrue();
        wait = limiter.acquireAsync(1, Duration.ofSeconds(1));
        assertThat(wait).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait).granted()).isTrue();
    }

    // LargeAcquiresAndQueuesDoNotIntegerOverflow
    @Test
    void largeAcquiresAndWaitsDoNotOverflow() {
        RateLimiter limiter = bucket(Integer.MAX_VALUE, Rate.of(Integer.MAX_VALUE, Duration.ofSeconds(3)));
        assertThat(limiter.tryAcquire(Integer.MAX_VALUE).granted()).isTrue();
        CompletableFuture<Permit> wait = limiter.acquireAsync(3, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(Integer.MAX_VALUE, LONG);
        assertThat(wait).isNotDone();
        assertThat(wait2).isNotDone();
        clock.advance(Duration.ofSeconds(5));
        assertThat(now(wait).granted()).isTrue();
        assertThat(now(wait2).granted()).isTrue();
        clock.advance(Duration.ofSeconds(10));
        assertThat(limiter.availablePermits()).isEqualTo(Integer.MAX_VALUE);
    }

    // ThrowsWhenAcquiringMoreThanLimit / ThrowsWhenWaitingForMoreThanLimit / ...LessThanZero
    @Test
    void badPermitCountsThrow() {
        RateLimiter limiter = bucket(1, Rate.perSecond(1));
        assertThatThrownBy(() -> limiter.tryAcquire(2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.allow(2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquireAsync(2, LONG)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquire(2, LONG)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquireAsync(-1, LONG)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    // CanDequeueMultipleResourcesAtOnce
    @Test
    void oneRefillPeriodServesSeveralWaiters() {
        RateLimiter limiter = bucket(2, Rate.of(2, Duration.ofSeconds(2)));
        limiter.tryAcquire(2);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        assertThat(wait1).isNotDone();
        assertThat(wait2).isNotDone();
        clock.advance(Duration.ofSeconds(2));
        assertThat(now(wait1).granted()).isTrue();
        assertThat(now(wait2).granted()).isTrue();
    }

    // CanCancelWaitAndAcquireAsyncAfterQueuing
    @Test
    void cancellingAWaiterGivesItsReservedTokenBack() {
        RateLimiter limiter = bucket(1, Rate.perSecond(1));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        assertThat(wait.cancel(false)).isTrue();
        assertThatThrownBy(wait::join).isInstanceOf(CancellationException.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
    }

    // CanCancelWaitAndAcquireAsyncBeforeQueuing
    @Test
    void anInterruptedBlockingAcquireReservesNothing() {
        RateLimiter limiter = bucket(1, Rate.perSecond(1));
        limiter.tryAcquire(1);
        Thread.currentThread().interrupt();
        Permit refused;
        try {
            refused = limiter.acquire(1, LONG);
        } finally {
            assertThat(Thread.interrupted()).isTrue();
        }
        assertThat(refused.granted()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    // CancelUpdatesQueueLimit
    @Test
    void afterACancelTheNextWaiterGetsTheFreedSlot() {
        RateLimiter limiter = bucket(1, Rate.perSecond(1));
        limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, Duration.ofSeconds(1));
        wait.cancel(false);
        wait = limiter.acquireAsync(1, Duration.ofSeconds(1));
        assertThat(wait).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(wait).granted()).isTrue();
    }

    // RetryMetadataOnFailedWaitAsync
    @Test
    void retryAfterOfAnEmptyBucketIsTheTimeToRefillTheRequest() {
        RateLimiter limiter = bucket(2, Rate.of(1, Duration.ofSeconds(20)));
        limiter.tryAcquire(2);
        Permit failed = limiter.tryAcquire(2);
        assertThat(failed.granted()).isFalse();
        assertThat(failed.retryAfter()).isEqualTo(Duration.ofSeconds(40));
        Permit failedWait = now(limiter.acquireAsync(2, Duration.ofSeconds(10)));
        assertThat(failedWait.granted()).isFalse();
        assertThat(failedWait.retryAfter()).isEqualTo(Duration.ofSeconds(40));
    }

    // CorrectRetryMetadataWithQueuedItem
    @Test
    void retryAfterCountsTheTokensAWaiterReserved() {
        RateLimiter limiter = bucket(2, Rate.of(1, Duration.ofSeconds(20)));
        limiter.tryAcquire(2);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, Duration.ofSeconds(20));
        assertThat(wait).isNotDone();
        Permit failed = limiter.tryAcquire(2);
        assertThat(failed.retryAfter()).isEqualTo(Duration.ofSeconds(60));
        // and it is exact: at 60 s (not a nanosecond earlier) two tokens are there
        clock.advance(Duration.ofSeconds(60).minusNanos(1));
        assertThat(now(wait).granted()).isTrue();
        assertThat(limiter.tryAcquire(2).granted()).isFalse();
        clock.advance(1);
        assertThat(limiter.tryAcquire(2).granted()).isTrue();
    }

    // CorrectRetryMetadataWithMultipleTokensPerPeriod — throttle refills continuously (one token per 10 s here).
    @Test
    void retryAfterWithSeveralTokensPerPeriodIsContinuous() {
        RateLimiter limiter = bucket(2, Rate.of(2, Duration.ofSeconds(20)));
        limiter.tryAcquire(2);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, Duration.ofSeconds(20));
        assertThat(wait).isNotDone();
        Permit failed = limiter.tryAcquire(2);
        assertThat(failed.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    }

    // CorrectRetryMetadataWithNonZeroAvailableItems
    @Test
    void retryAfterCountsOnlyTheMissingTokens() {
        RateLimiter limiter = bucket(3, Rate.of(1, Duration.ofSeconds(20)));
        limiter.tryAcquire(2);
        Permit failed = now(limiter.acquireAsync(3, Duration.ofSeconds(1)));
        assertThat(failed.granted()).isFalse();
        assertThat(failed.retryAfter()).isEqualTo(Duration.ofSeconds(40));
        assertThat(failed.remaining()).isEqualTo(1);
        assertThat(failed.limit()).isEqualTo(3);
    }

    // TryReplenishHonorsTokensPerPeriod
    @Test
    void availablePermitsFollowTheRefill() {
        RateLimiter limiter = bucket(7, Rate.of(3, Duration.ofSeconds(3)));
        assertThat(limiter.tryAcquire(5).granted()).isTrue();
        assertThat(limiter.tryAcquire(3).granted()).isFalse();
        assertThat(limiter.availablePermits()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(3));
        assertThat(limiter.availablePermits()).isEqualTo(5);
        clock.advance(Duration.ofSeconds(3));
        assertThat(limiter.availablePermits()).isEqualTo(7);
    }

    // TryReplenishWithAllTokensAvailable_Noops
    @Test
    void aFullBucketDoesNotOverfill() {
        RateLimiter limiter = bucket(2, Rate.perSecond(1));
        assertThat(limiter.availablePermits()).isEqualTo(2);
        clock.advance(Duration.ofHours(1));
        assertThat(limiter.availablePermits()).isEqualTo(2);
        assertThat(limiter.tryAcquire(2).granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
    }

    // ReplenishWorksWithTicksOverInt32Max: readings far from zero (and negative ones, as System.nanoTime may give)
    @Test
    void worksWithClockReadingsFarFromZero() {
        for (long origin : new long[] {1L << 62, -(1L << 62), -5_000_000_000L}) {
            ManualClock far = new ManualClock(origin);
            LocalEngine farEngine = LocalEngine.builder().ticker(far).scheduler(far).build();
            RateLimiter limiter = farEngine.rateLimiter("far", TokenBucket.of(10, Rate.of(1, Duration.ofMillis(2))));
            assertThat(limiter.tryAcquire(10).granted()).as("origin %d", origin).isTrue();
            CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
            assertThat(wait).isNotDone();
            far.advance(Duration.ofMillis(2));
            assertThat(now(wait).granted()).isTrue();
            wait = limiter.acquireAsync(1, LONG);
            far.advance(Duration.ofMillis(1));
            assertThat(wait).isNotDone();
            far.advance(Duration.ofMillis(1));
            assertThat(now(wait).granted()).isTrue();
        }
    }

    // Reconfiguration keeps the tokens owed and applies the new rate (no .NET counterpart; throttle promise)
    @Test
    void reconfiguringKeepsWhatIsOwedAndRefillsAtTheNewRate() {
        RateLimiter limiter = bucket(4, Rate.perSecond(1));
        limiter.tryAcquire(4);
        LocalEngine.reconfigure(limiter, TokenBucket.of(4, Rate.perSecond(2)));
        assertThat(limiter.availablePermits()).isZero();
        clock.advance(Duration.ofMillis(500));
        assertThat(limiter.availablePermits()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1500));
        assertThat(limiter.availablePermits()).isEqualTo(4);
    }

    // Settling below the estimate gives the difference back (reconciliation contract).
    @Test
    void settlingBelowTheEstimateGivesTokensBack() {
        RateLimiter limiter = bucket(4, Rate.perSecond(1));
        Permit lease = limiter.tryAcquire(4);
        lease.settle(1);
        assertThat(limiter.availablePermits()).isEqualTo(3);
        assertThat(limiter.tryAcquire(3).granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
    }
}
