package dev.throttle.local.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;

/**
 * Admission under {@link Borrowing#RESERVED}: unused guarantees are reserved, so every assertion here is strict (a
 * request within the guarantee is granted at once, borrowing never cuts into another's unused guarantee). The
 * default policy, {@link Borrowing#IDLE}, is tested in {@link IdleBorrowingTest}.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class PartitionedLimiterTest {

    private final ManualClock clock = new ManualClock(1_000_000_000L);

    /** L = 10, reserved: premium guaranteed 5, standard 2, and 3 unreserved that either may borrow. */
    private PartitionedLimiter limiter() {
        return PartitionedLimiter.builder("api", 10)
                .partition("premium", 0.5)
                .partition("standard", 0.2)
                .borrowing(PartitionedLimiter.Borrowing.RESERVED)
                .scheduler(clock)
                .build();
    }

    /** One step of a table: a partition asks for permits, expecting a grant or a refusal. */
    private record Step(String partition, long permits, boolean granted) {
    }

    private static Step grant(String partition, long permits) {
        return new Step(partition, permits, true);
    }

    private static Step refuse(String partition, long permits) {
        return new Step(partition, permits, false);
    }

    /** Runs the steps in order, keeping every grant held, and returns the grants. */
    private static List<Permit> play(PartitionedLimiter limiter, Step... steps) {
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < steps.length; i++) {
            Step step = steps[i];
            Permit permit = limiter.partition(step.partition()).tryAcquire(step.permits());
            assertThat(permit.granted()).as("step %d: %s asks %d in %s", i, step.partition(), step.permits(), limiter)
                    .isEqualTo(step.granted());
            if (permit.granted()) {
                held.add(permit);
            }
        }
        return held;
    }

    @Test
    void guaranteesAreTheFloorOfTheExactDecimalShareTimesTheLimit() {
        PartitionedLimiter limiter = PartitionedLimiter.builder("api", 100)
                .partition("a", 0.29) // 0.29 * 100.0 is 28.999999999999996 in binary doubles
                .partition("b", 0.333)
                .partition("c", 0.005)
                .borrowing(PartitionedLimiter.Borrowing.RESERVED)
                .scheduler(clock)
                .build();
        assertThat(limiter.guarantee("a")).isEqualTo(29);
        assertThat(limiter.guarantee("b")).isEqualTo(33);
        assertThat(limiter.guarantee("c")).isZero();
        assertThat(limiter.part("a").limit()).isEqualTo(100 - 33 - 0);
        assertThat(limiter.part("c").limit()).isEqualTo(100 - 29 - 33);
        assertThat(limiter.part("c").share()).isEqualTo(0.005);
        assertThatThrownBy(() -> limiter.guarantee("d")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("partitionName = d is unknown");

        limiter.setLimit(1000);
        assertThat(limiter.guarantee("a")).isEqualTo(290);
        assertThat(limiter.guarantee("c")).isEqualTo(5);
    }

    @Test
    void premiumGetsItsGuaranteeEvenWhenStandardBorrowedEverythingElse() {
        PartitionedLimiter limiter = limiter();
        play(limiter,
                grant("standard", 2), // its own guarantee
                grant("standard", 3), // the whole unreserved pool
                refuse("standard", 1), // premium's unused guarantee is not to be borrowed
                grant("premium", 4),
                grant("premium", 1), // all 5 of premium's guarantee, with standard borrowing everything else
                refuse("premium", 1)); // global cap: 10 of 10
        assertThat(limiter.inFlight()).isEqualTo(10);
        assertThat(limiter.part("premium").inFlight()).isEqualTo(5);
        assertThat(limiter.part("standard").inFlight()).isEqualTo(5);
        assertThat(limiter.partition("premium").availablePermits()).isZero();
    }

    @Test
    void aPartitionAloneBorrowsTheIdleCapacityUpToItsCeiling() {
        PartitionedLimiter limiter = limiter();
        Partition premium = limiter.part("premium");
        assertThat(premium.limit()).isEqualTo(8); // 10 less standard's 2
        assertThat(premium.availablePermits()).isEqualTo(8);
        play(limiter, grant("premium", 5), grant("premium", 3), refuse("premium", 1),
                grant("standard", 2), refuse("standard", 1));
        assertThat(limiter.inFlight()).isEqualTo(10);
    }

    @Test
    void borrowingIsSharedFirstComeAndNeverCutsIntoAnUnusedGuarantee() {
        PartitionedLimiter limiter = limiter();
        play(limiter,
                grant("premium", 6), // borrows 1 of the pool of 3
                grant("standard", 4), // its 2 and the 2 left in the pool
                refuse("standard", 1),
                refuse("premium", 1)); // 10 of 10
        assertThat(limiter.state().committed).isEqualTo(10);
    }

    @Test
    void aRequestPartlyWithinItsGuaranteeBorrowsOnlyTheRest() {
        PartitionedLimiter limiter = limiter();
        play(limiter,
                grant("standard", 4), // 2 own + 2 of the pool
                grant("premium", 6), // 5 own + the last 1 of the pool
                refuse("premium", 1));
    }

    @Test
    void sharesSummingToOneMakeIsolatedBulkheads() {
        PartitionedLimiter limiter = PartitionedLimiter.builder("api", 10)
                .partition("premium", 0.7)
                .partition("standard", 0.3)
                .borrowing(PartitionedLimiter.Borrowing.RESERVED)
                .scheduler(clock)
                .build();
        assertThat(limiter.part("premium").limit()).isEqualTo(7);
        assertThat(limiter.part("standard").limit()).isEqualTo(3);
        play(limiter, grant("standard", 3), refuse("standard", 1), grant("premium", 7));
    }

    @Test
    void closingReleasesIntoTheRightPartitionExactlyOnce() {
        PartitionedLimiter limiter = limiter();
        Partition premium = limiter.part("premium");
        Partition standard = limiter.part("standard");
        Permit p = premium.tryAcquire(3);
        Permit s = standard.tryAcquire(2);
        Permit s2 = standard.tryAcquire(1);
        assertThat(limiter.inFlight()).isEqualTo(6);

        s.close();
        assertThat(standard.inFlight()).isEqualTo(1);
        assertThat(premium.inFlight()).isEqualTo(3);
        s.close();
        s.dropped();
        assertThat(standard.inFlight()).isEqualTo(1);

        s2.dropped(); // dropped is close for the accounting
        assertThat(standard.inFlight()).isZero();
        assertThatThrownBy(() -> p.settle(4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("actualPermits = 4")
                .hasMessageContaining("[0, 3]");
        p.settle(1);
        assertThat(premium.inFlight()).isEqualTo(1);
        assertThatThrownBy(() -> p.settle(0)).isInstanceOf(IllegalStateException.class);
        assertThat(premium.inFlight()).isEqualTo(1);
        p.close();
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.state().committed).isEqualTo(7);
    }

    @Test
    void refusedPermitsGiveNothingBack() {
        PartitionedLimiter limiter = limiter();
        Partition standard = limiter.part("standard");
        Permit held = standard.tryAcquire(5);
        Permit refused = standard.tryAcquire(1);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(1L);
        assertThat(refused.never()).isFalse();
        refused.close();
        refused.settle(0);
        assertThat(standard.inFlight()).isEqualTo(5);
        held.close();
        assertThat(standard.inFlight()).isZero();
    }

    @Test
    void permitsTellTheDecisionAgainstThePartitionsCeiling() {
        PartitionedLimiter limiter = limiter();
        Permit permit = limiter.partition("premium").tryAcquire(2);
        assertThat(permit.limiterName()).isEqualTo("api/premium");
        assertThat(permit.permits()).isEqualTo(2);
        assertThat(permit.limit()).isEqualTo(8);
        assertThat(permit.remaining()).isEqualTo(6);
        assertThat(permit.toString()).contains("api/premium", "granted 2");
    }

    @Test
    void statsOfTheWholeAndOfEachPartition() {
        PartitionedLimiter limiter = limiter();
        ConcurrencyStats total = limiter;
        Partition standard = limiter.part("standard");
        Limiter asLimiter = standard;
        assertThat(asLimiter.name()).isEqualTo("api/standard");
        assertThat(standard.partitionName()).isEqualTo("standard");
        assertThat(standard.spec().limit()).isEqualTo(5);
        assertThat(standard.spec().capacity()).isEqualTo(5);
        assertThat(limiter.parts()).extracting(Partition::partitionName).containsExactly("premium", "standard");
        assertThat(limiter.partition("standard")).isSameAs(standard);

        standard.tryAcquire(3);
        assertThat(total.limit()).isEqualTo(10);
        assertThat(total.inFlight()).isEqualTo(3);
        assertThat(total.queueLength()).isZero();
        assertThat(standard.inFlight()).isEqualTo(3);
        assertThat(standard.guarantee()).isEqualTo(2);
        assertThat(standard.availablePermits()).isEqualTo(2);
        assertThat(limiter.partition("premium").availablePermits()).isEqualTo(7);
    }

    @Test
    void loweringTheLimitDrainsWhatIsHeldWithoutRevokingIt() {
        PartitionedLimiter limiter = limiter();
        Partition premium = limiter.part("premium");
        Partition standard = limiter.part("standard");
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            held.add(premium.tryAcquire(1));
        }
        limiter.setLimit(4); // guarantees: premium 2, standard 0 (0.8 rounded down)
        assertThat(premium.guarantee()).isEqualTo(2);
        assertThat(standard.guarantee()).isZero();
        assertThat(limiter.limit()).isEqualTo(4);
        assertThat(limiter.inFlight()).isEqualTo(8);
        assertThat(premium.limit()).isEqualTo(4);
        assertThat(standard.limit()).isEqualTo(2);

        assertThat(standard.tryAcquire(1).granted()).isFalse(); // global cap: 8 held of 4
        assertThat(premium.tryAcquire(1).granted()).isFalse();
        for (int i = 0; i < 5; i++) {
            held.remove(0).close();
        }
        assertThat(limiter.inFlight()).isEqualTo(3);
        Permit next = premium.tryAcquire(1);
        assertThat(next.granted()).isTrue();
        assertThat(premium.tryAcquire(1).granted()).isFalse(); // 4 of 4
        next.close();
        held.forEach(Permit::close);
        assertThat(limiter.inFlight()).isZero();
        assertThat(standard.tryAcquire(2).granted()).isTrue(); // standard's ceiling: 4 less premium's 2
    }

    @Test
    void aLoweredLimitRefusesARequestWithinTheGuaranteeWhileTheTotalIsAtTheCap() {
        PartitionedLimiter limiter = limiter();
        Partition premium = limiter.part("premium");
        Partition standard = limiter.part("standard");
        Permit p = premium.tryAcquire(3);
        Permit s = standard.tryAcquire(5);
        limiter.setLimit(8); // guarantees 4 and 1; 8 held
        assertThat(premium.inFlight()).isLessThan(premium.guarantee());
        assertThat(premium.tryAcquire(1).granted()).isFalse(); // the global cap is absolute
        s.settle(4);
        assertThat(premium.tryAcquire(1).granted()).isTrue();
        p.close();
        s.close();
    }

    @Test
    void raisingTheLimitGrowsTheGuarantees() {
        PartitionedLimiter limiter = limiter();
        Partition premium = limiter.part("premium");
        play(limiter, grant("premium", 8), refuse("premium", 1));
        limiter.setLimit(20); // guarantees 10 and 4
        assertThat(premium.availablePermits()).isEqualTo(8);
        play(limiter, grant("premium", 8), refuse("premium", 1), grant("standard", 4));
    }
}
