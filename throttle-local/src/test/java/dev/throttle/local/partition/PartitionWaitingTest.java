package dev.throttle.local.partition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;

/**
 * Waiting under {@link Borrowing#RESERVED}, whose strict guarantees make the serving order observable with free
 * capacity left over; the same queue under {@link Borrowing#IDLE} is tested in {@link IdleBorrowingTest}.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class PartitionWaitingTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    /** L = 10, reserved: premium guaranteed 5, standard 2, 3 unreserved; three waiters per partition at most. */
    private final PartitionedLimiter limiter = PartitionedLimiter.builder("api", 10)
            .partition("premium", 0.5, 3)
            .partition("standard", 0.2, 3)
            .borrowing(PartitionedLimiter.Borrowing.RESERVED)
            .scheduler(clock)
            .build();
    private final Partition premium = limiter.part("premium");
    private final Partition standard = limiter.part("standard");

    private static List<Permit> take(Partition partition, int singles) {
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < singles; i++) {
            Permit permit = partition.tryAcquire(1);
            assertThat(permit.granted()).as("%s single %d", partition, i).isTrue();
            held.add(permit);
        }
        return held;
    }

    private static Permit grantedNow(CompletableFuture<Permit> future) {
        assertThat(future).isDone();
        Permit permit = future.join();
        assertThat(permit.granted()).as("%s", permit).isTrue();
        return permit;
    }

    /** Fills the limit with premium 8 (3 borrowed), standard 2; returns premium's, to release one by one. */
    private List<Permit> premiumHoldsEight() {
        List<Permit> premiumHeld = take(premium, 8);
        take(standard, 2);
        return premiumHeld;
    }

    /** Starts a thread that blocks on premium, and waits (5 s at most) until it is queued there. */
    private Thread blockedOnPremium(String name, Runnable acquiring) {
        Thread waiter = new Thread(acquiring, name);
        waiter.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (premium.queueLength() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return waiter;
    }

    @Test
    void waitersOfAPartitionAreServedInArrivalOrderAndTheHeadBlocksThoseBehind() {
        List<Permit> premiumHeld = premiumHoldsEight();
        CompletableFuture<Permit> first = premium.acquireAsync(1, SECOND);
        CompletableFuture<Permit> large = premium.acquireAsync(2, SECOND);
        CompletableFuture<Permit> last = premium.acquireAsync(1, SECOND);
        assertThat(List.of(first, large, last)).noneMatch(CompletableFuture::isDone);
        assertThat(premium.queueLength()).isEqualTo(3);
        assertThat(limiter.queueLength()).isEqualTo(3);
        assertThat(premium.tryAcquire(1).granted()).isFalse(); // no jumping the queue

        premiumHeld.remove(0).close();
        grantedNow(first);
        premiumHeld.remove(0).close();
        assertThat(large).isNotDone();
        assertThat(last).as("blocked behind the larger head").isNotDone();
        premiumHeld.remove(0).close();
        assertThat(grantedNow(large).permits()).isEqualTo(2);
        assertThat(last).isNotDone();
        premiumHeld.remove(0).close();
        grantedNow(last);
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).as("timeouts cancelled").isZero();
        assertThat(limiter.inFlight()).isEqualTo(10);
    }

    @Test
    void aWaiterTimesOutOnTheSchedulerAndTakesNothing() {
        List<Permit> held = take(standard, 5);
        take(premium, 5);
        CompletableFuture<Permit> waiting = standard.acquireAsync(1, SECOND);
        clock.advance(Duration.ofMillis(999));
        assertThat(waiting).isNotDone();
        clock.advance(Duration.ofMillis(1));
        Permit refused = waiting.join();
        assertThat(refused.granted()).isFalse();
        assertThat(refused.never()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(1L);
        assertThat(standard.queueLength()).isZero();

        held.get(0).close();
        assertThat(standard.inFlight()).isEqualTo(4);
        assertThat(standard.availablePermits()).isEqualTo(1);
    }

    @Test
    void cancellingAWaiterWithdrawsItAndLosesNothing() {
        List<Permit> held = premiumHoldsEight();
        CompletableFuture<Permit> first = premium.acquireAsync(1, SECOND);
        CompletableFuture<Permit> cancelled = premium.acquireAsync(1, SECOND);
        CompletableFuture<Permit> completedByUser = premium.acquireAsync(1, SECOND);
        CompletableFuture<Permit> last = standard.acquireAsync(1, SECOND);
        assertThat(clock.pendingTasks()).isEqualTo(4);

        assertThat(cancelled.cancel(false)).isTrue();
        completedByUser.complete(null); // any completion not made by the limiter withdraws the waiter too
        assertThat(premium.queueLength()).isEqualTo(1);
        assertThat(limiter.queueLength()).isEqualTo(2);
        assertThat(clock.pendingTasks()).isEqualTo(2);

        held.remove(0).close();
        grantedNow(first);
        held.remove(0).close();
        grantedNow(last); // the withdrawn ones took nothing
        assertThat(limiter.queueLength()).isZero();
        assertThat(limiter.inFlight()).isEqualTo(10);
        assertThat(premium.inFlight()).isEqualTo(7);
        assertThat(standard.inFlight()).isEqualTo(3);
        clock.advance(SECOND);
        assertThat(limiter.inFlight()).isEqualTo(10);
    }

    /** This test and the next fail if serving is made plain oldest-first across partitions (checked, then undone). */
    @Test
    void waitersWithinTheirGuaranteeAreServedBeforeOlderBorrowers() {
        take(premium, 3);
        Permit standardPair = standard.tryAcquire(2);
        take(standard, 3);
        limiter.setLimit(8); // guarantees: premium 4, standard 1; 8 held of 8
        List<String> served = new CopyOnWriteArrayList<>();
        CompletableFuture<Permit> borrower = standard.acquireAsync(1, SECOND);
        CompletableFuture<Permit> withinGuarantee = premium.acquireAsync(1, SECOND);
        borrower.thenRun(() -> served.add("standard"));
        withinGuarantee.thenRun(() -> served.add("premium"));
        assertThat(served).isEmpty();

        standardPair.close(); // room for both: premium's unused guarantee, and 1 unreserved
        grantedNow(borrower);
        grantedNow(withinGuarantee);
        assertThat(served).containsExactly("premium", "standard"); // a global FIFO would serve standard first
    }

    @Test
    void anOlderBorrowerThatDoesNotFitDoesNotBlockAWaiterWithinItsGuarantee() {
        take(premium, 3);
        Permit standardPair = standard.tryAcquire(2);
        take(standard, 3);
        limiter.setLimit(8);
        CompletableFuture<Permit> borrower = standard.acquireAsync(2, SECOND);
        CompletableFuture<Permit> withinGuarantee = premium.acquireAsync(1, SECOND);

        standardPair.close(); // standard may borrow only 1 more: its head waits, premium's does not
        grantedNow(withinGuarantee);
        assertThat(borrower).isNotDone();
        assertThat(standard.queueLength()).isEqualTo(1);
    }

    @Test
    void borrowingYieldsToOtherPartitionsWaitersButAGuaranteeDoesNot() {
        take(standard, 4); // 2 own, 2 borrowed
        List<Permit> premiumHeld = take(premium, 5);
        CompletableFuture<Permit> standardWaiter = standard.acquireAsync(3, SECOND);
        assertThat(standardWaiter).isNotDone();
        assertThat(premium.availablePermits()).isEqualTo(1);
        assertThat(premium.tryAcquire(1).granted()).as("borrowing past a waiter").isFalse();

        premiumHeld.remove(0).close();
        premiumHeld.remove(0).close();
        assertThat(standardWaiter).isNotDone();
        assertThat(premium.tryAcquire(2).granted()).as("its own guarantee").isTrue();
        assertThat(premium.tryAcquire(1).granted()).isFalse();
    }

    @Test
    void aFullQueueOrNoWaitRefusesAtOnce() {
        take(standard, 5);
        take(premium, 5);
        List<CompletableFuture<Permit>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(standard.acquireAsync(1, SECOND));
        }
        CompletableFuture<Permit> overflow = standard.acquireAsync(1, SECOND);
        assertThat(overflow).isDone();
        assertThat(overflow.join().granted()).isFalse();
        CompletableFuture<Permit> noWait = premium.acquireAsync(1, Duration.ZERO);
        assertThat(noWait.join().granted()).isFalse();
        assertThat(premium.acquireAsync(1, SECOND)).isNotDone(); // premium's queue is its own
        assertThat(waiters).noneMatch(CompletableFuture::isDone);
        assertThat(limiter.queueLength()).isEqualTo(4);
    }

    @Test
    void raisingTheLimitServesWaiters() {
        premiumHoldsEight();
        CompletableFuture<Permit> waiter = premium.acquireAsync(2, SECOND);
        limiter.setLimit(12); // guarantees 6 and 2: 2 more unreserved
        grantedNow(waiter);
        assertThat(limiter.inFlight()).isEqualTo(12);
    }

    @Test
    void loweringTheLimitBelowAWaitersRequestRefusesItForever() {
        take(premium, 5);
        take(standard, 5);
        CompletableFuture<Permit> waiter = standard.acquireAsync(4, SECOND);
        assertThat(waiter).isNotDone();
        limiter.setLimit(5); // standard's ceiling: 5 less premium's 2
        assertThat(standard.limit()).isEqualTo(3);
        assertThat(waiter).isDone();
        assertThat(waiter.join().never()).isTrue();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void aBlockingAcquireIsGrantedWhenAPermitIsReleased() throws InterruptedException {
        List<Permit> held = premiumHoldsEight();
        AtomicReference<Permit> result = new AtomicReference<>();
        Thread waiter = blockedOnPremium("blocking-waiter", () -> result.set(premium.acquire(1, SECOND)));
        assertThat(premium.queueLength()).isEqualTo(1);
        held.get(0).close();
        waiter.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(result.get().granted()).isTrue();
    }

    @Test
    void anInterruptedBlockingAcquireWithdrawsAndTakesNothing() throws InterruptedException {
        List<Permit> held = premiumHoldsEight();
        AtomicReference<Permit> result = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread waiter = blockedOnPremium("interrupted-waiter", () -> {
            result.set(premium.acquire(1, SECOND));
            flag.set(Thread.currentThread().isInterrupted());
        });
        waiter.interrupt();
        waiter.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(result.get().granted()).isFalse();
        assertThat(flag.get()).isTrue();
        assertThat(premium.queueLength()).isZero();
        held.get(0).close();
        assertThat(premium.availablePermits()).isEqualTo(1);
    }
}
