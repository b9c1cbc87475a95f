package dev.throttle.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Eight threads end one held permit at once, round after round: whatever the interleaving, its holder sees it end
 * exactly once and gets back exactly what was granted (the end is guarded by the permit's monitor, not a CAS).
 */
class HeldPermitRaceTest {

    private static final int THREADS = 8;
    private static final int ROUNDS = 2_000;
    private static final long GRANTED = 5;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void shutDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Counts what permits report to their holder: ends, and permits given back by any way. */
    private static final class CountingHolder implements HeldPermit.Holder {
        final AtomicLong ends = new AtomicLong();
        final AtomicLong returned = new AtomicLong();

        @Override
        public void ended(HeldPermit permit, long held, boolean dropped) {
            ends.incrementAndGet();
            returned.addAndGet(held);
        }

        @Override
        public void shrunk(HeldPermit permit, long released) {
            returned.addAndGet(released);
        }

        @Override
        public void withdrawn(HeldPermit permit, long held) {
            ends.incrementAndGet();
            returned.addAndGet(held);
        }
    }

    @Test
    void closingDroppingWithdrawingAndSettlingTogetherEndEachPermitOnceAndGiveBackWhatWasGranted() throws Exception {
        CountingHolder holder = new CountingHolder();
        AtomicReference<HeldPermit> current = new AtomicReference<>();
        // The start barrier's action hands out the round's permit while every thread waits.
        CyclicBarrier start = new CyclicBarrier(THREADS,
                () -> current.set(new HeldPermit("race", GRANTED, 0L, GRANTED, holder, 0L, 0L)));
        CyclicBarrier end = new CyclicBarrier(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int role = t % 4;
            futures.add(pool.submit(() -> {
                for (int round = 0; round < ROUNDS; round++) {
                    start.await(10, TimeUnit.SECONDS);
                    HeldPermit permit = current.get();
                    switch (role) {
                        case 0 -> permit.close();
                        case 1 -> permit.dropped();
                        case 2 -> permit.withdraw();
                        default -> settleOnce(permit);
                    }
                    end.await(10, TimeUnit.SECONDS);
                }
                return null;
            }));
        }
        for (Future<?> future : futures) {
            future.get(60, TimeUnit.SECONDS);
        }
        assertThat(holder.ends.get()).isEqualTo(ROUNDS);
        assertThat(holder.returned.get()).isEqualTo(ROUNDS * GRANTED);
    }

    /** Settles to 2 permits, unless another thread settled or withdrew it first (one settle per permit). */
    private static void settleOnce(HeldPermit permit) {
        try {
            permit.settle(2L);
        } catch (IllegalStateException alreadySettled) {
            // Another settler, or a withdrawal, claimed the permit's one settle.
        }
    }
}
