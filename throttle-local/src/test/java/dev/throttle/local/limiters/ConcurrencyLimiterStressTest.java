package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency.QueueOrder;
import dev.throttle.Concurrency;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads race grants, timeouts, cancellations and releases on one bulkhead, while a coordinator moves the
 * manual clock so timeouts fire concurrently with grants. The permits callers hold never exceed the limit, and once
 * everything is closed and resolved, every permit is back and the queue is empty.
 */
class ConcurrencyLimiterStressTest {

    private static final int THREADS = 8;
    /** Iterations each worker runs at least... */
    private static final int ITERATIONS = 40_000;
    /** ...and until the coordinator has moved the clock this far, so timeouts race with grants... */
    private static final long MIN_CLOCK_NANOS = 50_000_000L;
    /** ...but never more, so the test stays short on a slow machine. */
    private static final int MAX_ITERATIONS = 1_000_000;
    private static final long LIMIT = 5;
    private static final int MAX_QUEUE = 6;

    static Stream<Arguments> seedsAndOrders() {
        List<Arguments> cases = new ArrayList<>();
        for (long seed : new long[] {1L, 42L, 20240601L}) {
            for (QueueOrder order : QueueOrder.values()) {
                cases.add(Arguments.of(seed, order));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "seed {0}, {1}")
    @MethodSource("seedsAndOrders")
    @Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
    void noPermitIsLostOrCountedTwice(long seed, QueueOrder order) throws InterruptedException {
        ManualClock clock = new ManualClock(0L);
        LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        ConcurrencyLimiter limiter = (ConcurrencyLimiter) engine.limiter("stress",
                new Concurrency(LIMIT, MAX_QUEUE, order));
        Stats stats = new Stats();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread coordinator = new Thread(() -> {
            while (running.get()) {
                clock.advance(50_000L); // 50 µs per step: waiters' 1 µs to 2 ms waits expire while others release
                Thread.yield();
            }
        }, "coordinator");
        coordinator.start();

        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Random random = new Random(seed * 1_000_003L + t);
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    new Worker(limiter, clock, random, stats).run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "worker-" + t);
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(50));
            assertThat(worker.isAlive()).as(worker.getName() + " finished").isFalse();
        }
        running.set(false);
        coordinator.join(TimeUnit.SECONDS.toMillis(5));
        assertThat(coordinator.isAlive()).isFalse();
        assertThat(failure.get()).isNull();

