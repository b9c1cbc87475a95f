package dev.throttle.local.limiters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency.QueueOrder;
import dev.throttle.Concurrency;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.Timeout;

/** The bulkhead's allocation-free pair: {@code tryEnter()} and {@code exit()}. */
@Timeout(value = 20, threadMode = ThreadMode.SEPARATE_THREAD)
class ConcurrencyEnterExitTest {

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private ConcurrencyLimiter bulkhead(long limit, int maxQueue) {
        return (ConcurrencyLimiter) engine.limiter("bulkhead", new Concurrency(limit, maxQueue, QueueOrder.FIFO));
    }

    @Test
    void entersUpToTheLimitAndAnExitLetsTheNextIn() {
        ConcurrencyLimiter limiter = bulkhead(2, 0);

        assertThat(limiter.tryEnter()).isTrue();
        assertThat(limiter.tryEnter()).isTrue();
        assertThat(limiter.tryEnter()).isFalse();
        assertThat(limiter.inFlight()).isEqualTo(2);
        assertThat(limiter.tryAcquire().granted()).isFalse();

        limiter.exit();
        assertThat(limiter.availablePermits()).isEqualTo(1);
        assertThat(limiter.tryEnter()).isTrue();
        limiter.exit();
        limiter.exit();
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void anExitWithoutAnEnterIsRefusedAndChangesNothing() {
        ConcurrencyLimiter limiter = bulkhead(2, 0);
        Permit held = limiter.tryAcquire();
        held.close();

        assertThatThrownBy(limiter::exit).isInstanceOf(IllegalStateException.class)
                .hasMessage("exit() without a matching tryEnter(): no permit of bulkhead is held");
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.availablePermits()).isEqualTo(2);
    }

    @Test
    void anExitServesTheQueueAndNobodyJumpsIt() throws Exception {
        ConcurrencyLimiter limiter = bulkhead(1, 4);
        assertThat(limiter.tryEnter()).isTrue();
        CompletableFuture<Permit> waiting = limiter.acquireAsync(1, Duration.ofSeconds(5));
        assertThat(waiting).isNotDone();

        limiter.exit();

        assertThat(waiting.get(5, TimeUnit.SECONDS).granted()).isTrue();
        // The waiter holds the permit now; a newcomer does not get in ahead of it, nor after it while it is held.
        assertThat(limiter.tryEnter()).isFalse();
        waiting.get().close();
        assertThat(limiter.tryEnter()).isTrue();
        limiter.exit();
    }

    @Test
    void eightThreadsNeverHoldMoreThanTheLimitAndEveryEnterIsGivenBack() throws Exception {
        int limit = 3;
        int threads = 8;
        int attempts = 50_000;
        ConcurrencyLimiter limiter = bulkhead(limit, 0);
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger maxHolding = new AtomicInteger();
        AtomicLong entered = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < attempts; i++) {
                    if (limiter.tryEnter()) {
                        int now = holding.incrementAndGet();
                        maxHolding.accumulateAndGet(now, Math::max);
                        entered.incrementAndGet();
                        holding.decrementAndGet();
                        limiter.exit();
                    }
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(15_000);
            assertThat(worker.isAlive()).isFalse();
        }

        assertThat(maxHolding.get()).isBetween(1, limit);
        assertThat(entered.get()).isPositive();
        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.availablePermits()).isEqualTo(limit);
    }
}
