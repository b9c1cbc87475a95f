package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.RateLimiter;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Drives a concurrency test in phases: every thread hammers one limiter with {@code allow()} during a phase, then
 * waits at a barrier whose action advances the manual clock. Time never moves while a thread decides, so every grant
 * of a phase belongs to the phase's reading and can be counted exactly.
 */
final class PhasedHammer {

    private static final long TIMEOUT_SECONDS = 20;

    private PhasedHammer() {
    }

    /**
     * Runs the phases and returns the grants counted in each.
     *
     * @param limiter the limiter under test
     * @param clock its clock
     * @param threads how many threads hammer at once
     * @param phases how many phases
     * @param attemptsPerThread calls of {@code allow()} per thread and phase
     * @param stepNanos how far the clock moves between phases
     * @return grants per phase
     */
    static long[] run(RateLimiter limiter, ManualClock clock, int threads, int phases, int attemptsPerThread,
            long stepNanos) throws InterruptedException {
        AtomicLongArray grants = new AtomicLongArray(phases);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CyclicBarrier barrier = new CyclicBarrier(threads, () -> clock.advance(stepNanos));
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                try {
                    for (int phase = 0; phase < phases; phase++) {
                        long granted = 0;
                        for (int i = 0; i < attemptsPerThread; i++) {
                            if (limiter.allow()) {
                                granted++;
                            }
                        }
                        grants.addAndGet(phase, granted);
                        barrier.await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    }
                } catch (Throwable failure) {
                    failures.add(failure);
                    barrier.reset(); // release the others rather than let them time out one by one
                }
            }, "hammer-" + t);
            workers[t].start();
        }
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS * 2));
            assertThat(worker.isAlive()).as("%s finished", worker.getName()).isFalse();
        }
        assertThat(failures).isEmpty();
        long[] counted = new long[phases];
        for (int phase = 0; phase < phases; phase++) {
            counted[phase] = grants.get(phase);
        }
        return counted;
    }
}
