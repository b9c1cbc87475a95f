package dev.throttle.local.partition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;

/**
 * Eight threads hammer one partitioned limiter under {@link Borrowing#RESERVED} with tryAcquire and close, holding
 * permits for random spans ({@link IdleBorrowingStressTest} does the same under {@link Borrowing#IDLE}).
 *
 * <p>L = 20; "guarded" is guaranteed 8, "b" 4, "c" 2, and 6 are unreserved. The two guarded threads each hold at
 * most one permit of 1 to 4 at a time, so the guarded partition never holds more than its guarantee and each of its
 * requests fits its unused guarantee: the exact promise is that every one of them is granted, however much b and c
 * (six threads asking far more than the 12 left to them) borrow. Also asserted:
 * <ul>
 *   <li>an independent count of permits in use, raised after each grant and lowered before each close (so it never
 *       exceeds the limiter's own), never exceeds L in total, nor a partition's ceiling;</li>
 *   <li>a checker thread reading the limiter's state snapshots never sees {@code Σ max(inUse, guarantee) > L}
 *       (some unused guarantee would be unavailable) nor a total above L;</li>
 *   <li>at the end every count is 0.</li>
 * </ul>
 *
 * <p>This test fails for a two-step design. Checked by temporarily making {@code PartitionedLimiter.tryReserve} judge
 * the request on one snapshot and then add it by CAS to whatever state was current (check, then act, as a design
 * that checks the partition and then the total does): every run failed, e.g. with an independent total of 21 of 20,
 * partition c at 9 above its ceiling of 8, 70 guarded requests refused within their guarantee, and
 * {@code Σ max(inUse, guarantee)} at 21. The code was restored.
 */
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
class PartitionedLimiterStressTest {

    private static final int LIMIT = 20;
    private static final int ITERATIONS = 30_000;
    private static final int THREADS = 8;

    @Test
    void theGlobalCapAndEveryGuaranteeHoldUnderContention() throws InterruptedException {
        PartitionedLimiter limiter = PartitionedLimiter.builder("stress", LIMIT)
                .partition("guarded", 0.4)
                .partition("b", 0.2)
                .partition("c", 0.1)
                .borrowing(PartitionedLimiter.Borrowing.RESERVED)
                .scheduler(new ManualClock())
                .build();
        List<Partition> partitions = limiter.parts();
        long[] ceilings = partitions.stream().mapToLong(Partition::limit).toArray();
        assertThat(ceilings).containsExactly(14, 10, 8);

        StressHarness.InUse inUse = new StressHarness.InUse(3);
        AtomicLong guardedRefusals = new AtomicLong();
        AtomicLong borrowerRefusals = new AtomicLong();
        AtomicLong grants = new AtomicLong();
        AtomicLong operations = new AtomicLong();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);

        Thread[] workers = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            int index = t < 2 ? 0 : t < 5 ? 1 : 2;
            boolean guarded = index == 0;
            Partition partition = partitions.get(index);
            long seed = 42L + t;
            workers[t] = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                List<Permit> held = new ArrayList<>();
                int maxHeld = guarded ? 1 : 3;
                try {
                    start.await();
                    for (int i = 0; i < ITERATIONS; i++) {
                        operations.incrementAndGet();
                        if (held.size() < maxHeld && random.nextInt(10) < 6) {
                            long permits = 1 + random.nextInt(guarded ? 4 : 3);
                            Permit permit = partition.tryAcquire(permits);
                            if (permit.granted()) {
                                grants.incrementAndGet();
                                held.add(permit);
                                inUse.granted(index, permits);
                            } else if (guarded) {
                                guardedRefusals.incrementAndGet();
                            } else {
                                borrowerRefusals.incrementAndGet();
                            }
                        } else if (!held.isEmpty()) {
                            Permit permit = held.remove(random.nextInt(held.size()));
                            inUse.released(index, permit);
                            StressHarness.end(permit, random);
                        }
                        StressHarness.hold(random);
                    }
                    for (Permit permit : held) {
                        inUse.released(index, permit);
                        permit.close();
                    }
                } catch (Throwable failure) {
                    failures.add(failure);
                }
            }, "partition-hammer-" + t);
            workers[t].start();
        }

        StressHarness.StateChecker checker = new StressHarness.StateChecker(limiter, "partition-checker", () -> { });
        checker.start();
        StressHarness.run(start, workers);
        checker.stop();

        assertThat(failures).isEmpty();
        assertThat(operations.get()).isGreaterThanOrEqualTo(200_000);
        SoftAssertions softly = new SoftAssertions(); // a broken design shows every invariant it breaks at once
        softly.assertThat(inUse.maxTotal()).as("independent total in use").isLessThanOrEqualTo(LIMIT);
        for (int p = 0; p < 3; p++) {
            softly.assertThat(inUse.maxOf(p)).as("partition %d in use", p).isLessThanOrEqualTo(ceilings[p]);
        }
        softly.assertThat(guardedRefusals.get()).as("refusals within the guarantee").isZero();
        softly.assertThat(checker.maxCommitted()).as("Σ max(inUse, guarantee)").isLessThanOrEqualTo(LIMIT);
        softly.assertThat(checker.maxTotal()).isLessThanOrEqualTo(LIMIT);
        softly.assertThat(checker.badSnapshots()).isZero();
        // The cap was really contested: borrowers (six threads wanting up to 54 of the 12 left to them) were refused.
        // Whether the checker's sampling caught Σ max(inUse, guarantee) at exactly L is luck (it once saw 19 of 20),
        // so that is not asserted.
        softly.assertThat(borrowerRefusals.get()).isPositive();
        softly.assertThat(checker.snapshots()).isPositive();
        softly.assertThat(grants.get()).isPositive();
        softly.assertAll();

        assertThat(inUse.total()).isZero();
        StressHarness.assertIdle(limiter, 8 + 4 + 2);
    }
}
