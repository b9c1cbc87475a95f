package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    private final ManualClock ticker = new ManualClock();

    private static Retry.Config.Builder immediate(int attempts) {
        return Retry.Config.builder().maxAttempts(attempts).baseDelay(Duration.ZERO).maxDelay(Duration.ZERO);
    }

    @Test
    void aBudgetCapsTheRetriesOfAnOutageAtItsRatioPlusTheReserve() {
        // 10 % of the calls plus 1 retry per second over 10 s: 1000 failing calls may retry 100 + 10 times.
        RetryBudget budget = RetryBudget.of(0.1, 1, Duration.ofSeconds(10), ticker);
        Retry retry = Retry.builder().config(immediate(3).build()).budget(budget).build();
        AtomicInteger attempts = new AtomicInteger();
        for (int i = 0; i < 1000; i++) {
            assertThatThrownBy(() -> retry.call(() -> {
                attempts.incrementAndGet();
                throw new IOException("outage");
            })).isInstanceOf(IOException.class);
        }
        assertThat(attempts.get() - 1000).isEqualTo(110);
        assertThat(budget.available()).isZero();
    }

    @Test
    void aDecimalRatioOrReserveAllowsExactlyItsWholeRetries() {
        // 0.29 × 100 is 28.999999999999996 in doubles; the budget must still allow 29, as its formula says.
        RetryBudget ratio = RetryBudget.of(0.29, 0, Duration.ofSeconds(10), ticker);
        for (int i = 0; i < 100; i++) {
            ratio.deposit();
        }
        assertThat(ratio.available()).isEqualTo(29);
        for (int i = 0; i < 29; i++) {
            assertThat(ratio.tryWithdraw()).as("retry %d", i + 1).isTrue();
        }
        assertThat(ratio.tryWithdraw()).isFalse();
        // 100 per second over 290 ms is 29 too (100 × 0.29 s rounds below it as well).
        RetryBudget reserve = RetryBudget.of(0.0, 100, Duration.ofMillis(290), ticker);
        assertThat(reserve.available()).isEqualTo(29);
        for (int i = 0; i < 29; i++) {
            assertThat(reserve.tryWithdraw()).isTrue();
        }
        assertThat(reserve.tryWithdraw()).isFalse();
        // Never more than the formula either: 0.57 × 100 is 56.99999999999999, and 57 it allows, not 58.
        RetryBudget other = RetryBudget.of(0.57, 0, Duration.ofSeconds(10), ticker);
        for (int i = 0; i < 100; i++) {
            other.deposit();
        }
        assertThat(other.available()).isEqualTo(57);
    }

    @Test
    void aRetryWhoseWaitIsInterruptedGivesItsWithdrawalBack() {
        RetryBudget budget = RetryBudget.of(0.0, 1, Duration.ofSeconds(10), ticker);
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofMillis(100)).build()).budget(budget).sleeper(nanos -> {
                    throw new InterruptedException("stop");
                }).build();
        assertThat(budget.available()).isEqualTo(10);
        try {
            assertThatThrownBy(() -> retry.call(() -> {
                throw new IOException("down");
            })).isInstanceOf(IOException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(budget.available()).as("no retry was made").isEqualTo(10);
    }

    @Test
    void anAsyncRetryCancelledWhileItWaitsGivesItsWithdrawalBack() {
        RetryBudget budget = RetryBudget.of(0.0, 1, Duration.ofSeconds(10), ticker);
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofMillis(100)).build()).budget(budget).scheduler(ticker).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> call = retry.callAsync(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException("down"));
        });
        assertThat(budget.available()).as("the second attempt's retry is withdrawn").isEqualTo(9);
        call.cancel(false);
        assertThat(budget.available()).as("and given back: it is never made").isEqualTo(10);
        ticker.advance(Duration.ofSeconds(1));
        assertThat(attempts.get()).isEqualTo(1);
    }

    @Test
    void withoutABudgetTheSameOutageTriplesTheLoad() {
        Retry retry = Retry.builder().config(immediate(3).build()).build();
        AtomicInteger attempts = new AtomicInteger();
        for (int i = 0; i < 1000; i++) {
            assertThatThrownBy(() -> retry.call(() -> {
                attempts.incrementAndGet();
                throw new IOException("outage");
            })).isInstanceOf(IOException.class);
        }
        assertThat(attempts.get()).isEqualTo(3000);
    }

    @Test
    void callsAndRetriesLeaveTheWindowAndTheBudgetRefills() {
        RetryBudget budget = RetryBudget.of(0.5, 0, Duration.ofSeconds(10), ticker);
        for (int i = 0; i < 10; i++) {
            budget.deposit();
        }
        assertThat(budget.available()).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            assertThat(budget.tryWithdraw()).isTrue();
        }
        assertThat(budget.tryWithdraw()).isFalse();
        ticker.advance(Duration.ofSeconds(5));
        budget.deposit();
        budget.deposit();
        assertThat(budget.tryWithdraw()).isTrue(); // 12 calls allow 6
        assertThat(budget.tryWithdraw()).isFalse();
        // 10 s after the first ten calls, they and their five retries have left: 2 calls, 1 retry remain.
        ticker.advance(Duration.ofSeconds(5));
        assertThat(budget.available()).isZero();
        budget.deposit();
        budget.deposit();
        assertThat(budget.available()).isEqualTo(1);
        ticker.advance(Duration.ofHours(1));
        assertThat(budget.available()).isZero();
    }

    @Test
    void theReserveLetsAQuietClientRetry() {
        RetryBudget budget = RetryBudget.defaults(ticker);
        assertThat(budget.available()).isEqualTo(100); // 10 per second over 10 s
        budget.deposit();
        assertThat(budget.tryWithdraw()).isTrue();
        assertThat(budget.available()).isEqualTo(99);
        assertThat(budget.toString()).isEqualTo("RetryBudget[20% of calls + 10/s over 10 s; 99 retries available]");
    }

    @Test
    void asyncRetriesDrawOnTheBudgetToo() {
        ManualClock clock = new ManualClock();
        RetryBudget budget = RetryBudget.of(0.0, 1, Duration.ofSeconds(2), clock);
        Retry retry = Retry.builder().config(immediate(10).build()).budget(budget).scheduler(clock).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retry.callAsync(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException("outage"));
        });
        clock.advance(0);
        assertThat(result).isCompletedExceptionally();
        assertThat(attempts.get()).isEqualTo(3); // the reserve: 1 per second over 2 s
    }

    @Test
    void concurrentWithdrawalsNeverExceedTheBudget() throws Exception {
        RetryBudget budget = RetryBudget.of(0.1, 0, Duration.ofSeconds(10), ticker);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    assertThat(start.await(10, TimeUnit.SECONDS)).isTrue();
                    int granted = 0;
                    for (int i = 0; i < 5000; i++) {
                        budget.deposit();
                        if (budget.tryWithdraw()) {
                            granted++;
                        }
                    }
                    return granted;
                }));
            }
            start.countDown();
            int granted = 0;
            for (Future<Integer> future : futures) {
                granted += future.get(30, TimeUnit.SECONDS);
            }
            // 40 000 calls at 10 %: exactly 4000 retries, however the threads interleaved.
            assertThat(granted).isEqualTo(4000);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void budgetsAreCheckedAtOnce() {
        assertThatThrownBy(() -> RetryBudget.of(-0.1, 0, Duration.ofSeconds(1), ticker))
                .hasMessageContaining("ratio");
        assertThatThrownBy(() -> RetryBudget.of(Double.NaN, 0, Duration.ofSeconds(1), ticker))
                .hasMessageContaining("ratio");
        assertThatThrownBy(() -> RetryBudget.of(0.1, -1, Duration.ofSeconds(1), ticker))
                .hasMessageContaining("minRetriesPerSecond");
        assertThatThrownBy(() -> RetryBudget.of(0.1, 1, Duration.ofNanos(9), ticker)).hasMessageContaining("window");
        assertThatThrownBy(() -> RetryBudget.of(0.1, 1, Duration.ofSeconds(1), null))
                .hasMessageContaining("ticker");
    }
}
