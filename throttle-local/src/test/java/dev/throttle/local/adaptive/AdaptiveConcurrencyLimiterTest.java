package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;

/** The limiter around the algorithm: enforcement, samples, the wait queue, and exact accounting under threads. */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
class AdaptiveConcurrencyLimiterTest {

    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock(1_000 * MS);

    private AdaptiveConcurrencyLimiter limiter(LimitAlgorithm algorithm, int maxQueue) {
        return AdaptiveConcurrencyLimiter.builder("adaptive", algorithm).ticker(clock).scheduler(clock)
                .queue(maxQueue, Concurrency.QueueOrder.PRIORITY).build();
    }

    private static CountingAlgorithm.Counts counts(AdaptiveConcurrencyLimiter limiter) {
        return (CountingAlgorithm.Counts) limiter.limitState();
    }

    @Test
    void grantsUpToTheLimitAndReportsEachPermitsLatencyOnce() {
        AdaptiveConcurrencyLimiter limiter = limiter(CountingAlgorithm.fixed(2), 0);
        Permit first = limiter.tryAcquire();
        clock.advance(3 * MS);
        Permit second = limiter.tryAcquire();
        assertThat(first.granted()).isTrue();
        assertThat(first.limiterName()).isEqualTo("adaptive");
        assertThat(first.limit()).isEqualTo(2);
        assertThat(first.remaining()).isEqualTo(1);
        assertThat(second.granted()).isTrue();
        Permit third = limiter.tryAcquire();
        assertThat(third.granted()).isFalse();
        assertThat(third.retryAfterNanos()).isEqualTo(1L);
        assertThat(limiter.inFlight()).isEqualTo(2);

        clock.advance(7 * MS);
        first.close(); // 10 ms after its grant
        first.close();
        first.dropped();
        assertThat(counts(limiter).samples()).isEqualTo(1);
        assertThat(counts(limiter).lastRtt()).isEqualTo(10 * MS);
        assertThat(limiter.inFlight()).isEqualTo(1);

        second.dropped(); // 7 ms after its grant, as overload
        second.close();
        assertThat(counts(limiter).samples()).isEqualTo(2);
        assertThat(counts(limiter).drops()).isEqualTo(1);
        assertThat(counts(limiter).lastRtt()).isEqualTo(7 * MS);
        assertThat(limiter.inFlight()).isZero();
        third.close(); // a refusal: nothing to give back, nothing to learn
        assertThat(counts(limiter).samples()).isEqualTo(2);
        assertThat(limiter.availablePermits()).isEqualTo(2);
    }

    @Test
    void theAlgorithmsLimitIsEnforcedAtOnce() {
        AdaptiveConcurrencyLimiter limiter = limiter(AimdAlgorithm.builder().initialLimit(10).build(), 0);
        assertThat(limiter.limit()).isEqualTo(10);
        limiter.tryAcquire().dropped(); // 10 × 0.9 = 9
        assertThat(limiter.limit()).isEqualTo(9);
        assertThat(limiter.spec().limit()).isEqualTo(9);
        List<Permit> held = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            held.add(limiter.tryAcquire());
        }
        assertThat(held).allMatch(Permit::granted);
        assertThat(limiter.tryAcquire().granted()).isFalse();
        held.get(0).dropped(); // 9 × 0.9 = 8.1: eight held, limit 8, nothing free
        assertThat(limiter.limit()).isEqualTo(8);
        assertThat(limiter.tryAcquire().granted()).isFalse();
        held.forEach(Permit::close);
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void waitersQueueByPriorityTimeOutAndAreTimedFromTheirGrant() {
        AdaptiveConcurrencyLimiter limiter = limiter(CountingAlgorithm.fixed(1), 2);
        Permit holder = limiter.tryAcquire();
        CompletableFuture<Permit> low = limiter.acquireAsync(1, Duration.ofMillis(50), 1);
        CompletableFuture<Permit> high = limiter.acquireAsync(1, Duration.ofMillis(50), 9);
        CompletableFuture<Permit> full = limiter.acquireAsync(1, Duration.ofMillis(50), 5);
        assertThat(full).isCompleted();
        assertThat(full.join().granted()).as("the queue holds 2").isFalse();
        assertThat(limiter.queueLength()).isEqualTo(2);

        clock.advance(10 * MS);
        holder.close();
        assertThat(high).isCompleted();
        assertThat(low).isNotDone();
        Permit served = high.join();
        assertThat(served.granted()).isTrue();

        clock.advance(45 * MS); // low waited 55 ms: timed out at 50
        assertThat(low).isCompleted();
        assertThat(low.join().granted()).isFalse();
        assertThat(limiter.queueLength()).isZero();

        served.close(); // granted at 10 ms, closed at 55 ms: 45 ms, not counting its 10 ms in the queue
        assertThat(counts(limiter).lastRtt()).isEqualTo(45 * MS);
        assertThat(counts(limiter).samples()).isEqualTo(2);
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void aCancelledWaiterGivesItsSlotBackWithoutASample() {
        AdaptiveConcurrencyLimiter limiter = limiter(CountingAlgorithm.fixed(1), 1);
        Permit holder = limiter.tryAcquire();
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofSeconds(1), 0);
        assertThat(waiting.cancel(false)).isTrue();
        assertThat(limiter.queueLength()).isZero();
        holder.close();
        assertThat(limiter.inFlight()).isZero();
        assertThat(counts(limiter).samples()).isEqualTo(1);
        assertThat(limiter.tryAcquire().granted()).isTrue();
    }

