package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.limiters.ConcurrencyLimiter;
import dev.throttle.testing.Eventually;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Behaviours of Resilience4j's semaphore bulkhead tests (SemaphoreBulkheadTest, BulkheadTest, BulkheadConfigTest),
 * expressed against throttle's {@link Concurrency} limiter on the local engine with a manual clock.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class R4jBulkheadTest {

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private ConcurrencyLimiter bulkhead(long limit, int maxQueue) {
        return (ConcurrencyLimiter) engine.limiter("bh", Concurrency.of(limit, maxQueue));
    }

    // SemaphoreBulkheadTest.shouldReturnTheCorrectName
    @Test
    void nameIsPropagatedToLimiterAndPermits() {
        ConcurrencyLimiter bh = bulkhead(1, 0);
        assertThat(bh.name()).isEqualTo("bh");
        assertThat(bh.tryAcquire().limiterName()).isEqualTo("bh");
        assertThat(bh.tryAcquire().limiterName()).isEqualTo("bh");
    }

    // SemaphoreBulkheadTest.shouldHandleBasicBulkheadOperationsInBothThreadModes
    @Test
    void basicAcquireRejectAndRelease() {
        ConcurrencyLimiter bh = bulkhead(2, 0);
        Permit a = bh.tryAcquire();
        Permit b = bh.tryAcquire();
        assertThat(a.granted()).isTrue();
        assertThat(b.granted()).isTrue();
        assertThat(bh.availablePermits()).isZero();
        assertThat(bh.tryAcquire().granted()).isFalse();
        a.close();
        assertThat(bh.availablePermits()).isEqualTo(1);
        b.close();
        assertThat(bh.availablePermits()).isEqualTo(2);
        assertThat(bh.tryAcquire().granted()).isTrue();
    }

    // SemaphoreBulkheadTest.shouldHandleTimeoutBehaviorConsistentlyInBothThreadModes / testEntryTimeout
    @Test
    void waitingRequestIsRefusedExactlyAtItsMaxWait() {
        ConcurrencyLimiter bh = bulkhead(1, 1);
        Permit held = bh.tryAcquire();
        CompletableFuture<Permit> waiter = bh.acquireAsync(1, Duration.ofMillis(50));
        assertThat(waiter).isNotDone();
        assertThat(bh.queueLength()).isEqualTo(1);
        clock.advance(Duration.ofMillis(50).minusNanos(1));
        assertThat(waiter).isNotDone();
        clock.advance(1);
        assertThat(waiter).isDone();
        assertThat(waiter.join().granted()).isFalse();
        assertThat(bh.queueLength()).isZero();
        // the timed-out waiter holds nothing
        held.close();
        assertThat(bh.availablePermits()).isEqualTo(1);
        assertThat(bh.inFlight()).isZero();
    }

    // Blocking variant of the above: a thread waiting in acquire returns a refusal when its max wait elapses.
    @Test
    void blockingAcquireReturnsRefusalAtMaxWait() throws Exception {
        ConcurrencyLimiter bh = bulkhead(1, 1);
        Permit held = bh.tryAcquire();
        AtomicReference<Permit> got = new AtomicReference<>();
        Thread t = new Thread(() -> got.set(bh.acquire(1, Duration.ofMillis(50))));
        t.setDaemon(true);
        t.start();
        // queued, its timeout armed on the manual clock, and parked
        assertThat(Eventually.eventually(() -> bh.queueLength() == 1 && clock.pendingTasks() == 1
                && t.getState() == Thread.State.WAITING)).isTrue();
        clock.advance(Duration.ofMillis(50));
        t.join(5000);
        assertThat(t.isAlive()).isFalse();
        assertThat(got.get().granted()).isFalse();
        held.close();
        assertThat(bh.inFlight()).isZero();
    }

    // A waiter served before its max wait gets the released permit.
    @Test
    void waitingRequestIsGrantedWhenAPermitIsReleased() {
        ConcurrencyLimiter bh = bulkhead(1, 1);
        Permit held = bh.tryAcquire();
        CompletableFuture<Permit> waiter = bh.acquireAsync(1, Duration.ofMillis(50));
        clock.advance(Duration.ofMillis(10));
        held.close();
        assertThat(waiter).isDone();
        Permit p = waiter.join();
        assertThat(p.granted()).isTrue();
        assertThat(bh.inFlight()).isEqualTo(1);
        // its timeout no longer fires a refusal nor changes anything
        clock.advance(Duration.ofMillis(100));
        assertThat(bh.inFlight()).isEqualTo(1);
        p.close();
        assertThat(bh.inFlight()).isZero();
    }

    // SemaphoreBulkheadTest.testTryEnterWithInterruptDuringTimeout / testAcquireWithInterruptDuringTimeout
    @Test
    void interruptedWaiterIsRefusedKeepsItsFlagAndLeavesTheQueue() throws Exception {
        ConcurrencyLimiter bh = bulkhead(1, 1);
        Permit held = bh.tryAcquire();
        AtomicReference<Permit> got = new AtomicReference<>();
        AtomicBoolean flag = new AtomicBoolean();
        Thread t = new Thread(() -> {
            got.set(bh.acquire(1, Duration.ofSeconds(2)));
            flag.set(Thread.currentThread().isInterrupted());
        });
        t.setDaemon(true);
        t.start();
        assertThat(Eventually.eventually(() -> bh.queueLength() == 1 && t.getState() == Thread.State.WAITING))
                .isTrue();
        t.interrupt();
        t.join(5000);
        assertThat(t.isAlive()).isFalse();
        assertThat(got.get().granted()).isFalse();
        assertThat(flag.get()).isTrue();
        assertThat(bh.queueLength()).isZero();
        held.close();
        assertThat(bh.availablePermits()).isEqualTo(1);
        assertThat(clock.pendingTasks()).isZero(); // the waiter's timeout was cancelled
    }

    // Cancellation of an async waiter gives back everything.
    @Test
    void cancellingAWaiterWithdrawsIt() {
        ConcurrencyLimiter bh = bulkhead(1, 1);
        Permit held = bh.tryAcquire();
        CompletableFuture<Permit> waiter = bh.acquireAsync(1, Duration.ofSeconds(1));
        waiter.cancel(false);
        assertThat(bh.queueLength()).isZero();
        held.close();
        assertThat(bh.availablePermits()).isEqualTo(1);
        // the freed queue slot is usable again
        Permit again = bh.tryAcquire();
        CompletableFuture<Permit> second = bh.acquireAsync(1, Duration.ofSeconds(1));
        assertThat(second).isNotDone();
        again.close();
        assertThat(second.join().granted()).isTrue();
    }

    // SemaphoreBulkheadTest.testZeroMaxConcurrentCalls / BulkheadConfigTest.testBuildWithIllegalMaxConcurrent
    @Test
    void aZeroOrNegativeLimitIsRefusedNamingTheParameter() {
        assertThatThrownBy(() -> Concurrency.of(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit");
        assertThatThrownBy(() -> Concurrency.of(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit");
    }

    // BulkheadConfigTest.testBuildWithIllegalMaxWait / testBuildWithIllegalMaxWaitDuration
    @Test
    void anIllegalMaxWaitIsRefusedNamingTheParameter() {
        ConcurrencyLimiter bh = bulkhead(1, 1);
        assertThatThrownBy(() -> bh.acquire(1, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxWait");
        assertThatThrownBy(() -> bh.acquire(1, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxWait");
        assertThatThrownBy(() -> bh.acquireAsync(1, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> Concurrency.of(1, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxQueue");
        assertThat(bh.inFlight()).isZero();
        assertThat(bh.queueLength()).isZero();
    }

    // SemaphoreBulkheadTest.changePermissionsInIdleState
    @Test
    void reconfigureInIdleState() {
        ConcurrencyLimiter bh = bulkhead(3, 0);
        LocalEngine.reconfigure(bh, Concurrency.of(5));
        assertThat(bh.limit()).isEqualTo(5);
        assertThat(bh.availablePermits()).isEqualTo(5);
        LocalEngine.reconfigure(bh, Concurrency.of(2));
        assertThat(bh.limit()).isEqualTo(2);
        assertThat(bh.availablePermits()).isEqualTo(2);
        LocalEngine.reconfigure(bh, Concurrency.of(2));
        assertThat(bh.availablePermits()).isEqualTo(2);
    }

    // SemaphoreBulkheadTest.changePermissionsCountWhileOneThreadIsRunningWithThisPermission
    @Test
    void reconfigureWhileAPermitIsHeld() {
        ConcurrencyLimiter bh = bulkhead(1, 0);
        Permit running = bh.tryAcquire();
        assertThat(bh.tryAcquire().granted()).isFalse();
        LocalEngine.reconfigure(bh, Concurrency.of(2));
        assertThat(bh.availablePermits()).isEqualTo(1);
        Permit second = bh.tryAcquire();
        assertThat(second.granted()).isTrue();
        assertThat(bh.tryAcquire().granted()).isFalse();
        LocalEngine.reconfigure(bh, Concurrency.of(1)); // lowering takes nothing back
        assertThat(bh.limit()).isEqualTo(1);
        assertThat(bh.availablePermits()).isZero();
        running.close();
        assertThat(bh.availablePermits()).isZero(); // still one in flight, at the new limit
        assertThat(bh.tryAcquire().granted()).isFalse();
        second.close();
        assertThat(bh.availablePermits()).isEqualTo(1);
    }

    // SemaphoreBulkheadTest.changePermissionsCountWhileOneThreadIsWaitingForPermission
    @Test
    void raisingTheLimitServesAWaiterAtOnce() {
        ConcurrencyLimiter bh = bulkhead(1, 1);
        Permit held = bh.tryAcquire();
        CompletableFuture<Permit> waiter = bh.acquireAsync(1, Duration.ofSeconds(500));
        assertThat(waiter).isNotDone();
        LocalEngine.reconfigure(bh, Concurrency.of(2, 1));
        assertThat(waiter).isDone();
        assertThat(waiter.join().granted()).isTrue();
        assertThat(bh.availablePermits()).isZero();
        waiter.join().close();
        held.close();
        assertThat(bh.availablePermits()).isEqualTo(2);
    }

    // BulkheadTest.shouldDecorate*AndReturnWithSuccess
    @Test
    void callReturnsTheResultAndReleases() throws Exception {
        ConcurrencyLimiter bh = bulkhead(1, 0);
        assertThat(bh.call(() -> "hello")).isEqualTo("hello");
        AtomicInteger ran = new AtomicInteger();
        bh.run(ran::incrementAndGet);
        assertThat(ran).hasValue(1);
        assertThat(bh.availablePermits()).isEqualTo(1);
    }

    // BulkheadTest.shouldDecorate*AndReturnWithException / shouldReturnFailureWithRuntimeException
    @Test
    void callPropagatesTheExceptionUnchangedAndReleases() {
        ConcurrencyLimiter bh = bulkhead(1, 0);
        IllegalStateException boom = new IllegalStateException("BAM!");
        assertThatThrownBy(() -> bh.call(() -> {
            throw boom;
        })).isSameAs(boom);
        assertThatThrownBy(() -> bh.run(() -> {
            throw boom;
        })).isSameAs(boom);
        IOException checked = new IOException("io");
        assertThatThrownBy(() -> bh.call(() -> {
            throw checked;
        })).isSameAs(checked);
        assertThat(bh.availablePermits()).isEqualTo(1);
    }

    // BulkheadTest.shouldReturnFailureWithBulkheadFullException
    @Test
    void aFullBulkheadRefusesWithThrottledExceptionNamingIt() {
        ConcurrencyLimiter bh = bulkhead(2, 0);
        bh.tryAcquire();
        bh.tryAcquire();
        AtomicBoolean ran = new AtomicBoolean();
        assertThatThrownBy(() -> bh.run(() -> ran.set(true))).isInstanceOf(ThrottledException.class)
                .satisfies(e -> assertThat(((ThrottledException) e).limiterName()).isEqualTo("bh"));
        assertThat(ran).isFalse();
    }

    // BulkheadTest.shouldDecorateCompletionStageAndReturnWithSuccess
    @Test
    void callAsyncHoldsThePermitUntilTheStageCompletes() {
        ConcurrencyLimiter bh = bulkhead(1, 0);
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = bh.callAsync(() -> stage);
        assertThat(bh.availablePermits()).isZero();
        stage.complete("hello");
        assertThat(result.thenApply(v -> v + " world").join()).isEqualTo("hello world");
        assertThat(bh.availablePermits()).isEqualTo(1);
    }

    // BulkheadTest.shouldDecorateCompletionStageAndReturnWithExceptionAtAsyncStage
    @Test
    void callAsyncPropagatesAnAsyncFailureAndReleases() {
        ConcurrencyLimiter bh = bulkhead(1, 0);
        RuntimeException boom = new RuntimeException("BAM! At async stage");
        CompletableFuture<String> result = bh.callAsync(() -> CompletableFuture.failedFuture(boom));
        assertThatThrownBy(result::join).isInstanceOf(CompletionException.class).hasCause(boom);
        assertThat(bh.availablePermits()).isEqualTo(1);
    }

    // BulkheadTest.shouldDecorateCompletionStageAndReturnWithExceptionAtSyncStage. Limiter.callAsync: "A task that
    // throws instead of supplying a stage, or supplies null, gives the permit back at once and fails the returned
    // future with what it threw (an IllegalArgumentException for null)".
    @Test
    void callAsyncFailsItsFutureAndReleasesWhenTheSupplierThrows() {
        ConcurrencyLimiter bh = bulkhead(1, 0);
        RuntimeException boom = new RuntimeException("BAM! at sync stage");
        CompletableFuture<String> result = bh.callAsync(() -> {
            throw boom;
        });
        assertThat(result).isCompletedExceptionally();
        assertThatThrownBy(result::join).isInstanceOf(CompletionException.class).hasCause(boom);
        assertThat(bh.availablePermits()).isEqualTo(1);
        assertThat(bh.inFlight()).isZero();
    }

    // The same with a supplier that returns no stage at all.
    @Test
    void callAsyncFailsItsFutureAndReleasesWhenTheSupplierReturnsNull() {
        ConcurrencyLimiter bh = bulkhead(1, 0);
        CompletableFuture<String> result = bh.callAsync(() -> null);
        assertThat(result).isCompletedExceptionally();
        assertThatThrownBy(result::join).hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(bh.availablePermits()).isEqualTo(1);
        assertThat(bh.inFlight()).isZero();
    }

    // BulkheadFutureTest.shouldReturnFailureWithBulkheadFullException (async)
    @Test
    void callAsyncOnAFullBulkheadFailsTheFutureWithoutCallingTheSupplier() {
        ConcurrencyLimiter bh = bulkhead(1, 0);
        bh.tryAcquire();
        AtomicBoolean called = new AtomicBoolean();
        CompletableFuture<String> result = bh.callAsync(() -> {
            called.set(true);
            return CompletableFuture.completedFuture("x");
        });
        assertThatThrownBy(result::join).hasCauseInstanceOf(ThrottledException.class);
        assertThat(called).isFalse();
    }

    // Exact concurrency limit under contention (BulkheadTest's concurrency expectation): in each round, sixteen
    // threads ask at once and hold what they get, so exactly the limit is granted; then all of them close.
    @Test
    void exactlyTheLimitIsGrantedInEachRoundOfContention() throws Exception {
        int threads = 16;
        int rounds = 200;
        Limiter bh = bulkhead(3, 0);
        AtomicInteger granted = new AtomicInteger();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (int round = 0; round < rounds; round++) {
                        barrier.await(5, TimeUnit.SECONDS); // everyone has closed the previous round's permit
                        Permit permit = bh.tryAcquire();
                        if (permit.granted()) {
                            granted.incrementAndGet();
                            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        }
                        barrier.await(5, TimeUnit.SECONDS); // everyone has asked in this round
                        if (permit.granted()) {
                            inside.decrementAndGet();
                        }
                        permit.close();
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(granted.get()).isEqualTo(3 * rounds);
        assertThat(maxInside.get()).isEqualTo(3);
        assertThat(bh.availablePermits()).isEqualTo(3);
    }
}
