package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import dev.throttle.local.resilience.Retry;
import dev.throttle.local.resilience.RetryBudget;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongUnaryOperator;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Behaviours of Polly's RetryResilienceStrategyTests and RetryHelperTests, expressed against throttle's Retry and
 * RetryBudget.
 */
class PollyRetryTest {

    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock();
    private final List<Long> sleeps = new CopyOnWriteArrayList<>();
    private final List<Long> bounds = new CopyOnWriteArrayList<>();
    private final Retry.Sleeper sleeper = nanos -> {
        sleeps.add(nanos);
        clock.advance(nanos);
    };

    private RandomGenerator draws(LongUnaryOperator draw) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new AssertionError("unbounded draw");
            }

            @Override
            public long nextLong(long bound) {
                bounds.add(bound);
                return draw.applyAsLong(bound);
            }
        };
    }

    /** The top of each jitter range: the backoff's cap itself. */
    private Retry.Builder topOfRange(Retry.Config.Builder config) {
        return Retry.builder().config(config.build()).sleeper(sleeper).scheduler(clock)
                .random(draws(bound -> bound - 1));
    }

    // ---- Retry_RetryCount_Respected: a handled result is retried maxAttempts - 1 times, the last one returned ----

    @Test
    void aHandledResultIsRetriedUntilAttemptsRunOutAndTheLastIsReturned() throws Exception {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(13).baseDelay(Duration.ZERO)
                .retryOnResult(Integer.class, r -> r == 0)).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThat(retry.call(() -> {
            attempts.incrementAndGet();
            return 0;
        })).isZero();
        assertThat(attempts.get()).isEqualTo(13);
        assertThat(sleeps).as("zero delay: the sleeper is never asked").isEmpty();
    }

    // ---- RetryException_RetryCount_Respected / ExceptionInExecution_EnsureResultReturned ----

    @Test
    void aHandledExceptionIsRetriedAndTheLastInstanceIsThrownUnchanged() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(4).baseDelay(Duration.ZERO)
                .retryOn(e -> e instanceof IllegalStateException)).build();
        List<IllegalStateException> thrown = new ArrayList<>();
        assertThatThrownBy(() -> retry.call(() -> {
            IllegalStateException e = new IllegalStateException("attempt " + (thrown.size() + 1));
            thrown.add(e);
            throw e;
        })).isSameAs(thrown.get(3));
        assertThat(thrown).hasSize(4);
    }

    @Test
    void anUnhandledExceptionIsThrownAtOnceUnchanged() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(4)
                .retryOn(e -> e instanceof IllegalStateException)).build();
        IllegalArgumentException unhandled = new IllegalArgumentException();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            throw unhandled;
        })).isSameAs(unhandled);
        assertThat(attempts.get()).isEqualTo(1);
        assertThat(sleeps).isEmpty();
    }

    // ---- RetryHelperTests.Exponential_Ok / MaxDelay_EnsureRespected / GetRetryDelay_Overflow ----

    @Test
    void exponentialBackoffDoublesFromTheBaseDelay() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(4).baseDelay(Duration.ofSeconds(1))
                .maxDelay(Duration.ofSeconds(10))).build();
        assertThatThrownBy(() -> retry.call(() -> {
            throw new IOException();
        })).isInstanceOf(IOException.class);
        assertThat(sleeps).containsExactly(1 * S, 2 * S, 4 * S);
        assertThat(bounds).containsExactly(1 * S + 1, 2 * S + 1, 4 * S + 1);
    }

    @Test
    void theMaxDelayCapsEveryBackoff() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(4).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofMillis(123))).build();
        assertThatThrownBy(() -> retry.call(() -> {
            throw new IOException();
        })).isInstanceOf(IOException.class);
        assertThat(sleeps).containsExactly(100 * MS, 123 * MS, 123 * MS);
    }

    @Test
    void aHugeAttemptNumberDoesNotOverflowTheBackoff() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(1000).baseDelay(Duration.ofDays(1))
                .maxDelay(Duration.ofDays(3650))).build();
        assertThatThrownBy(() -> retry.call(() -> {
            throw new IOException();
        })).isInstanceOf(IOException.class);
        assertThat(sleeps).hasSize(999);
        assertThat(sleeps).allSatisfy(d -> assertThat(d).isPositive().isLessThanOrEqualTo(
                Duration.ofDays(3650).toNanos()));
        assertThat(sleeps.get(998)).isEqualTo(Duration.ofDays(3650).toNanos());
    }

    @Test
    void aZeroBaseDelayRetriesAtOnce() throws Exception {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(4).baseDelay(Duration.ZERO)
                .maxDelay(Duration.ZERO)).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThat(retry.call(() -> attempts.incrementAndGet() < 4 ? fail() : "ok")).isEqualTo("ok");
        assertThat(sleeps).isEmpty();
        assertThat(bounds).as("no jitter drawn for a zero cap").isEmpty();
    }

    private static String fail() throws IOException {
        throw new IOException();
    }

    // ---- Retry-After: a ThrottledException hint (Polly: DelayGenerator / RetryAfter honoured) ----

    @Test
    void aThrottledRefusalWaitsExactlyItsRetryAfterWhenTheBackoffIsShorter() throws Exception {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(10))
                .maxDelay(Duration.ofSeconds(2))).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThat(retry.call(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new ThrottledException("rate", 1500 * MS);
            }
            return "ok";
        })).isEqualTo("ok");
        assertThat(sleeps).containsExactly(1500 * MS);
    }

    @Test
    void aRetryAfterEqualToTheMaxDelayIsStillWaitedFor() throws Exception {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(10))
                .maxDelay(Duration.ofSeconds(2))).build();
        AtomicInteger attempts = new AtomicInteger();
        assertThat(retry.call(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new ThrottledException("rate", 2 * S);
            }
            return "ok";
        })).isEqualTo("ok");
        assertThat(sleeps).containsExactly(2 * S);
    }

    @Test
    void aRetryAfterBeyondTheMaxDelayOrNeverIsNotRetried() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(10))
                .maxDelay(Duration.ofSeconds(2))).build();
        ThrottledException tooLate = new ThrottledException("rate", 2 * S + 1);
        assertThatThrownBy(() -> retry.call(() -> {
            throw tooLate;
        })).isSameAs(tooLate);
        ThrottledException never = new ThrottledException("rate", Permit.NEVER);
        assertThatThrownBy(() -> retry.call(() -> {
            throw never;
        })).isSameAs(never);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void aBackoffLongerThanTheRetryAfterWins() throws Exception {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofSeconds(1))
                .maxDelay(Duration.ofSeconds(2))).build();
        AtomicInteger attempts = new AtomicInteger();
        retry.call(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new ThrottledException("rate", 1);
            }
            return "ok";
        });
        assertThat(sleeps).containsExactly(1 * S);
    }

    @Test
    void anAsyncThrottledRefusalIsRetriedExactlyAtItsRetryAfter() {
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(2).baseDelay(Duration.ZERO).build())
                .scheduler(clock).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retry.callAsync(() -> attempts.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(new ThrottledException("rate", 700 * MS))
                : CompletableFuture.completedFuture("ok"));
        clock.advance(700 * MS - 1);
        assertThat(attempts.get()).isEqualTo(1);
        clock.advance(1);
        assertThat(result).isCompletedWithValue("ok");
    }

    // ---- ExecuteAsync_CanceledDuringExecution_EnsureNotExecutedAgain (Java: an interrupt) ----

    /**
     * Retry: "An attempt that throws InterruptedException is never retried, whatever retryOn says: it is thrown as
     * is."
     */
    @Test
    void anAttemptThatThrowsInterruptedExceptionIsNotRetriedAndTheExceptionIsThrownAsIs() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(10))
                .retryOn(failure -> true)).build();
        AtomicInteger attempts = new AtomicInteger();
        // what a blocking call does when its thread is interrupted: clear the flag and throw
        InterruptedException interrupted = new InterruptedException("interrupted while blocked");
        assertThatThrownBy(() -> retry.call(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw interrupted;
            }
            return "ran again";
        })).isSameAs(interrupted);
        assertThat(attempts.get()).as("attempts after an interrupt").isEqualTo(1);
        assertThat(sleeps).as("no wait for a retry").isEmpty();
    }

    @Test
    void anInterruptDuringAnAttemptStopsRetriesEvenWithoutABackoff() {
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(5).baseDelay(Duration.ZERO).build())
                .build(); // the default parking sleeper
        AtomicInteger attempts = new AtomicInteger();
        try {
            assertThatThrownBy(() -> retry.call(() -> {
                attempts.incrementAndGet();
                Thread.currentThread().interrupt(); // cancelled while the attempt runs
                throw new IOException("down");
            })).isInstanceOf(IOException.class);
            assertThat(attempts.get()).as("attempts made by an interrupted thread").isEqualTo(1);
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt flag is kept").isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    // ---- Async: cancellation during the delay and during an attempt ----

    @Test
    void cancellingDuringTheDelayPreventsTheNextAttempt() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofSeconds(1))).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retry.callAsync(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException());
        });
        clock.advance(S - 1);
        result.cancel(false);
        clock.advance(10 * S);
        assertThat(attempts.get()).isEqualTo(1);
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void cancellingDuringAnAttemptPreventsTheNextAttempt() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofSeconds(1))).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> inFlight = new CompletableFuture<>();
        CompletableFuture<String> result = retry.callAsync(() -> {
            attempts.incrementAndGet();
            return inFlight;
        });
        result.cancel(false);
        inFlight.completeExceptionally(new IOException());
        clock.advance(10 * S);
        assertThat(attempts.get()).isEqualTo(1);
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void asyncAttemptsComeExactlyAtTheirBackoff() {
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofSeconds(1))
                .retryOnResult(String.class, "busy"::equals)).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retry.callAsync(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.completedFuture("busy");
        });
        clock.advance(S - 1);
        assertThat(attempts.get()).isEqualTo(1);
        clock.advance(1);
        assertThat(attempts.get()).isEqualTo(2);
        clock.advance(2 * S - 1);
        assertThat(attempts.get()).isEqualTo(2);
        clock.advance(1);
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(result).isCompletedWithValue("busy");
    }

    // ---- RetryBudget arithmetic ----

    @Test
    void theBudgetAllowsRatioTimesCallsPlusTheReserve() {
        RetryBudget budget = RetryBudget.of(0.2, 1, Duration.ofSeconds(10), clock);
        assertThat(budget.available()).isEqualTo(10);
        for (int i = 0; i < 10; i++) {
            budget.deposit();
        }
        assertThat(budget.available()).isEqualTo(12);
        for (int i = 0; i < 12; i++) {
            assertThat(budget.tryWithdraw()).isTrue();
        }
        assertThat(budget.tryWithdraw()).isFalse();
    }

    @Test
    void theBudgetAllowsExactlyRatioTimesCallsForADecimalRatio() {
        // retries + 1 <= 0.29 x 100 = 29: the 29th retry is within the budget
        RetryBudget budget = RetryBudget.of(0.29, 0, Duration.ofSeconds(10), clock);
        for (int i = 0; i < 100; i++) {
            budget.deposit();
        }
        assertThat(budget.available()).isEqualTo(29);
        int allowed = 0;
        while (budget.tryWithdraw()) {
            allowed++;
        }
        assertThat(allowed).isEqualTo(29);
    }

    @Test
    void theReserveIsExactlyMinRetriesPerSecondTimesTheWindow() {
        // 100/s over 290 ms = 29 retries
        RetryBudget budget = RetryBudget.of(0.0, 100, Duration.ofMillis(290), clock);
        assertThat(budget.available()).isEqualTo(29);
    }

    @Test
    void callsAndRetriesLeaveTheBudgetWindowABucketAtATime() {
        RetryBudget budget = RetryBudget.of(1.0, 0, Duration.ofSeconds(10), clock);
        clock.advance(500 * MS);
        budget.deposit();
        budget.deposit();
        assertThat(budget.tryWithdraw()).isTrue();
        assertThat(budget.available()).isEqualTo(1);
        clock.advance(9500 * MS - 1); // 10 s - 1 ns after the bucket began
        assertThat(budget.available()).isEqualTo(1);
        clock.advance(1);
        assertThat(budget.available()).isZero();
        budget.deposit();
        assertThat(budget.available()).as("the old retry has left with the old calls").isEqualTo(1);
    }

    @Test
    void aRetryWithTheBudgetSpentReturnsTheFailureAsIs() {
        RetryBudget budget = RetryBudget.of(0.0, 0, Duration.ofSeconds(10), clock);
        Retry retry = topOfRange(Retry.Config.builder().maxAttempts(3)).budget(budget).build();
        IOException failure = new IOException();
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> retry.call(() -> {
            attempts.incrementAndGet();
            throw failure;
        })).isSameAs(failure);
        assertThat(attempts.get()).isEqualTo(1);
    }

    @Test
    void aRetryInterruptedInItsWaitDoesNotSpendTheBudget() {
        RetryBudget budget = RetryBudget.of(0.0, 1, Duration.ofSeconds(10), clock);
        assertThat(budget.available()).isEqualTo(10);
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(3).build()).budget(budget)
                .random(draws(bound -> bound - 1)).sleeper(nanos -> {
                    throw new InterruptedException();
                }).build();
        try {
            assertThatThrownBy(() -> retry.call(() -> {
                throw new IOException();
            })).isInstanceOf(IOException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt flag is set again").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(budget.available()).as("no retry was made").isEqualTo(10);
    }
}
