package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Behaviours of Failsafe's rate limiter (smooth and bursty: RateLimiterImplTest, SmoothRateLimiterStatsTest,
 * BurstyRateLimiterStatsTest, functional RateLimiterTest) and bulkhead (functional BulkheadTest, InterruptionTest)
 * tests, restated against throttle's TokenBucket / LeakyBucket.shaping (smooth), FixedWindow (bursty) and
 * Concurrency (bulkhead) on a manual clock.
 */
class FailsafeRateLimiterBulkheadTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    // ---- RateLimiterImplTest.testAcquirePermit / SmoothRateLimiterStatsTest: one permit every 500 ms ----

    @Test
    void smoothSevenAcquiresAreSpacedByTheInterval() {
        RateLimiter limiter = engine.rateLimiter("smooth", TokenBucket.of(1, Rate.of(1, Duration.ofMillis(500))));
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            limiter.acquireAsync(1, Duration.ofSeconds(10)).thenAccept(p -> {
                if (p.granted()) {
                    at.add(clock.read());
                }
            });
        }
        clock.advance(Duration.ofSeconds(5));
        assertThat(at).containsExactly(0L, 500 * MS, 1000 * MS, 1500 * MS, 2000 * MS, 2500 * MS, 3000 * MS);
    }

    // ---- testAcquireInitialStats: 100 ms interval, the second waits 100, after an idle 150 ms the next is free ----

    @Test
    void smoothInitialWaitsAndIdleTime() {
        RateLimiter limiter = engine.rateLimiter("smooth", TokenBucket.of(1, Rate.of(1, Duration.ofMillis(100))));
        assertThat(limiter.allow()).isTrue();
        Permit refused = limiter.tryAcquire();
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfterNanos()).isEqualTo(100 * MS);
        clock.advance(150 * MS);
        assertThat(limiter.allow()).as("idle since 100 ms: free now").isTrue();
        assertThat(limiter.tryAcquire().retryAfterNanos()).isEqualTo(100 * MS);
    }

    // ---- testAcquireWithMaxWaitTime: waits 0, waits 100 (within 1000), a third that would wait 200 > 100 refused ----

    @Test
    void smoothMaxWaitRefusesAtOnceWhenTheSlotIsTooFar() {
        RateLimiter limiter = engine.rateLimiter("smooth", TokenBucket.of(1, Rate.of(1, Duration.ofMillis(100))));
        CompletableFuture<Permit> first = limiter.acquireAsync(1, Duration.ofMillis(100));
        CompletableFuture<Permit> second = limiter.acquireAsync(1, Duration.ofMillis(1000));
        CompletableFuture<Permit> third = limiter.acquireAsync(1, Duration.ofMillis(100));
        assertThat(first).isCompleted();
        assertThat(first.join().granted()).isTrue();
        assertThat(second).isNotDone();
        assertThat(third).as("known at once: no slot within 100 ms").isCompleted();
        assertThat(third.join().granted()).isFalse();
        assertThat(third.join().retryAfterNanos()).isEqualTo(200 * MS);
        clock.advance(99 * MS);
        assertThat(second).isNotDone();
        clock.advance(1 * MS);
        assertThat(second.join().granted()).isTrue();
        // The refused third reserved nothing: the slot after the second's is at 200 ms.
        assertThat(limiter.tryAcquire().retryAfterNanos()).isEqualTo(100 * MS);
    }

    @Test
    void smoothMaxWaitExactlyTheSlotIsGranted() {
        RateLimiter limiter = engine.rateLimiter("smooth", TokenBucket.of(1, Rate.of(1, Duration.ofMillis(100))));
        assertThat(limiter.allow()).isTrue();
        CompletableFuture<Permit> onTheEdge = limiter.acquireAsync(1, Duration.ofMillis(100));
        assertThat(onTheEdge).isNotDone();
        clock.advance(100 * MS);
        assertThat(onTheEdge.join().granted()).isTrue();
    }

    // ---- shaping queue: output never faster than the outflow, maxDelay bounds each wait ----

    @Test
    void shapingQueueSpacesRequestsAndRefusesBeyondMaxDelay() {
        RateLimiter limiter = engine.rateLimiter("shape",
                LeakyBucket.shaping(Rate.of(1, Duration.ofMillis(100)), Duration.ofMillis(300)));
        List<Long> at = new ArrayList<>();
        List<CompletableFuture<Permit>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            CompletableFuture<Permit> f = limiter.acquireAsync(1, Duration.ofSeconds(10));
            f.thenAccept(p -> {
                if (p.granted()) {
                    at.add(clock.read());
                }
            });
            all.add(f);
        }
        // Slots 0, 100, 200, 300 fit within 300 ms; the 5th and 6th would wait 400 and 500.
        assertThat(all.get(4).join().granted()).isFalse();
        assertThat(all.get(5).join().granted()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(at).containsExactly(0L, 100 * MS, 200 * MS, 300 * MS);
    }

    // ---- functional RateLimiterTest: many threads never get more than the rate allows ----

    @Test
    void manyThreadsTryAcquiringAFixedWindowGetExactlyTheLimit() throws Exception {
        RateLimiter limiter = engine.rateLimiter("bursty", FixedWindow.of(1000, Duration.ofSeconds(1)));
        AtomicInteger granted = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 5000; i++) {
                    if (limiter.allow()) {
                        granted.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertThat(granted.get()).isEqualTo(1000);
    }

    @Test
    void manyThreadsWaitingOnAShapingQueueEachGetTheirOwnSlot() throws Exception {
        RateLimiter limiter = engine.rateLimiter("shape",
                LeakyBucket.shaping(Rate.of(1, Duration.ofMillis(10)), Duration.ofMillis(990)));
        // capacity 100 slots: 0, 10, ..., 990 ms
        List<CompletableFuture<Permit>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
        CyclicBarrier start = new CyclicBarrier(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 50; i++) {
                    futures.add(limiter.acquireAsync(1, Duration.ofSeconds(5)));
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        long refusedAtOnce = futures.stream().filter(f -> f.isDone() && !f.join().granted()).count();
        assertThat(refusedAtOnce).isEqualTo(300);
        int previous = (int) futures.stream().filter(f -> f.isDone() && f.join().granted()).count();
        assertThat(previous).as("only the slot at 0 is now").isEqualTo(1);
        for (int step = 1; step <= 100; step++) {
            clock.advance(10 * MS);
            int now = (int) futures.stream().filter(f -> f.isDone() && f.join().granted()).count();
            assertThat(now - previous).as("grants at %d ms", step * 10).isLessThanOrEqualTo(1);
            previous = now;
        }
        assertThat(previous).isEqualTo(100);
    }

    // ---- BurstyRateLimiterStatsTest: 2 per second, 7 requests: the 7th waits until the period at 3 s ----

    @Test
    void burstyWaitersAreServedTwoPerPeriod() {
        RateLimiter limiter = engine.rateLimiter("bursty", FixedWindow.of(2, Duration.ofSeconds(1)));
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            limiter.acquireAsync(1, Duration.ofSeconds(3)).thenAccept(p -> {
                if (p.granted()) {
                    at.add(clock.read());
                }
            });
        }
        clock.advance(Duration.ofSeconds(10));
        assertThat(at).containsExactly(0L, 0L, S, S, 2 * S, 2 * S, 3 * S);
    }

    @Test
    void burstyRequestMustWaitTillTheNextPeriod() {
        RateLimiter limiter = engine.rateLimiter("bursty", FixedWindow.of(5, Duration.ofSeconds(1)));
        clock.advance(1550 * MS);
        assertThat(limiter.allow(5)).isTrue();
        clock.advance(660 * MS - 550 * MS); // 1660 ms
        Permit now = limiter.tryAcquire(2);
        assertThat(now.granted()).isFalse();
        assertThat(now.retryAfterNanos()).isEqualTo(340 * MS);
        CompletableFuture<Permit> tooShort = limiter.acquireAsync(2, Duration.ofMillis(339));
        assertThat(tooShort.join().granted()).as("refused at once: no window within 339 ms").isFalse();
        CompletableFuture<Permit> waits = limiter.acquireAsync(2, Duration.ofMillis(340));
        clock.advance(339 * MS);
        assertThat(waits).isNotDone();
        clock.advance(1 * MS);
        assertThat(waits.join().granted()).isTrue();
        assertThat(limiter.availablePermits()).isEqualTo(3);
    }

    // ---- RateLimiterImplTest.testAcquirePermitWithInterrupt, for a window that retries at its boundary ----

    @Test
    void interruptingAThreadWaitingOnAFixedWindowWithdrawsTheRequest() throws Exception {
        RateLimiter limiter = engine.rateLimiter("bursty", FixedWindow.of(1, Duration.ofSeconds(1)));
        assertThat(limiter.allow()).isTrue();
        AtomicReference<Permit> answer = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            answer.set(limiter.acquire(1, Duration.ofSeconds(5)));
            flag.set(Thread.currentThread().isInterrupted());
        });
        waiter.start();
        while (clock.pendingTasks() == 0) {
            Thread.onSpinWait();
        }
        waiter.interrupt();
        waiter.join(10_000);
        assertThat(answer.get().granted()).isFalse();
        assertThat(flag.get()).isTrue();
        assertThat(clock.pendingTasks()).as("its retry is cancelled").isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.availablePermits()).as("the next window is untouched").isEqualTo(1);
        assertThat(limiter.allow()).isTrue();
    }

    @Test
    void cancellingAnAsyncWaitOnAFixedWindowSpendsNothing() {
        RateLimiter limiter = engine.rateLimiter("bursty", FixedWindow.of(1, Duration.ofSeconds(1)));
        assertThat(limiter.allow()).isTrue();
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofSeconds(5));
        assertThat(waiting.cancel(true)).isTrue();
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.allow()).isTrue();
    }

    @Test
    void aThreadAlreadyInterruptedGetsAnImmediateGrantButDoesNotWait() {
        RateLimiter limiter = engine.rateLimiter("smooth", TokenBucket.of(1, Rate.of(1, Duration.ofSeconds(1))));
        Thread.currentThread().interrupt();
        try {
            assertThat(limiter.acquire(1, Duration.ofSeconds(5)).granted()).isTrue();
            Permit second = limiter.acquire(1, Duration.ofSeconds(5));
            assertThat(second.granted()).isFalse();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.allow()).as("the withdrawn second gave its slot back").isTrue();
    }

    // ---- BulkheadTest: max concurrency, max wait, release; InterruptionTest: interrupted waiter ----

    @Test
    void bulkheadWaiterIsRefusedExactlyAtItsMaxWait() {
        Limiter bulkhead = engine.limiter("bh", Concurrency.of(2, 10));
        Permit a = bulkhead.tryAcquire();
        Permit b = bulkhead.tryAcquire();
        assertThat(bulkhead.tryAcquire().granted()).isFalse();
        CompletableFuture<Permit> waiting = bulkhead.acquireAsync(1, Duration.ofMillis(500));
        clock.advance(499 * MS);
        assertThat(waiting).isNotDone();
        clock.advance(1 * MS);
        assertThat(waiting.join().granted()).isFalse();
        a.close();
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
        b.close();
        assertThat(bulkhead.availablePermits()).isEqualTo(2);
    }

    @Test
    void bulkheadWaiterGetsAReleasedPermit() {
        Limiter bulkhead = engine.limiter("bh", Concurrency.of(1, 10));
        Permit a = bulkhead.tryAcquire();
        CompletableFuture<Permit> waiting = bulkhead.acquireAsync(1, Duration.ofSeconds(1));
        a.close();
        assertThat(waiting.join().granted()).isTrue();
        assertThat(bulkhead.availablePermits()).isZero();
        waiting.join().close();
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void interruptedBulkheadWaiterLeavesTheQueueAndTakesNoPermit() throws Exception {
        Limiter bulkhead = engine.limiter("bh", Concurrency.of(1, 1));
        Permit held = bulkhead.tryAcquire();
        AtomicReference<Permit> answer = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            started.countDown();
            answer.set(bulkhead.acquire(1, Duration.ofSeconds(100)));
            flag.set(Thread.currentThread().isInterrupted());
        });
        waiter.start();
        started.await();
        long until = System.nanoTime() + 10 * S;
        while (((dev.throttle.ConcurrencyStats) bulkhead).queueLength() == 0 && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        waiter.interrupt();
        waiter.join(10_000);
        assertThat(answer.get().granted()).isFalse();
        assertThat(flag.get()).isTrue();
        held.close();
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void cancelledBulkheadWaiterFreesItsQueuePlace() {
        Limiter bulkhead = engine.limiter("bh", Concurrency.of(1, 1));
        Permit held = bulkhead.tryAcquire();
        CompletableFuture<Permit> first = bulkhead.acquireAsync(1, Duration.ofSeconds(10));
        CompletableFuture<Permit> full = bulkhead.acquireAsync(1, Duration.ofSeconds(10));
        assertThat(full.join().granted()).as("queue of 1 is full").isFalse();
        first.cancel(false);
        CompletableFuture<Permit> again = bulkhead.acquireAsync(1, Duration.ofSeconds(10));
        assertThat(again).isNotDone();
        held.close();
        assertThat(again.join().granted()).isTrue();
    }

    @Test
    void manyThreadsThroughABulkheadNeverExceedItsLimit() throws Exception {
        Limiter bulkhead = LocalEngine.create().limiter("bh", Concurrency.of(3, 100));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(pool.submit(() -> {
                for (int i = 0; i < 500; i++) {
                    try (Permit p = bulkhead.acquire(1, Duration.ofSeconds(10))) {
                        if (!p.granted()) {
                            continue;
                        }
                        int n = inside.incrementAndGet();
                        most.accumulateAndGet(n, Math::max);
                        ran.incrementAndGet();
                        Thread.yield();
                        inside.decrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertThat(most.get()).isLessThanOrEqualTo(3);
        assertThat(ran.get()).isEqualTo(4000);
        assertThat(bulkhead.availablePermits()).isEqualTo(3);
    }
    @Test
    void manyThreadsWaitingOnAFixedWindowGetExactlyTheLimitPerWindow() throws Exception {
        RateLimiter limiter = engine.rateLimiter("bursty", FixedWindow.of(100, Duration.ofSeconds(1)));
        List<CompletableFuture<Permit>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
        CyclicBarrier start = new CyclicBarrier(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < 50; i++) {
                    futures.add(limiter.acquireAsync(1, Duration.ofSeconds(5)));
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        int previous = (int) futures.stream().filter(f -> f.isDone() && f.join().granted()).count();
        assertThat(previous).isEqualTo(100);
        for (int window = 1; window <= 3; window++) {
            clock.advance(S);
            int now = (int) futures.stream().filter(f -> f.isDone() && f.join().granted()).count();
            assertThat(now - previous).as("grants in window %d", window).isEqualTo(100);
            previous = now;
        }
        assertThat(futures).allMatch(CompletableFuture::isDone);
        assertThat(limiter.availablePermits()).isZero();
    }
}
