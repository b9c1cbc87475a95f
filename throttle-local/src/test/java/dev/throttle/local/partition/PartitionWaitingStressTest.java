package dev.throttle.local.partition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Six threads queue, cancel, poll and close on three partitions while a seventh moves the manual clock so waiters
 * time out: grants, timeouts and cancellations race on every waiter, under each {@link Borrowing} policy. Nothing
 * may be lost or counted twice: the cap holds throughout, every request is decided exactly once (granted, refused or
 * cancelled), and at the end every count, queue and timer is empty.
 *
 * <p>How many requests end each way depends on scheduling, so no such count is asserted positive (one run saw no
 * timeout at all). The outcomes the race is about are then produced deterministically on the manual clock, on the
 * same limiter after the hammering: a waiter that times out, one granted after waiting, one cancelled.
 */
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
class PartitionWaitingStressTest {

    private static final int LIMIT = 12;
    private static final int THREADS = 6;
    private static final int ITERATIONS = 10_000;

    @ParameterizedTest
    @EnumSource(PartitionedLimiter.Borrowing.class)
    void grantsTimeoutsAndCancellationsRaceWithoutLosingAPermit(PartitionedLimiter.Borrowing borrowing) throws InterruptedException {
        ManualClock clock = new ManualClock();
        PartitionedLimiter limiter = PartitionedLimiter.builder("waiting", LIMIT)
                .partition("a", 0.5, 8)
                .partition("b", 0.25, 8)
                .partition("c", 0.1, 8)
                .borrowing(borrowing)
                .scheduler(clock)
                .build();
        List<Partition> partitions = limiter.parts();
        StressHarness.InUse inUse = new StressHarness.InUse(3);
        AtomicLong submitted = new AtomicLong();
        AtomicLong granted = new AtomicLong();
        AtomicLong grantedAfterWaiting = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong timedOut = new AtomicLong();
        AtomicLong cancelled = new AtomicLong();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Queue<CompletableFuture<Permit>> leftovers = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);

        Thread[] workers = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            int index = t % 3;
            Partition partition = partitions.get(index);
            long seed = 7L * t + 1;
            workers[t] = new Thread(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                List<CompletableFuture<Permit>> pending = new ArrayList<>();
                List<Permit> held = new ArrayList<>();
                Set<CompletableFuture<Permit>> queued = Collections.newSetFromMap(new IdentityHashMap<>());
                try {
                    start.await();
                    for (int i = 0; i < ITERATIONS; i++) {
                        int action = random.nextInt(20);
                        if (action < 8 && pending.size() + held.size() < 4) {
                            Duration maxWait = Duration.ofNanos(random.nextInt(3) * 1_000_000L);
                            CompletableFuture<Permit> future = partition.acquireAsync(1 + random.nextInt(2), maxWait);
                            submitted.incrementAndGet();
                            if (!future.isDone()) {
                                queued.add(future);
                            }
                            pending.add(future);
                        } else if (action == 8 && !pending.isEmpty()) {
                            CompletableFuture<Permit> future = pending.get(random.nextInt(pending.size()));
                            if (future.cancel(false)) {
                                pending.remove(future);
                                cancelled.incrementAndGet();
                            } // else it was decided first: polled below
                        } else if (action < 11 && !held.isEmpty()) {
                            Permit permit = held.remove(random.nextInt(held.size()));
                            inUse.released(index, permit);
                            permit.close();
                        }
                        for (int k = pending.size() - 1; k >= 0; k--) {
                            CompletableFuture<Permit> future = pending.get(k);
                            if (future.isDone()) {
                                pending.remove(k);
                                Permit permit = future.join();
                                boolean waited = queued.remove(future);
                                if (permit.granted()) {
                                    granted.incrementAndGet();
                                    if (waited) {
                                        grantedAfterWaiting.incrementAndGet();
                                    }
                                    inUse.granted(index, permit.permits());
                                    held.add(permit);
                                } else {
                                    refused.incrementAndGet();
                                    if (waited) {
                                        timedOut.incrementAndGet();
                                    }
                                }
                            }
                        }
                    }
                    leftovers.addAll(pending);
                    for (Permit permit : held) {
                        inUse.released(index, permit);
                        permit.close();
                    }
                } catch (Throwable failure) {
                    failures.add(failure);
                }
            }, "waiting-hammer-" + t);
            workers[t].start();
        }
        // The checker moves the manual clock before each snapshot, so that waiters time out while others are served.
        StressHarness.StateChecker checker = new StressHarness.StateChecker(limiter, "waiting-clock", () -> {
            Thread.yield();
            clock.advance(1_000_000L);
        });
        checker.start();
        StressHarness.run(start, workers);
        checker.stop();
        assertThat(failures).isEmpty();

        clock.advance(Duration.ofSeconds(1)); // every waiter left is due to time out by now
        for (CompletableFuture<Permit> future : leftovers) {
            assertThat(future).isDone();
            Permit permit = future.join();
            if (permit.granted()) {
                granted.incrementAndGet();
                permit.close();
            } else {
                refused.incrementAndGet();
            }
        }
        assertThat(inUse.maxTotal()).isLessThanOrEqualTo(LIMIT);
        assertThat(checker.maxTotal()).isLessThanOrEqualTo(LIMIT);
        if (borrowing == PartitionedLimiter.Borrowing.RESERVED) {
            assertThat(checker.maxCommitted()).as("Σ max(inUse, guarantee)").isLessThanOrEqualTo(LIMIT);
        }
        // Every request decided exactly once, whatever the interleaving.
        assertThat(granted.get() + refused.get() + cancelled.get()).isEqualTo(submitted.get());
        assertThat(grantedAfterWaiting.get()).isLessThanOrEqualTo(granted.get());
        assertThat(timedOut.get()).isLessThanOrEqualTo(refused.get());
        assertThat(granted.get()).as("the first request on an idle limiter is granted").isPositive();
        StressHarness.assertIdle(limiter, 6 + 3 + 1);
        assertThat(clock.pendingTasks()).as("timeouts left").isZero();
        // Nothing was lost: the whole limit is available again, and the three outcomes still work on it.
        List<Permit> all = new ArrayList<>();
        for (Partition partition : partitions) {
            long available = partition.availablePermits();
            if (available > 0) {
                Permit permit = partition.tryAcquire(available);
                assertThat(permit.granted()).as("%s", limiter).isTrue();
                all.add(permit);
            }
        }
        assertThat(limiter.inFlight()).as("%s", limiter).isEqualTo(LIMIT);
        Partition b = partitions.get(1);
        CompletableFuture<Permit> timesOut = b.acquireAsync(1, Duration.ofMillis(1));
        CompletableFuture<Permit> waitsForAGrant = b.acquireAsync(1, Duration.ofMillis(5));
        CompletableFuture<Permit> isCancelled = b.acquireAsync(1, Duration.ofMillis(5));
        assertThat(List.of(timesOut, waitsForAGrant, isCancelled)).noneMatch(CompletableFuture::isDone);
        clock.advance(Duration.ofMillis(1));
        assertThat(timesOut.join().granted()).isFalse();
        assertThat(timesOut.join().retryAfterNanos()).isEqualTo(1L);
        assertThat(isCancelled.cancel(false)).isTrue();
        assertThat(b.queueLength()).isEqualTo(1);
        all.remove(0).close();
        Permit afterWaiting = waitsForAGrant.join();
        assertThat(afterWaiting.granted()).isTrue();
        afterWaiting.close();
        all.forEach(Permit::close);
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).isZero();
    }
}