        assertThat(stats.maxHeld.get()).isLessThanOrEqualTo(LIMIT).isPositive();
        assertThat(stats.held.get()).isZero();
        assertThat(limiter.availablePermits()).isEqualTo(LIMIT);
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.queueLength()).isZero();
        assertThat(clock.pendingTasks()).as("every timeout ran or was cancelled").isZero();
        // The race was really run: waits ended while others were deciding. How they split between grants, timeouts
        // and cancellations depends on the scheduler (one of them can be 0 on a loaded machine); each path alone is
        // tested deterministically in ConcurrencyLimiterTest.
        assertThat(stats.grantedAfterWaiting.get() + stats.timedOut.get() + stats.cancelled.get()).isPositive();

        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.availablePermits()).isEqualTo(LIMIT);
        Permit all = limiter.tryAcquire(LIMIT);
        assertThat(all.granted()).isTrue();
        all.close();
    }

    /** Shared counters: permits callers hold (raised after a grant, lowered before a close), and outcomes. */
    private static final class Stats {
        final AtomicLong held = new AtomicLong();
        final AtomicLong maxHeld = new AtomicLong();
        final AtomicLong grantedAfterWaiting = new AtomicLong();
        final AtomicLong timedOut = new AtomicLong();
        final AtomicLong cancelled = new AtomicLong();

        void granted(long permits) {
            long now = held.addAndGet(permits);
            maxHeld.accumulateAndGet(now, Math::max);
        }

        void released(long permits) {
            held.addAndGet(-permits);
        }
    }

    /** A permit a worker holds for a few more iterations. */
    private static final class Holding {
        final Permit permit;
        long counted;
        int iterationsLeft;

        Holding(Permit permit, int iterationsLeft) {
            this.permit = permit;
            this.counted = permit.permits();
            this.iterationsLeft = iterationsLeft;
        }
    }

    /** One thread's random walk over tryAcquire, acquireAsync, cancel, settle and close. */
    private static final class Worker {
        private final ConcurrencyLimiter limiter;
        private final ManualClock clock;
        private final Random random;
        private final Stats stats;
        private final List<Holding> holdings = new ArrayList<>();
        private final List<CompletableFuture<Permit>> pending = new ArrayList<>();

        Worker(ConcurrencyLimiter limiter, ManualClock clock, Random random, Stats stats) {
            this.limiter = limiter;
            this.clock = clock;
            this.random = random;
            this.stats = stats;
        }

        void run() {
            for (int i = 0; i < MAX_ITERATIONS && (i < ITERATIONS || clock.read() < MIN_CLOCK_NANOS); i++) {
                releaseDue();
                resolvePending();
                act();
            }
            finish();
        }

        private void act() {
            long permits = 1 + random.nextInt(3);
            int action = random.nextInt(10);
            if (action < 3) {
                Permit permit = limiter.tryAcquire(permits);
                if (permit.granted()) {
                    stats.granted(permits);
                    hold(permit);
                }
            } else if (action < 7) {
                Duration maxWait = Duration.ofNanos(1_000L + random.nextInt(2_000_000));
                CompletableFuture<Permit> future = limiter.acquireAsync(permits, maxWait, random.nextInt(4));
                // Counted by the thread that completes the future, right after the grant.
                future.thenAccept(permit -> {
                    if (permit.granted()) {
                        stats.granted(permit.permits());
                    }
                });
                if (!future.isDone()) {
                    pending.add(future);
                } else if (future.join().granted()) {
                    holdings.add(new Holding(future.join(), random.nextInt(6)));
                }
            } else if (action == 7 && random.nextInt(20) == 0) {
                Permit permit = limiter.acquire(permits, Duration.ofNanos(100_000L + random.nextInt(400_000)));
                if (permit.granted()) {
                    stats.granted(permits);
                    hold(permit);
                }
            }
        }

        private void hold(Permit permit) {
            Holding holding = new Holding(permit, random.nextInt(6));
            if (random.nextInt(5) == 0) {
                // Settle to fewer permits: stop counting the difference before giving it back.
                long actual = random.nextInt((int) holding.counted + 1);
                stats.released(holding.counted - actual);
                permit.settle(actual);
                holding.counted = actual;
            }
            holdings.add(holding);
        }

        private void releaseDue() {
            for (Iterator<Holding> it = holdings.iterator(); it.hasNext();) {
                Holding holding = it.next();
                if (holding.iterationsLeft-- <= 0) {
                    it.remove();
                    release(holding);
                }
            }
        }

        private void release(Holding holding) {
            stats.released(holding.counted);
            if (random.nextBoolean()) {
                holding.permit.close();
            } else {
                holding.permit.dropped();
            }
            holding.permit.close(); // a second close must give nothing back
        }

        private void resolvePending() {
            for (Iterator<CompletableFuture<Permit>> it = pending.iterator(); it.hasNext();) {
                CompletableFuture<Permit> future = it.next();
                if (!future.isDone() && random.nextInt(8) == 0 && future.cancel(false)) {
                    stats.cancelled.incrementAndGet();
                }
                if (future.isDone()) {
                    it.remove();
                    if (!future.isCancelled()) {
                        Permit permit = future.join();
                        if (permit.granted()) {
                            stats.grantedAfterWaiting.incrementAndGet();
                            holdings.add(new Holding(permit, random.nextInt(6)));
                        } else {
                            stats.timedOut.incrementAndGet();
                        }
                    }
                }
            }
        }

        private void finish() {
            for (CompletableFuture<Permit> future : pending) {
                if (!future.cancel(false)) {
                    Permit permit = future.join();
                    if (permit.granted()) {
                        holdings.add(new Holding(permit, 0));
                    }
                }
            }
            pending.clear();
            for (Holding holding : holdings) {
                release(holding);
            }
            holdings.clear();
        }
    }
}
