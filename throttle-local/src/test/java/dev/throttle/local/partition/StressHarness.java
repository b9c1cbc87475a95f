package dev.throttle.local.partition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Permit;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** What the partition stress tests share: an independent count of permits in use, a state checker, the run. */
final class StressHarness {

    private StressHarness() {
    }

    /**
     * An independent count of permits in use, in total and per partition, with the highest each reached: raised
     * after each grant and lowered before each close, so it never exceeds the limiter's own.
     */
    static final class InUse {
        private final AtomicLong total = new AtomicLong();
        private final AtomicLong maxTotal = new AtomicLong();
        private final AtomicLongArray partition;
        private final AtomicLongArray partitionMax;

        InUse(int partitions) {
            this.partition = new AtomicLongArray(partitions);
            this.partitionMax = new AtomicLongArray(partitions);
        }

        /** Counts a grant of {@code permits} on partition {@code index}. */
        void granted(int index, long permits) {
            maxTotal.accumulateAndGet(total.addAndGet(permits), Math::max);
            partitionMax.accumulateAndGet(index, partition.addAndGet(index, permits), Math::max);
        }

        /** Uncounts a permit of partition {@code index} about to be closed. */
        void released(int index, Permit permit) {
            total.addAndGet(-permit.permits());
            partition.addAndGet(index, -permit.permits());
        }

        long total() {
            return total.get();
        }

        long maxTotal() {
            return maxTotal.get();
        }

        long maxOf(int index) {
            return partitionMax.get(index);
        }
    }

    /**
     * A thread reading the limiter's state snapshots until stopped: the highest total and committed count it saw,
     * and the snapshots with a negative count or a total that is not the sum of the partitions'.
     */
    static final class StateChecker {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong maxTotal = new AtomicLong();
        private final AtomicLong maxCommitted = new AtomicLong();
        private final AtomicLong badSnapshots = new AtomicLong();
        private final AtomicLong snapshots = new AtomicLong();
        private final Thread thread;

        /**
         * @param beforeEach run before each snapshot (a clock that moves), or a no-op
         */
        StateChecker(PartitionedLimiter limiter, String name, Runnable beforeEach) {
            int partitions = limiter.parts().size();
            this.thread = new Thread(() -> {
                while (running.get()) {
                    beforeEach.run();
                    PartitionState state = limiter.state();
                    snapshots.incrementAndGet();
                    maxCommitted.accumulateAndGet(state.committed, Math::max);
                    maxTotal.accumulateAndGet(state.total, Math::max);
                    long sum = 0;
                    boolean negative = false;
                    for (int p = 0; p < partitions; p++) {
                        sum += state.inUse(p);
                        negative |= state.inUse(p) < 0;
                    }
                    if (negative || sum != state.total) {
                        badSnapshots.incrementAndGet();
                    }
                }
            }, name);
        }

        void start() {
            thread.start();
        }

        /** Stops the thread and waits for it, failing if it does not end. */
        void stop() throws InterruptedException {
            running.set(false);
            thread.join(TimeUnit.SECONDS.toMillis(5));
            assertThat(thread.isAlive()).isFalse();
        }

        long maxTotal() {
            return maxTotal.get();
        }

        long maxCommitted() {
            return maxCommitted.get();
        }

        long badSnapshots() {
            return badSnapshots.get();
        }

        long snapshots() {
            return snapshots.get();
        }
    }

    /** Ends a held permit as a success or an overload, at random: both must give it back. */
    static void end(Permit permit, SplittableRandom random) {
        if (random.nextBoolean()) {
            permit.close();
        } else {
            permit.dropped();
        }
    }

    /** A random hold between two operations. */
    static void hold(SplittableRandom random) {
        for (int spin = random.nextInt(20); spin > 0; spin--) {
            Thread.onSpinWait();
        }
    }

    /** Opens the start gate of the started workers and waits for each, failing if one does not finish. */
    static void run(CountDownLatch start, Thread[] workers) throws InterruptedException {
        start.countDown();
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(50));
            assertThat(worker.isAlive()).as("%s finished", worker.getName()).isFalse();
        }
    }

    /** Checks that nothing is held or queued any more, and that the guarantees are all that is committed. */
    static void assertIdle(PartitionedLimiter limiter, long guaranteed) {
        assertThat(limiter.inFlight()).isZero();
        for (Partition partition : limiter.parts()) {
            assertThat(partition.inFlight()).as(partition.name()).isZero();
            assertThat(partition.queueLength()).as(partition.name()).isZero();
        }
        assertThat(limiter.state().committed).isEqualTo(guaranteed);
        assertThat(limiter.queueLength()).isZero();
    }
}
