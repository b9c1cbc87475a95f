package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency.QueueOrder;
import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;

/** A hung test (a lost wake-up, a spinning serve loop) fails after a few seconds instead of hanging the build. */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class ConcurrencyLimiterTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private ConcurrencyLimiter bulkhead(long limit, int maxQueue, QueueOrder order) {
        Limiter limiter = engine.limiter("bulkhead", new Concurrency(limit, maxQueue, order));
        assertThat(limiter).isInstanceOf(ConcurrencyLimiter.class);
        return (ConcurrencyLimiter) limiter;
    }

    @Test
    void grantsUpToTheLimitAndRefusesTheNextUntilOneIsClosed() {
        ConcurrencyLimiter limiter = bulkhead(2, 0, QueueOrder.FIFO);
        Permit first = limiter.tryAcquire(1);
        Permit second = limiter.tryAcquire(1);
        assertThat(first.granted()).isTrue();
        assertThat(first.remaining()).isEqualTo(1);
        assertThat(first.limit()).isEqualTo(2);
        assertThat(first.limiterName()).isEqualTo("bulkhead");
        assertThat(second.granted()).isTrue();
        assertThat(second.remaining()).isZero();

        Permit third = limiter.tryAcquire(1);
        assertThat(third.granted()).isFalse();
        assertThat(third.never()).isFalse();
        assertThat(third.retryAfterNanos()).isEqualTo(1L);
        assertThat(limiter.availablePermits()).isZero();
        assertThat(limiter.inFlight()).isEqualTo(2);

        first.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(limiter.tryAcquire(1).granted()).isTrue();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
    }

    @Test
    void closingTwiceOrDroppingAfterCloseReleasesOnce() {
        ConcurrencyLimiter limiter = bulkhead(2, 0, QueueOrder.FIFO);
        Permit first = limiter.tryAcquire(1);
        Permit second = limiter.tryAcquire(1);
        first.close();
        first.close();
        first.dropped();
        assertThat(limiter.availablePermits()).isEqualTo(1);
        second.dropped();
        assertThat(limiter.availablePermits()).isEqualTo(2);
        limiter.tryAcquire(1).close();
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void refusedPermitsGiveNothingBack() {
        ConcurrencyLimiter limiter = bulkhead(1, 0, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(1);
        Permit refused = limiter.tryAcquire(1);
        refused.close();
        refused.settle(0);
        assertThat(limiter.availablePermits()).isZero();
        held.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void weightedRequestsHoldTheirPermits() {
        ConcurrencyLimiter limiter = bulkhead(5, 0, QueueOrder.FIFO);
        Permit three = limiter.tryAcquire(3);
        assertThat(three.granted()).isTrue();
        assertThat(three.permits()).isEqualTo(3);
        assertThat(three.remaining()).isEqualTo(2);
        assertThat(limiter.tryAcquire(3).granted()).isFalse();
        Permit two = limiter.tryAcquire(2);
        assertThat(two.granted()).isTrue();
        assertThat(limiter.availablePermits()).isZero();
        three.close();
        assertThat(limiter.availablePermits()).isEqualTo(3);
        assertThat(limiter.tryAcquire(3).granted()).isTrue();
    }

    @Test
    void settlingGivesBackTheUnusedPermitsOnce() {
        ConcurrencyLimiter limiter = bulkhead(10, 0, QueueOrder.FIFO);
        Permit estimate = limiter.tryAcquire(8);
        assertThatThrownBy(() -> estimate.settle(9))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("actualPermits")
                .hasMessageContaining("[0, 8]");
        assertThatThrownBy(() -> estimate.settle(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.inFlight()).isEqualTo(8);

        estimate.settle(3);
        assertThat(limiter.inFlight()).isEqualTo(3);
        assertThatThrownBy(() -> estimate.settle(1)).isInstanceOf(IllegalStateException.class);
        assertThat(limiter.inFlight()).isEqualTo(3);
        estimate.close();
        assertThat(limiter.inFlight()).isZero();
        estimate.close();
        assertThat(limiter.availablePermits()).isEqualTo(10);
    }

    @Test
    void settlingAClosedPermitChangesNothing() {
        ConcurrencyLimiter limiter = bulkhead(4, 0, QueueOrder.FIFO);
        Permit permit = limiter.tryAcquire(4);
        permit.close();
        permit.settle(1);
        assertThat(limiter.availablePermits()).isEqualTo(4);
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyChange() {
        ConcurrencyLimiter limiter = bulkhead(2, 2, QueueOrder.FIFO);
        assertThatThrownBy(() -> limiter.tryAcquire(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 2]");
        assertThatThrownBy(() -> limiter.tryAcquire(3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("permits");
        assertThatThrownBy(() -> limiter.acquireAsync(1, Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> limiter.acquire(1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter.acquireAsync(3, SECOND, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.availablePermits()).isEqualTo(2);
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void aWaiterIsGrantedWhenAPermitIsClosed() {
        ConcurrencyLimiter limiter = bulkhead(1, 4, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(1);
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, SECOND);
        assertThat(waiting).isNotDone();
        assertThat(limiter.queueLength()).isEqualTo(1);
        assertThat(clock.pendingTasks()).isEqualTo(1);
        // An arriving tryAcquire does not barge past the waiter, even when a permit is free for a moment.
        held.close();
        Permit granted = done(waiting);
        assertThat(granted.granted()).isTrue();
        assertThat(granted.remaining()).isZero();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).as("the timeout is cancelled on grant").isZero();
        assertThat(limiter.tryAcquire(1).granted()).isFalse();
        granted.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void tryAcquireDoesNotBargePastAQueuedWaiter() {
        ConcurrencyLimiter limiter = bulkhead(3, 4, QueueOrder.FIFO);
        Permit two = limiter.tryAcquire(2);
        CompletableFuture<Permit> big = limiter.acquireAsync(3, SECOND);
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(limiter.tryAcquire(1).granted()).as("a permit is free but a waiter is queued").isFalse();
        assertThat(done(limiter.acquireAsync(1, Duration.ZERO)).granted()).isFalse();
        two.close();
        assertThat(done(big).permits()).isEqualTo(3);
    }

    @Test
    void fifoServesTheOldestFirst() {
        assertThat(servingOrder(QueueOrder.FIFO, new int[] {0, 0, 0, 0})).containsExactly(0, 1, 2, 3);
    }

    @Test
    void lifoServesTheNewestFirst() {
        assertThat(servingOrder(QueueOrder.LIFO, new int[] {0, 0, 0, 0})).containsExactly(3, 2, 1, 0);
    }

    @Test
    void aFullLifoQueueRefusesItsOldestWaiterToTakeANewOne() {
        ConcurrencyLimiter limiter = bulkhead(1, 2, QueueOrder.LIFO);
        Permit held = limiter.tryAcquire(1);
        CompletableFuture<Permit> oldest = limiter.acquireAsync(1, SECOND);
        CompletableFuture<Permit> older = limiter.acquireAsync(1, SECOND);
        assertThat(clock.pendingTasks()).isEqualTo(2);
        CompletableFuture<Permit> fresh = limiter.acquireAsync(1, SECOND);
        Permit evicted = done(oldest);
        assertThat(evicted.granted()).isFalse();
        assertThat(evicted.retryAfterNanos()).as("when a permit is released").isEqualTo(1L);
        assertThat(limiter.queueLength()).isEqualTo(2);
        assertThat(clock.pendingTasks()).as("the refused waiter's timeout is cancelled").isEqualTo(2);
        held.close();
        Permit first = done(fresh);
        assertThat(first.granted()).isTrue();
        first.close();
        assertThat(done(older).granted()).isTrue();

        // FIFO keeps its waiters and refuses the newcomer; so does a LIFO bulkhead without a queue.
        ConcurrencyLimiter fifo = bulkhead(1, 1, QueueOrder.FIFO);
        fifo.tryAcquire(1);
        CompletableFuture<Permit> kept = fifo.acquireAsync(1, SECOND);
        assertThat(done(fifo.acquireAsync(1, SECOND)).granted()).isFalse();
        assertThat(kept).isNotDone();
        ConcurrencyLimiter noQueue = bulkhead(1, 0, QueueOrder.LIFO);
        noQueue.tryAcquire(1);
        assertThat(done(noQueue.acquireAsync(1, SECOND)).granted()).isFalse();
        assertThat(noQueue.queueLength()).isZero();
    }

    @Test
    void priorityServesTheHighestFirstAndFifoAmongEquals() {
        assertThat(servingOrder(QueueOrder.PRIORITY, new int[] {1, 5, 1, 9, 5, -2}))
                .containsExactly(3, 1, 4, 0, 2, 5);
    }

    @Test
    void fifoAndLifoIgnorePriorities() {
        assertThat(servingOrder(QueueOrder.FIFO, new int[] {1, 9, 5})).containsExactly(0, 1, 2);
        assertThat(servingOrder(QueueOrder.LIFO, new int[] {9, 1, 5})).containsExactly(2, 1, 0);
    }

    /** Queues one waiter per priority behind a held permit, then releases one permit at a time. */
    private List<Integer> servingOrder(QueueOrder order, int[] priorities) {
        ConcurrencyLimiter limiter = bulkhead(1, priorities.length, order);
        Permit held = limiter.tryAcquire(1);
        List<CompletableFuture<Permit>> waiters = new ArrayList<>();
        for (int priority : priorities) {
            waiters.add(limiter.acquireAsync(1, SECOND, priority));
        }
        assertThat(limiter.queueLength()).isEqualTo(priorities.length);
        List<Integer> served = new ArrayList<>();
        Permit current = held;
        for (int round = 0; round < priorities.length; round++) {
            current.close();
            int grantedNow = -1;
            for (int i = 0; i < waiters.size(); i++) {
                if (waiters.get(i).isDone() && !served.contains(i)) {
                    assertThat(grantedNow).as("one waiter per released permit").isEqualTo(-1);
                    grantedNow = i;
                }
            }
            assertThat(grantedNow).isNotNegative();
            served.add(grantedNow);
            current = waiters.get(grantedNow).join();
            assertThat(current.granted()).isTrue();
        }
        current.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(limiter.queueLength()).isZero();
        return served;
    }

    @Test
    void aLargeHeadWaiterBlocksSmallerOnesBehindIt() {
        ConcurrencyLimiter limiter = bulkhead(4, 4, QueueOrder.FIFO);
        Permit a = limiter.tryAcquire(2);
        Permit b = limiter.tryAcquire(2);
        CompletableFuture<Permit> large = limiter.acquireAsync(4, SECOND);
        CompletableFuture<Permit> small = limiter.acquireAsync(1, SECOND);
        a.close();
        assertThat(large).isNotDone();
        assertThat(small).as("must not overtake the large head").isNotDone();
        b.close();
        assertThat(done(large).granted()).isTrue();
        assertThat(small).isNotDone();
        done(large).close();
        assertThat(done(small).granted()).isTrue();
    }

    @Test
    void oneReleaseServesEveryWaiterThatFits() {
        ConcurrencyLimiter limiter = bulkhead(4, 4, QueueOrder.FIFO);
        Permit all = limiter.tryAcquire(4);
        CompletableFuture<Permit> one = limiter.acquireAsync(1, SECOND);
        CompletableFuture<Permit> two = limiter.acquireAsync(2, SECOND);
        CompletableFuture<Permit> three = limiter.acquireAsync(3, SECOND);
        all.close();
        assertThat(done(one).granted()).isTrue();
        assertThat(done(two).granted()).isTrue();
        assertThat(three).isNotDone();
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void aReleaseWhileAWaiterIsQueueingIsNotMissed() {
        // The waiter schedules its timeout after its attempt failed and before it is in the queue: a permit closed
        // in that window finds nobody to serve, so the waiter must serve itself once queued.
        AtomicReference<Permit> held = new AtomicReference<>();
        Scheduler releasingScheduler = (task, delayNanos) -> {
            held.get().close();
            return clock.schedule(task, delayNanos);
        };
        ConcurrencyLimiter limiter = new ConcurrencyLimiter("racy", new Concurrency(1, 1, QueueOrder.FIFO), clock,
                releasingScheduler);
        held.set(limiter.tryAcquire(1));
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, SECOND);
        assertThat(done(waiting).granted()).isTrue();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void aFullQueueRefusesAtOnce() {
        ConcurrencyLimiter limiter = bulkhead(1, 2, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(1);
        CompletableFuture<Permit> first = limiter.acquireAsync(1, SECOND);
        CompletableFuture<Permit> second = limiter.acquireAsync(1, SECOND);
        CompletableFuture<Permit> third = limiter.acquireAsync(1, SECOND);
        assertThat(third).isDone();
        assertThat(done(third).granted()).isFalse();
        assertThat(done(third).retryAfterNanos()).isEqualTo(1L);
        assertThat(limiter.queueLength()).isEqualTo(2);
        assertThat(clock.pendingTasks()).isEqualTo(2);
        held.close();
        assertThat(done(first).granted()).isTrue();
        assertThat(second).isNotDone();
        assertThat(limiter.acquireAsync(1, SECOND)).as("a slot was freed by the grant").isNotDone();
    }

    @Test
    void noQueueOrNoWaitMeansNoWaiting() {
        ConcurrencyLimiter noQueue = bulkhead(1, 0, QueueOrder.FIFO);
        noQueue.tryAcquire(1);
        assertThat(done(noQueue.acquireAsync(1, SECOND)).granted()).isFalse();
        assertThat(noQueue.acquire(1, SECOND).granted()).isFalse();
        ConcurrencyLimiter queue = bulkhead(1, 3, QueueOrder.FIFO);
        queue.tryAcquire(1);
        assertThat(queue.acquire(1, Duration.ZERO).granted()).isFalse();
        assertThat(queue.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void aWaiterTimesOutRefusedAndFreesItsSlot() {
        ConcurrencyLimiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(1);
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofMillis(100));
        assertThat(done(limiter.acquireAsync(1, SECOND)).granted()).as("queue full").isFalse();
        clock.advance(Duration.ofMillis(99));
        assertThat(waiting).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(waiting).isDone();
        assertThat(done(waiting).granted()).isFalse();
        assertThat(done(waiting).retryAfterNanos()).isEqualTo(1L);
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();

        CompletableFuture<Permit> next = limiter.acquireAsync(1, SECOND);
        assertThat(next).as("the slot is free again").isNotDone();
        assertThat(limiter.queueLength()).isEqualTo(1);
        held.close();
        assertThat(done(next).granted()).isTrue();
        assertThat(limiter.availablePermits()).isZero();
    }

    @Test
    void aTimedOutHeadLetsTheWaitersBehindItThrough() {
        ConcurrencyLimiter limiter = bulkhead(3, 4, QueueOrder.FIFO);
        Permit two = limiter.tryAcquire(2);
        CompletableFuture<Permit> large = limiter.acquireAsync(3, Duration.ofMillis(10));
        CompletableFuture<Permit> small = limiter.acquireAsync(1, SECOND);
        assertThat(small).isNotDone();
        clock.advance(Duration.ofMillis(10));
        assertThat(done(large).granted()).isFalse();
        assertThat(done(small).granted()).isTrue();
        assertThat(limiter.availablePermits()).isZero();
        two.close();
        assertThat(limiter.availablePermits()).isEqualTo(2);
    }

    @Test
    void cancellingAWaiterFreesItsSlotAndNeverLeaksAPermit() {
        ConcurrencyLimiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(1);
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, SECOND);
        assertThat(waiting.cancel(false)).isTrue();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).as("its timeout is cancelled").isZero();

        CompletableFuture<Permit> next = limiter.acquireAsync(1, SECOND);
        assertThat(next).as("the slot is free again").isNotDone();
        held.close();
        Permit granted = done(next);
        assertThat(granted.granted()).isTrue();
        granted.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(limiter.inFlight()).isZero();
        clock.advance(Duration.ofSeconds(2));
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void cancellingALargeHeadLetsTheWaitersBehindItThrough() {
        ConcurrencyLimiter limiter = bulkhead(3, 4, QueueOrder.FIFO);
        Permit two = limiter.tryAcquire(2);
        CompletableFuture<Permit> large = limiter.acquireAsync(3, SECOND);
        CompletableFuture<Permit> small = limiter.acquireAsync(1, SECOND);
        assertThat(small).isNotDone();
        large.cancel(false);
        assertThat(done(small).granted()).isTrue();
        assertThat(limiter.availablePermits()).isZero();
        assertThat(limiter.queueLength()).isZero();
        two.close();
        done(small).close();
        assertThat(limiter.availablePermits()).isEqualTo(3);
    }

    @Test
    void completingAWaitersFutureFromOutsideWithdrawsIt() {
        ConcurrencyLimiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(1);
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, SECOND);
        waiting.completeExceptionally(new IllegalStateException("caller gave up"));
        assertThat(limiter.queueLength()).isZero();
        held.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void aGrantedWaiterWhoseFutureWasCancelledGivesThePermitBack() {
        ConcurrencyLimiter limiter = bulkhead(2, 4, QueueOrder.FIFO);
        Permit both = limiter.tryAcquire(2);
        CompletableFuture<Permit> first = limiter.acquireAsync(1, SECOND);
        CompletableFuture<Permit> second = limiter.acquireAsync(1, SECOND);
        // One release grants both waiters, then completes them in order: completing the first cancels the second,
        // whose permit was already taken for it.
        AtomicReference<Boolean> cancelled = new AtomicReference<>();
        first.thenRun(() -> cancelled.set(second.cancel(false)));
        both.close();
        assertThat(cancelled.get()).isTrue();
        assertThat(done(first).granted()).isTrue();
        assertThat(second).isCancelled();
        assertThat(limiter.inFlight()).isEqualTo(1);
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(limiter.queueLength()).isZero();
        done(first).close();
        assertThat(limiter.availablePermits()).isEqualTo(2);
    }

    @Test
    void cancellingAfterTheGrantKeepsThePermitWithTheCaller() {
        ConcurrencyLimiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(1);
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, SECOND);
        held.close();
        assertThat(waiting.cancel(false)).isFalse();
        assertThat(limiter.inFlight()).isEqualTo(1);
        done(waiting).close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void blockingAcquireWaitsForAClose() throws InterruptedException {
        ConcurrencyLimiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(1);
        AtomicReference<Permit> result = new AtomicReference<>();
        Thread waiter = new Thread(() -> result.set(limiter.acquire(1, SECOND)));
        waiter.start();
        awaitWaiters(limiter, 1);
        held.close();
        waiter.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(result.get().granted()).isTrue();
    }

    @Test
    void blockingAcquireTimesOutThroughTheClock() throws InterruptedException {
        ConcurrencyLimiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        limiter.tryAcquire(1);
        AtomicReference<Permit> result = new AtomicReference<>();
        Thread waiter = new Thread(() -> result.set(limiter.acquire(1, Duration.ofMillis(50))));
        waiter.start();
        awaitWaiters(limiter, 1);
        clock.advance(Duration.ofMillis(50));
        waiter.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(result.get().granted()).isFalse();
        assertThat(limiter.queueLength()).isZero();
    }

    @Test
    void anInterruptedAcquireWithdrawsAndKeepsTheFlag() throws InterruptedException {
        ConcurrencyLimiter limiter = bulkhead(1, 1, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(1);
        AtomicReference<Permit> result = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            result.set(limiter.acquire(1, SECOND));
            flag.set(Thread.currentThread().isInterrupted());
            done.countDown();
        });
        waiter.start();
        awaitWaiters(limiter, 1);
        waiter.interrupt();
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(result.get().granted()).isFalse();
        assertThat(flag.get()).isTrue();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();
        held.close();
        assertThat(limiter.availablePermits()).isEqualTo(1);
    }

    @Test
    void raisingTheLimitServesWaitersAndLoweringItDrains() {
        ConcurrencyLimiter limiter = bulkhead(2, 4, QueueOrder.FIFO);
        Permit a = limiter.tryAcquire(1);
        Permit b = limiter.tryAcquire(1);
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, SECOND);
        limiter.reconfigure(new Concurrency(3, 4, QueueOrder.FIFO));
        assertThat(done(waiting).granted()).isTrue();
        assertThat(limiter.spec().limit()).isEqualTo(3);

        limiter.reconfigure(new Concurrency(1, 4, QueueOrder.FIFO));
        assertThat(limiter.inFlight()).isEqualTo(3);
        assertThat(limiter.availablePermits()).isZero();
        a.close();
        b.close();
        assertThat(limiter.tryAcquire(1).granted()).as("still one in flight").isFalse();
        done(waiting).close();
        Permit only = limiter.tryAcquire(1);
        assertThat(only.granted()).isTrue();
        assertThat(only.limit()).isEqualTo(1);
    }

    @Test
    void loweringTheLimitBelowAWaitersRequestRefusesItForever() {
        ConcurrencyLimiter limiter = bulkhead(4, 4, QueueOrder.FIFO);
        Permit held = limiter.tryAcquire(2);
        CompletableFuture<Permit> large = limiter.acquireAsync(4, SECOND);
        CompletableFuture<Permit> small = limiter.acquireAsync(1, SECOND);
        limiter.reconfigure(new Concurrency(3, 4, QueueOrder.FIFO));
        assertThat(done(large).never()).isTrue();
        assertThat(done(small).granted()).isTrue();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();
        held.close();
        assertThat(limiter.availablePermits()).isEqualTo(2);
        assertThatThrownBy(() -> limiter.reconfigure(new Concurrency(3, 4, QueueOrder.LIFO)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("order");
    }

    /** The outcome of a future that must be complete by now; fails at once instead of hanging if it is not. */
    private static Permit done(CompletableFuture<Permit> future) {
        assertThat(future).isDone();
        return future.join();
    }

    /** Waits (in real time, bounded) until a blocked caller's waiter is counted and its timeout scheduled. */
    private void awaitWaiters(ConcurrencyLimiter limiter, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (limiter.queueLength() != count || clock.pendingTasks() != count) {
            assertThat(System.nanoTime()).as("waiter queued in time").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
