package dev.throttle.local.partition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Permit;
import dev.throttle.local.ManualClock;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Six threads queue, cancel, poll and close on three partitions while a seventh moves the manual clock so waiters
 * time out: grants, timeouts and cancellations race on every waiter. Nothing may be lost or counted twice: the cap
 * holds throughout, every future ends, and at the end every count, queue and timer is empty.
 */
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
class PartitionWaitingStressTest {

    private static final int LIMIT = 12;
    private static final int THREADS = 6;
    private static final int ITERATIONS = 10_000;

    @Test
    void grantsTimeoutsAndCancellationsRaceWithoutLosingAPermit() throws InterruptedException {
        ManualClock clock = new ManualClock();
        PartitionedLimiter limiter = PartitionedLimiter.builder("waiting", LIMIT)
                .partition("a", 0.5, 8)
                .partition("b", 0.25, 8)
                .partition("c", 0.1, 8)
                .scheduler(clock)
                .build();
        List<Partition> partitions = limiter.partitions();
        AtomicLong inUse = new AtomicLong();
        AtomicLong maxInUse = new AtomicLong();
        AtomicLong granted = new AtomicLong();
        AtomicLong grantedAfterWaiting = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong timedOut = new AtomicLong();
        AtomicLong cancelled = new AtomicLong();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Queue<CompletableFuture<Permit>> leftovers = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean running = new AtomicBoolean(true);

        Thread[] workers = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            Partition partition = partitions.get(t % 3);
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
                            inUse.addAndGet(-permit.permits());
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
                                    maxInUse.accumulateAndGet(inUse.addAndGet(permit.permits()), Math::max);
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
                        inUse.addAndGet(-permit.permits());
                        permit.close();
                    }
                } catch (Throwable failure) {
                    failures.add(failure);
                }
            }, "waiting-hammer-" + t);
            workers[t].start();
        }
        AtomicLong maxCommitted = new AtomicLong();
        Thread timer = new Thread(() -> {
            while (running.get()) {
                clock.advance(1_000_000L);
                maxCommitted.accumulateAndGet(limiter.state().committed, Math::max);
                Thread.yield();
            }
        }, "waiting-clock");
        timer.start();

        start.countDown();
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(50));
            assertThat(worker.isAlive()).as("%s finished", worker.getName()).isFalse();
        }
        running.set(false);
        timer.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(timer.isAlive()).isFalse();
        assertThat(failures).isEmpty();

        clock.advance(Duration.ofSeconds(1)); // every waiter left is due to time out by now
        for (CompletableFuture<Permit> future : leftovers) {
            assertThat(future).isDone();
            if (future.join().granted()) {
                future.join().close();
            }
        }
        assertThat(maxInUse.get()).isLessThanOrEqualTo(LIMIT);
        assertThat(maxCommitted.get()).isLessThanOrEqualTo(LIMIT);
        assertThat(granted.get()).isPositive();
        assertThat(refused.get()).isPositive();
        assertThat(cancelled.get()).isPositive();
        assertThat(grantedAfterWaiting.get()).as("grants to queued waiters").isPositive();
        assertThat(timedOut.get()).as("queued waiters refused").isPositive();
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.queueLength()).isZero();
        for (Partition partition : partitions) {
            assertThat(partition.inFlight()).as(partition.name()).isZero();
            assertThat(partition.queueLength()).as(partition.name()).isZero();
        }
        assertThat(limiter.state().committed).isEqualTo(6 + 3 + 1);
        assertThat(clock.pendingTasks()).as("timeouts left").isZero();
        // Nothing was lost: the whole limit is available again, to one partition's full ceiling.
        Permit all = partitions.get(0).tryAcquire(partitions.get(0).limit());
        assertThat(all.granted()).isTrue();
        all.close();
    }
}
