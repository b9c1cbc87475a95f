package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.Concurrency.QueueOrder;
import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Behaviours checked by .NET's ConcurrencyLimiterTests (System.Threading.RateLimiting), restated against throttle's
 * bulkhead ({@link Concurrency} on the local engine). Written from the behaviours, not from the .NET code.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class DotNetConcurrencyLimiterTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private Limiter bulkhead(long limit, int maxQueue, QueueOrder order) {
        return engine.limiter("db", new Concurrency(limit, maxQueue, order));
    }

    private static ConcurrencyStats stats(Limiter limiter) {
        return (ConcurrencyStats) limiter;
    }

    private static Permit now(CompletableFuture<Permit> future) {
        assertThat(future).isDone();
        return future.join();
    }

    // CanAcquireResource
    @Test
    void grantRefuseThenGrantAgainAfterClose() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.LIFO);
        Permit lease = limiter.tryAcquire(1);
        assertThat(lease.granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        lease.close();
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
    }

    // InvalidOptionsThrows
    @Test
    void invalidSpecsAreRefused() {
        assertThatThrownBy(() -> new Concurrency(-1, 1, QueueOrder.LIFO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Concurrency(0, 1, QueueOrder.LIFO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Concurrency(1, -1, QueueOrder.LIFO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Concurrency(1, 1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Concurrency(1L + Integer.MAX_VALUE, 1, QueueOrder.FIFO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // CanAcquireResourceAsync
    @Test
    void asyncWaiterIsGrantedWhenThePermitIsClosed() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.LIFO);
        Permit lease = now(limiter.acquireAsync(1, LONG));
        assertThat(lease.granted()).isTrue();
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        lease.close();
        assertThat(now(wait).granted()).isTrue();
    }

    // CanAcquireResourceAsync_QueuesAndGrabsOldest
    @Test
    void fifoServesTheOldestWaiterFirst() {
        Limiter limiter = bulkhead(1, 2, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        assertThat(wait1).isNotDone();
        assertThat(wait2).isNotDone();
        lease.close();
        Permit first = now(wait1);
        assertThat(first.granted()).isTrue();
        assertThat(wait2).isNotDone();
        first.close();
        assertThat(now(wait2).granted()).isTrue();
    }

    // CanAcquireResourceAsync_QueuesAndGrabsNewest
    @Test
    void lifoServesTheNewestWaiterFirst() {
        Limiter limiter = bulkhead(2, 3, QueueOrder.LIFO);
        Permit lease = limiter.tryAcquire(2);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(2, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        assertThat(wait1).isNotDone();
        assertThat(wait2).isNotDone();
        lease.close();
        Permit newest = now(wait2);
        assertThat(newest.granted()).isTrue();
        assertThat(wait1).isNotDone();
        newest.close();
        assertThat(now(wait1).granted()).isTrue();
    }

    // FailsWhenQueuingMoreThanLimit_OldestFirst
    @Test
    void fifoRefusesTheNewcomerWhenTheQueueIsFull() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        Permit failed = now(limiter.acquireAsync(1, LONG));
        assertThat(failed.granted()).isFalse();
        assertThat(failed.never()).isFalse();
        assertThat(wait).isNotDone();
        assertThat(stats(limiter).queueLength()).isEqualTo(1);
        lease.close();
        assertThat(now(wait).granted()).isTrue();
    }

    // DropsOldestWhenQueuingMoreThanLimit_NewestFirst. Concurrency.QueueOrder.LIFO: "a request that finds the queue
    // full takes the place of the oldest waiter, which is refused".
    @Test
    void lifoWithAFullQueueRefusesTheOldestWaiterAndQueuesTheNewcomer() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.LIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> oldest = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> newcomer = limiter.acquireAsync(1, LONG);
        Permit refused = now(oldest);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.never()).isFalse();
        assertThat(newcomer).isNotDone();
        assertThat(stats(limiter).queueLength()).isEqualTo(1);
        assertThat(clock.pendingTasks()).as("only the newcomer's timeout is left").isEqualTo(1);
        lease.close();
        assertThat(now(newcomer).granted()).isTrue();
    }

    // DropsMultipleOldestWhenQueuingMoreThanLimit_NewestFirst / DropsRequestedLeaseIfPermitCountGreaterThanQueueLimit.
    // Concurrency: "maxQueue the most requests waiting at once" (requests, not permits, unlike .NET's QueueLimit): a
    // newcomer for 2 permits takes one place, so it refuses only the oldest of two 1-permit waiters.
    @Test
    void aFullLifoQueueRefusesOneOldestWaiterWhateverTheNewcomersPermits() {
        Limiter limiter = bulkhead(2, 2, QueueOrder.LIFO);
        Permit lease = limiter.tryAcquire(2);
        CompletableFuture<Permit> oldest = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> older = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> newcomer = limiter.acquireAsync(2, LONG);
        assertThat(now(oldest).granted()).isFalse();
        assertThat(older).isNotDone();
        assertThat(newcomer).isNotDone();
        assertThat(stats(limiter).queueLength()).isEqualTo(2);
        lease.close();
        Permit newest = now(newcomer);
        assertThat(newest.granted()).isTrue();
        assertThat(older).isNotDone();
        newest.close();
        assertThat(now(older).granted()).isTrue();
    }

    // The same bound under FIFO: one waiter for 2 permits fills a queue of 1, and the newcomer is refused.
    @Test
    void fifoQueueBoundCountsRequestsNotPermits() {
        Limiter limiter = bulkhead(2, 1, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(2);
        CompletableFuture<Permit> wait = limiter.acquireAsync(2, LONG);
        assertThat(wait).isNotDone();
        assertThat(stats(limiter).queueLength()).isEqualTo(1);
        assertThat(now(limiter.acquireAsync(1, LONG)).granted()).isFalse();
        lease.close();
        assertThat(now(wait).granted()).isTrue();
    }

    // LargeAcquiresAndQueuesDoNotIntegerOverflow
    @Test
    void largeAcquiresAndQueuesDoNotOverflow() {
        Limiter limiter = bulkhead(Integer.MAX_VALUE, Integer.MAX_VALUE, QueueOrder.LIFO);
        Permit lease = limiter.tryAcquire(Integer.MAX_VALUE);
        assertThat(lease.granted()).isTrue();
        assertThat(lease.remaining()).isZero();
        CompletableFuture<Permit> wait = limiter.acquireAsync(3, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(Integer.MAX_VALUE, LONG);
        assertThat(wait).isNotDone();
        assertThat(wait2).isNotDone();
        assertThat(limiter.availablePermits()).isZero();
        lease.close();
        Permit big = now(wait2);
        assertThat(big.granted()).isTrue();
        assertThat(wait).isNotDone();
        assertThat(stats(limiter).inFlight()).isEqualTo(Integer.MAX_VALUE);
        big.close();
        Permit small = now(wait);
        assertThat(small.granted()).isTrue();
        assertThat(limiter.availablePermits()).isEqualTo(Integer.MAX_VALUE - 3L);
        small.close();
        assertThat(limiter.availablePermits()).isEqualTo(Integer.MAX_VALUE);
    }

    // QueueAvailableAfterQueueLimitHitAndResources_BecomeAvailable
    @Test
    void queueAcceptsAgainOnceItsWaiterIsServed() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        assertThat(now(limiter.acquireAsync(1, LONG)).granted()).isFalse();
        lease.close();
        lease = now(wait);
        assertThat(lease.granted()).isTrue();
        wait = limiter.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        lease.close();
        assertThat(now(wait).granted()).isTrue();
    }

    // ThrowsWhenAcquiringMoreThanLimit / ThrowsWhenWaitingForMoreThanLimit
    @Test
    void askingForMoreThanTheLimitThrows() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.LIFO);
        assertThatThrownBy(() -> limiter.tryAcquire(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("permits");
        assertThatThrownBy(() -> limiter.acquireAsync(2, LONG)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquire(2, LONG)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(stats(limiter).queueLength()).isZero();
    }

    // ThrowsWhenAcquiringLessThanZero / ThrowsWhenWaitingForLessThanZero (throttle also refuses 0 by design)
    @Test
    void askingForLessThanOneThrows() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.LIFO);
        assertThatThrownBy(() -> limiter.tryAcquire(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.tryAcquire(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquireAsync(-1, LONG)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquireAsync(0, LONG)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquireAsync(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquireAsync(1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    // CanDequeueMultipleResourcesAtOnce
    @Test
    void oneReleaseServesSeveralWaiters() {
        Limiter limiter = bulkhead(2, 2, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(2);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        assertThat(wait1).isNotDone();
        assertThat(wait2).isNotDone();
        lease.close();
        assertThat(now(wait1).granted()).isTrue();
        assertThat(now(wait2).granted()).isTrue();
        assertThat(stats(limiter).queueLength()).isZero();
        assertThat(stats(limiter).inFlight()).isEqualTo(2);
    }

    // CanAcquireResourcesWithAcquireAsyncWithQueuedItemsIfNewestFirst
    @Test
    void lifoLetsANewAsyncRequestThroughPastABlockedOlderWaiter() {
        Limiter limiter = bulkhead(2, 3, QueueOrder.LIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(2, LONG);
        assertThat(wait1).isNotDone();
        Permit lease2 = now(limiter.acquireAsync(1, LONG));
        assertThat(lease2.granted()).isTrue();
        lease.close();
        assertThat(wait1).isNotDone();
        lease2.close();
        assertThat(now(wait1).granted()).isTrue();
    }

    // CannotAcquireResourcesWithAcquireAsyncWithQueuedItemsIfOldestFirst
    @Test
    void fifoDoesNotLetASmallerNewcomerPastABlockedOlderWaiter() {
        Limiter limiter = bulkhead(2, 3, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(2, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        assertThat(wait1).isNotDone();
        assertThat(wait2).isNotDone();
        lease.close();
        Permit first = now(wait1);
        assertThat(first.granted()).isTrue();
        assertThat(wait2).isNotDone();
        first.close();
        assertThat(now(wait2).granted()).isTrue();
    }

    // CanAcquireResourcesWithAcquireWithQueuedItemsIfNewestFirst — semantic difference: throttle's tryAcquire never
    // takes permits while anyone waits, whatever the order.
    @Test
    void lifoTryAcquireDoesNotBargeWhileAnyoneWaits() {
        Limiter limiter = bulkhead(2, 3, QueueOrder.LIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(2, LONG);
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        lease.close();
        assertThat(now(wait1).granted()).isTrue();
    }

    // CannotAcquireResourcesWithAcquireWithQueuedItemsIfOldestFirst
    @Test
    void fifoTryAcquireDoesNotBargeWhileAnyoneWaits() {
        Limiter limiter = bulkhead(2, 3, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait1 = limiter.acquireAsync(2, LONG);
        assertThat(wait1).isNotDone();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        lease.close();
        assertThat(now(wait1).granted()).isTrue();
    }

    // CanCancelAcquireAsyncAfterQueuing
    @Test
    void cancellingAQueuedWaiterGivesEverythingBack() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        assertThat(wait.cancel(false)).isTrue();
        assertThatThrownBy(wait::join).isInstanceOf(CancellationException.class);
        assertThat(stats(limiter).queueLength()).isZero();
        lease.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(stats(limiter).inFlight()).isZero();
    }

    // CanCancelAcquireAsyncBeforeQueuing — a thread interrupted before it asks withdraws at once.
    @Test
    void anInterruptedBlockingAcquireWithdrawsAndTakesNothing() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        Thread.currentThread().interrupt();
        Permit refused;
        try {
            refused = limiter.acquire(1, LONG);
        } finally {
            assertThat(Thread.interrupted()).isTrue();
        }
        assertThat(refused.granted()).isFalse();
        assertThat(stats(limiter).queueLength()).isZero();
        lease.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    // CancelUpdatesQueueLimit
    @Test
    void aCancelledWaiterFreesItsQueueSlot() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        wait.cancel(false);
        wait = limiter.acquireAsync(1, LONG);
        assertThat(wait).isNotDone();
        lease.close();
        assertThat(now(wait).granted()).isTrue();
    }

    // CanFillQueueWithNewestFirstAfterCancelingQueuedRequestWithAnotherQueuedRequest
    @Test
    void lifoQueueRefillsAfterACancelAndServesNewestFirst() {
        Limiter limiter = bulkhead(2, 2, QueueOrder.LIFO);
        Permit lease = limiter.tryAcquire(2);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        CompletableFuture<Permit> wait2 = limiter.acquireAsync(1, LONG);
        wait.cancel(false);
        CompletableFuture<Permit> wait3 = limiter.acquireAsync(2, LONG);
        assertThat(wait3).isNotDone();
        // the queue holds two requests, so nobody is refused (.NET counts 3 queued permits and would evict wait2)
        assertThat(wait2).isNotDone();
        lease.close();
        Permit newest = now(wait3);
        assertThat(newest.granted()).isTrue();
        assertThat(wait2).isNotDone();
        newest.close();
        assertThat(now(wait2).granted()).isTrue();
    }

    // The .NET token-cancellation tests with a timeout: maxWait elapsing refuses and frees the slot.
    @Test
    void aWaiterThatTimesOutIsRefusedAndLeavesTheQueue() {
        Limiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, Duration.ofSeconds(2));
        clock.advance(Duration.ofMillis(1999));
        assertThat(wait).isNotDone();
        clock.advance(Duration.ofMillis(1));
        Permit refused = now(wait);
        assertThat(refused.granted()).isFalse();
        assertThat(stats(limiter).queueLength()).isZero();
        lease.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(now(limiter.acquireAsync(1, LONG)).granted()).isTrue();
    }

    // Waiters served when permits free up: a blocked head that leaves lets the smaller waiters behind it through.
    @Test
    void aBlockingHeadThatTimesOutLetsTheWaitersBehindThrough() {
        Limiter limiter = bulkhead(2, 2, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> big = limiter.acquireAsync(2, Duration.ofSeconds(1));
        CompletableFuture<Permit> small = limiter.acquireAsync(1, LONG);
        assertThat(small).isNotDone();
        clock.advance(Duration.ofSeconds(1));
        assertThat(now(big).granted()).isFalse();
        assertThat(now(small).granted()).isTrue();
        assertThat(stats(limiter).inFlight()).isEqualTo(2);
    }

    @Test
    void aBlockingHeadThatIsCancelledLetsTheWaitersBehindThrough() {
        Limiter limiter = bulkhead(2, 2, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(1);
        CompletableFuture<Permit> big = limiter.acquireAsync(2, LONG);
        CompletableFuture<Permit> small = limiter.acquireAsync(1, LONG);
        big.cancel(false);
        assertThat(now(small).granted()).isTrue();
        assertThat(stats(limiter).inFlight()).isEqualTo(2);
        assertThat(stats(limiter).queueLength()).isZero();
    }

    // GetStatisticsHasCorrectValues (throttle counts queued requests, not queued permits)
    @Test
    void statisticsFollowGrantsQueueingAndRefusals() {
        Limiter limiter = bulkhead(100, 1, QueueOrder.FIFO);
        ConcurrencyStats stats = stats(limiter);
        assertThat(limiter.availablePermits()).isEqualTo(100);
        assertThat(stats.queueLength()).isZero();
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.limit()).isEqualTo(100);

        Permit lease1 = limiter.tryAcquire(60);
        assertThat(lease1.remaining()).isEqualTo(40);
        assertThat(lease1.limit()).isEqualTo(100);
        assertThat(limiter.availablePermits()).isEqualTo(40);
        assertThat(stats.inFlight()).isEqualTo(60);

        CompletableFuture<Permit> lease2 = limiter.acquireAsync(50, LONG);
        assertThat(lease2).isNotDone();
        assertThat(limiter.availablePermits()).isEqualTo(40);
        assertThat(stats.queueLength()).isEqualTo(1);

        Permit lease3 = now(limiter.acquireAsync(1, LONG));
        assertThat(lease3.granted()).isFalse();
        assertThat(stats.queueLength()).isEqualTo(1);
        assertThat(limiter.availablePermits()).isEqualTo(40);

        Permit lease4 = limiter.tryAcquire(100);
        assertThat(lease4.granted()).isFalse();
        assertThat(lease4.never()).isFalse();
        assertThat(limiter.availablePermits()).isEqualTo(40);

        lease1.close();
        Permit granted = now(lease2);
        assertThat(granted.granted()).isTrue();
        assertThat(granted.permits()).isEqualTo(50);
        assertThat(granted.remaining()).isEqualTo(50);
        assertThat(limiter.availablePermits()).isEqualTo(50);
        assertThat(stats.queueLength()).isZero();
        assertThat(stats.inFlight()).isEqualTo(50);
    }

    // Settling a bulkhead permit below its grant frees the difference and serves waiters (no .NET counterpart; the
    // ".NET lease dispose releases" behaviour applied to a partial release).
    @Test
    void settlingBelowTheGrantFreesTheDifferenceForWaiters() {
        Limiter limiter = bulkhead(2, 1, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(2);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        lease.settle(1);
        assertThat(now(wait).granted()).isTrue();
        assertThat(stats(limiter).inFlight()).isEqualTo(2);
        lease.close();
        assertThat(stats(limiter).inFlight()).isEqualTo(1);
    }

    // Reconfiguration: raising the limit serves waiters at once; lowering refuses a waiter above it with NEVER.
    @Test
    void raisingTheLimitServesWaitersAndLoweringRefusesTheImpossibleOnes() {
        Limiter limiter = bulkhead(2, 2, QueueOrder.FIFO);
        Permit lease = limiter.tryAcquire(2);
        CompletableFuture<Permit> wait = limiter.acquireAsync(1, LONG);
        LocalEngine.reconfigure(limiter, new Concurrency(3, 2, QueueOrder.FIFO));
        assertThat(now(wait).granted()).isTrue();

        CompletableFuture<Permit> big = limiter.acquireAsync(3, LONG);
        assertThat(big).isNotDone();
        LocalEngine.reconfigure(limiter, new Concurrency(2, 2, QueueOrder.FIFO));
        Permit refused = now(big);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.never()).isTrue();
        assertThat(limiter.availablePermits()).isZero();
        lease.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }
}