    @Test
    void blockingAcquireWaitsForARelease() throws Exception {
        AdaptiveConcurrencyLimiter limiter = limiter(CountingAlgorithm.fixed(1), 1);
        Permit holder = limiter.tryAcquire();
        AtomicReference<Permit> got = new AtomicReference<>();
        Thread waiter = new Thread(() -> got.set(limiter.acquire(1, Duration.ofSeconds(5), 3)));
        waiter.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (limiter.queueLength() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(limiter.queueLength()).isEqualTo(1);
        holder.close();
        waiter.join(5_000);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(got.get().granted()).isTrue();
        got.get().close();
        assertThat(limiter.inFlight()).isZero();
        assertThat(counts(limiter).samples()).isEqualTo(2);
    }

    @Test
    void settlingGivesBackUnusedPermitsAndStillReportsOneSample() {
        AdaptiveConcurrencyLimiter limiter = limiter(CountingAlgorithm.fixed(4), 0);
        Permit permit = limiter.tryAcquire(3);
        assertThat(limiter.inFlight()).isEqualTo(3);
        permit.settle(1);
        assertThat(limiter.inFlight()).isEqualTo(1);
        assertThatThrownBy(() -> permit.settle(1)).isInstanceOf(IllegalStateException.class);
        permit.close();
        assertThat(limiter.inFlight()).isZero();
        assertThat(counts(limiter).samples()).isEqualTo(1);
    }

    /**
     * Eight threads take and end permits as fast as they can while the limit moves between 2 and 6 with every
     * sample. In-flight never exceeds the highest limit, every grant is sampled exactly once (the algorithm's own
     * immutable count), drops are counted exactly, and nothing is left held.
     */
    @Test
    void eightThreadsExactAccountingUnderAMovingLimit() throws Exception {
        hammer(limiter(new CountingAlgorithm(2, 5), 0), 6);
    }

    /** The same with a fixed limit of 3: the bound is then the limit itself. */
    @Test
    void eightThreadsNeverHoldMoreThanAFixedLimit() throws Exception {
        hammer(limiter(CountingAlgorithm.fixed(3), 0), 3);
    }

    private static void hammer(AdaptiveConcurrencyLimiter limiter, int highestLimit) throws Exception {
        int threads = 8;
        int attempts = 20_000;
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        AtomicLong grants = new AtomicLong();
        AtomicLong drops = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await(5, TimeUnit.SECONDS);
                    for (int i = 0; i < attempts; i++) {
                        Permit permit = limiter.tryAcquire();
                        if (!permit.granted()) {
                            continue;
                        }
                        grants.incrementAndGet();
                        int now = concurrent.incrementAndGet();
                        maxConcurrent.accumulateAndGet(now, Math::max);
                        for (int spin = 0; spin < 50; spin++) {
                            Thread.onSpinWait(); // hold it a moment, so holders overlap
                        }
                        concurrent.decrementAndGet(); // before the release, so the count never lags the limiter
                        if ((i + id) % 3 == 0) {
                            drops.incrementAndGet();
                            permit.dropped();
                        } else {
                            permit.close();
                        }
                        permit.close(); // a second end must change nothing
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "adaptive-" + t);
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(15_000);
            assertThat(worker.isAlive()).as("worker finished").isFalse();
        }
        assertThat(failure.get()).isNull();
        assertThat(maxConcurrent.get()).isBetween(1, highestLimit);
        System.out.printf("8 threads: %d grants, at most %d held at once%n", grants.get(), maxConcurrent.get());
        assertThat(grants.get()).isPositive();
        assertThat(limiter.inFlight()).isZero();
        assertThat(counts(limiter).samples()).isEqualTo(grants.get());
        assertThat(counts(limiter).drops()).isEqualTo(drops.get());
        assertThat(limiter.limit()).as("the last published limit is the last state's").isEqualTo(
                limiter.limitState().limit());
    }
}
