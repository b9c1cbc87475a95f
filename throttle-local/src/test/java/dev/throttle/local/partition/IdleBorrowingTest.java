package dev.throttle.local.partition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;

/**
 * Admission and serving under {@link Borrowing#IDLE}, the default: any idle capacity may be borrowed, the global cap
 * is the only admission rule, and a guarantee is a priority on the permits borrowers release.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class IdleBorrowingTest {

    private static final Duration SECOND = Duration.ofSeconds(1);

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    /** The example: L = 10, premium guaranteed 7, standard 3; no borrowing policy named: the default. */
    private final PartitionedLimiter limiter = PartitionedLimiter.builder("api", 10)
            .partition("premium", 0.7, 4)
            .partition("standard", 0.3, 4)
            .scheduler(clock)
            .build();
    private final Partition premium = limiter.part("premium");
    private final Partition standard = limiter.part("standard");

    private List<Permit> take(Partition partition, int singles) {
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < singles; i++) {
            Permit permit = partition.tryAcquire(1);
            assertThat(permit.granted()).as("%s single %d in %s", partition, i, limiter).isTrue();
            held.add(permit);
        }
        return held;
    }

    /** Closes one held permit and checks the cap at once, since every grant this triggers happens inside close. */
    private void release(List<Permit> held) {
        held.remove(0).close();
        assertThat(limiter.inFlight()).as("%s", limiter).isLessThanOrEqualTo(limiter.limit());
    }

    private static CompletableFuture<Permit> recorded(CompletableFuture<Permit> future, String name,
            List<String> served) {
        future.thenAccept(permit -> {
            if (permit.granted()) {
                served.add(name);
            }
        });
        return future;
    }

    @Test
    void idleIsTheDefaultAndEveryPartitionMayReachTheWholeLimit() {
        assertThat(limiter.borrowing()).isEqualTo(PartitionedLimiter.Borrowing.IDLE);
        assertThat(premium.guarantee()).isEqualTo(7);
        assertThat(standard.guarantee()).isEqualTo(3);
        assertThat(premium.limit()).isEqualTo(10);
        assertThat(standard.limit()).isEqualTo(10);
        assertThat(standard.spec().limit()).isEqualTo(10);
        assertThat(limiter.toString()).contains(", idle borrowing;");
    }

    @Test
    void standardAloneTakesAllTenAndPremiumIsThenRefusedWithARetryHint() {
        take(standard, 10);
        assertThat(standard.inFlight()).isEqualTo(10);
        assertThat(standard.tryAcquire(1).granted()).as("the global cap").isFalse();

        Permit refused = premium.tryAcquire(1);
        assertThat(refused.granted()).as("below its guarantee, but no permit is ever revoked").isFalse();
        assertThat(refused.retryAfterNanos()).as("retry when a permit is released").isEqualTo(1L);
        assertThat(refused.never()).isFalse();
        assertThat(premium.availablePermits()).isZero();
        assertThat(limiter.inFlight()).isEqualTo(10);
        assertThat(limiter.state().committed).as("standard holds part of premium's guarantee").isEqualTo(17);
    }

    @Test
    void aWaitingPremiumReceivesTheFirstReleasedPermitsBeforeAnyStandardWaiter() {
        List<Permit> standardHeld = take(standard, 10);
        List<String> served = new CopyOnWriteArrayList<>();
        CompletableFuture<Permit> s1 = recorded(standard.acquireAsync(1, SECOND), "s1", served);
        CompletableFuture<Permit> s2 = recorded(standard.acquireAsync(1, SECOND), "s2", served);
        CompletableFuture<Permit> p1 = recorded(premium.acquireAsync(1, SECOND), "p1", served);
        CompletableFuture<Permit> p2 = recorded(premium.acquireAsync(2, SECOND), "p2", served);
        CompletableFuture<Permit> p3 = recorded(premium.acquireAsync(1, SECOND), "p3", served);
        assertThat(List.of(s1, s2, p1, p2, p3)).noneMatch(CompletableFuture::isDone);
        assertThat(limiter.queueLength()).isEqualTo(5);

        release(standardHeld);
        assertThat(served).containsExactly("p1");
        release(standardHeld); // one permit free: p2 needs 2 and blocks the borrowers behind it
        assertThat(served).containsExactly("p1");
        assertThat(limiter.inFlight()).isEqualTo(9);
        assertThat(standard.tryAcquire(1).granted()).as("passing its own waiters").isFalse();
        assertThat(premium.tryAcquire(1).granted()).as("jumping its own queue").isFalse();
        release(standardHeld);
        assertThat(served).containsExactly("p1", "p2");
        release(standardHeld);
        assertThat(served).containsExactly("p1", "p2", "p3");
        release(standardHeld);
        release(standardHeld);
        assertThat(served).containsExactly("p1", "p2", "p3", "s1", "s2");

        assertThat(premium.inFlight()).isEqualTo(4);
        assertThat(standard.inFlight()).isEqualTo(6);
        assertThat(limiter.inFlight()).isEqualTo(10);
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).as("timeouts cancelled").isZero();
    }

    @Test
    void theGuaranteeIsAPriorityOnlyUpToTheGuaranteeAndForEveryPartition() {
        List<Permit> standardHeld = take(standard, 10);
        List<String> served = new CopyOnWriteArrayList<>();
        recorded(standard.acquireAsync(1, SECOND), "standard", served);
        CompletableFuture<Permit> whole = recorded(premium.acquireAsync(7, SECOND), "premium 7", served);
        recorded(premium.acquireAsync(1, SECOND), "premium borrowing", served);

        for (int i = 0; i < 6; i++) {
            release(standardHeld); // the free permits gather for premium's head: nobody borrows them meanwhile
        }
        assertThat(served).isEmpty();
        assertThat(limiter.inFlight()).isEqualTo(4);
        release(standardHeld);
        assertThat(served).containsExactly("premium 7");
        assertThat(whole.join().permits()).isEqualTo(7);
        release(standardHeld); // standard is down to 2 of its 3: now its own waiter has the priority
        assertThat(served).containsExactly("premium 7", "standard");
        release(standardHeld); // premium's next would borrow: served as a borrower, oldest first
        assertThat(served).containsExactly("premium 7", "standard", "premium borrowing");
        assertThat(premium.inFlight()).isEqualTo(8);
        assertThat(standard.inFlight()).isEqualTo(2);
    }

    @Test
    void aTryAcquireWithinItsGuaranteeDoesNotPassAnOlderWaiterWithinItsOwn() {
        PartitionedLimiter three = PartitionedLimiter.builder("three", 10)
                .partition("a", 0.5, 2)
                .partition("b", 0.2, 2)
                .partition("c", 0.3, 2)
                .scheduler(clock)
                .build();
        Partition a = three.part("a");
        Partition b = three.part("b");
        Partition c = three.part("c");
        for (int i = 0; i < 3; i++) {
            assertThat(a.tryAcquire(1).granted()).isTrue();
        }
        List<Permit> cHeld = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            cHeld.add(c.tryAcquire(1)); // 4 borrowed
        }
        CompletableFuture<Permit> aWaiter = a.acquireAsync(2, SECOND); // 3 + 2 within a's 5
        cHeld.remove(0).close();
        assertThat(aWaiter).isNotDone();
        assertThat(b.tryAcquire(1).granted()).as("within b's 2, but a came first").isFalse();
        cHeld.remove(0).close();
        assertThat(aWaiter.join().granted()).isTrue();
        assertThat(b.tryAcquire(1).granted()).as("the global cap").isFalse();
        cHeld.remove(0).close();
        assertThat(b.tryAcquire(1).granted()).isTrue();
        assertThat(three.inFlight()).isEqualTo(10);
    }

    @Test
    void aWithinGuaranteeRequestPassesWaitingBorrowers() {
        take(standard, 3);
        List<Permit> premiumHeld = take(premium, 7);
        CompletableFuture<Permit> borrower = standard.acquireAsync(2, SECOND);
        release(premiumHeld); // 1 free; the borrower needs 2
        assertThat(borrower).isNotDone();
        assertThat(premium.tryAcquire(1).granted()).as("premium back to 7 of 7 passes the borrower").isTrue();
        release(premiumHeld);
        assertThat(borrower).isNotDone();
        release(premiumHeld);
        assertThat(borrower.join().granted()).isTrue();
        assertThat(standard.inFlight()).isEqualTo(5);
    }

    @Test
    void aTimedOutPremiumWaiterTakesNothingAndLeavesTheNextPermitToStandard() {
        List<Permit> standardHeld = take(standard, 10);
        CompletableFuture<Permit> premiumWaiter = premium.acquireAsync(1, SECOND);
        CompletableFuture<Permit> standardWaiter = standard.acquireAsync(1, Duration.ofSeconds(2));
        clock.advance(SECOND);
        Permit timedOut = premiumWaiter.join();
        assertThat(timedOut.granted()).isFalse();
        assertThat(timedOut.retryAfterNanos()).isEqualTo(1L);
        assertThat(standardWaiter).isNotDone();
        release(standardHeld);
        assertThat(standardWaiter.join().granted()).isTrue();
        assertThat(premium.inFlight()).isZero();
        assertThat(standard.inFlight()).isEqualTo(10);
    }

    @Test
    void aLoweredLimitIsNeverExceededEvenForAPartitionBelowItsGuarantee() {
        List<Permit> standardHeld = take(standard, 10);
        limiter.setLimit(5); // guarantees 3 and 1; standard holds 10 of 5
        assertThat(premium.tryAcquire(1).granted()).isFalse();
        CompletableFuture<Permit> waiter = premium.acquireAsync(1, SECOND);
        for (int i = 0; i < 5; i++) {
            standardHeld.remove(0).close(); // draining: above the new limit, and granting nothing
            assertThat(limiter.inFlight()).isEqualTo(9 - i);
        }
        assertThat(waiter).as("5 held of 5").isNotDone();
        release(standardHeld);
        assertThat(waiter.join().granted()).isTrue();
        assertThat(limiter.inFlight()).isEqualTo(5);
    }

    @Test
    void settlingGivesBackIntoTheSharedCapAndServesWaiters() {
        Permit big = standard.tryAcquire(10);
        assertThat(big.granted()).isTrue();
        CompletableFuture<Permit> waiter = premium.acquireAsync(3, SECOND);
        big.settle(8);
        assertThat(waiter).isNotDone();
        assertThat(limiter.inFlight()).isEqualTo(8);
        big.close();
        assertThat(waiter.join().granted()).isTrue();
        assertThat(limiter.inFlight()).isEqualTo(3);
    }
}
