package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.local.resilience.Retry;
import dev.throttle.testing.Draws;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Behaviours of Resilience4j's retry tests (SupplierRetryTest, CallableTest, RunnableRetryTest,
 * CompletionStageRetryTest, RetryConfigBuilderTest) and of IntervalFunctionTest, expressed against throttle's
 * {@link Retry}. Waits move a manual clock, never sleep.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class R4jRetryTest {

    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock();
    private final List<Long> sleeps = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();

    private Retry retry(Retry.Config config, LongUnaryOperator draw) {
        return Retry.builder().name("r").config(config).random(Draws.of(draw)).sleeper(nanos -> {
            sleeps.add(nanos);
            clock.advance(nanos);
        }).scheduler(clock).build();
    }

    private static Retry.Config.Builder attempts(int n) {
        return Retry.Config.builder().maxAttempts(n).baseDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(10));
    }

    private String failWith(Exception e) throws Exception {
        calls.incrementAndGet();
        throw e;
    }

    // SupplierRetryTest.shouldNotRetry / testExecuteSupplier
    @Test
    void aSuccessIsNotRetried() throws Exception {
        Retry r = retry(attempts(3).build(), b -> b - 1);
        assertThat(r.call(() -> {
            calls.incrementAndGet();
            return "hello";
        })).isEqualTo("hello");
        assertThat(calls).hasValue(1);
        assertThat(sleeps).isEmpty();
    }

    // SupplierRetryTest.shouldReturnSuccessfullyAfterSecondAttempt
    @Test
    void succeedsOnTheSecondAttempt() throws Exception {
        Retry r = retry(attempts(3).build(), b -> b - 1);
        String result = r.call(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IOException("flaky");
            }
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(calls).hasValue(2);
        assertThat(sleeps).containsExactly(100 * MS);
    }

    // SupplierRetryTest.shouldReturnAfterThreeAttempts / CallableTest.shouldThrowLastException
    @Test
    void throwsTheLastExceptionUnchangedAfterMaxAttempts() {
        Retry r = retry(attempts(3).build(), b -> b - 1);
        IOException last = new IOException("down");
        assertThatThrownBy(() -> r.call(() -> failWith(last))).isSameAs(last);
        assertThat(calls).hasValue(3);
        assertThat(sleeps).hasSize(2);
    }

    // SupplierRetryTest.shouldReturnAfterOneAttempt (maxAttempts 1)
    @Test
    void oneAttemptMeansNoRetry() {
        Retry r = retry(attempts(1).build(), b -> b - 1);
        assertThatThrownBy(() -> r.call(() -> failWith(new IOException()))).isInstanceOf(IOException.class);
        assertThat(calls).hasValue(1);
        assertThat(sleeps).isEmpty();
    }

    // SupplierRetryTest.shouldReturnAfterOneAttemptAndIgnoreException / RetryConfigBuilderTest predicates
    @Test
    void anExceptionThePredicateRejectsIsNotRetried() {
        Retry r = retry(attempts(3).retryOn(e -> e instanceof IOException).build(), b -> b - 1);
        IllegalStateException ignored = new IllegalStateException();
        assertThatThrownBy(() -> r.call(() -> failWith(ignored))).isSameAs(ignored);
        assertThat(calls).hasValue(1);
        calls.set(0);
        assertThatThrownBy(() -> r.call(() -> failWith(new IOException()))).isInstanceOf(IOException.class);
        assertThat(calls).hasValue(3);
    }

    // SupplierRetryTest.shouldRetryWithResult / shouldReturnAfterThreeAttemptsAndRecoverWithResult
    @Test
    void aRetryableResultIsRetriedAndTheLastReturned() throws Exception {
        Retry r = retry(attempts(3).retryOnResult(String.class, s -> s.startsWith("retry")).build(), b -> b - 1);
        assertThat(r.call(() -> "retry-" + calls.incrementAndGet())).isEqualTo("retry-3");
        calls.set(0);
        assertThat(r.call(() -> calls.incrementAndGet() < 2 ? "retry" : "done")).isEqualTo("done");
        assertThat(calls).hasValue(2);
        // SupplierRetryTest.shouldNotRetryWithResult
        calls.set(0);
        assertThat(r.call(() -> {
            calls.incrementAndGet();
            return "fine";
        })).isEqualTo("fine");
        assertThat(calls).hasValue(1);
    }

    // RunnableRetryTest: a runnable is retried and its unchecked failure propagated unchanged
    @Test
    void aRunnableIsRetriedAndItsFailurePropagated() {
        Retry r = retry(attempts(3).build(), b -> 0);
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> r.run(() -> {
            calls.incrementAndGet();
            throw boom;
        })).isSameAs(boom);
        assertThat(calls).hasValue(3);
    }

    // RunnableRetryTest.shouldNotRetryIfErrorIsThrown (Errors are never retried)
    @Test
    void anErrorIsNeverRetried() {
        Retry r = retry(attempts(3).retryOn(e -> true).build(), b -> 0);
        StackOverflowError error = new StackOverflowError();
        assertThatThrownBy(() -> r.run(() -> {
            calls.incrementAndGet();
            throw error;
        })).isSameAs(error);
        assertThat(calls).hasValue(1);
    }

    // SupplierRetryTest.shouldMarkThreadInterruptedWhenInterruptedDuringRetry
    @Test
    void anInterruptDuringTheWaitStopsAndKeepsTheFlag() {
        Retry r = Retry.builder().config(attempts(3).build()).sleeper(nanos -> {
            throw new InterruptedException();
        }).build();
        IOException down = new IOException("down");
        try {
            assertThatThrownBy(() -> r.call(() -> failWith(down))).isSameAs(down);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(calls).hasValue(1);
    }

    // SupplierRetryTest.shouldTakeIntoAccountBackoffFunction / IntervalFunctionTest.generatesCappedExponentialIntervals
    @Test
    void backoffIsCappedExponentialWithFullJitter() {
        Retry r = retry(Retry.Config.builder().maxAttempts(6).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofMillis(500)).build(), b -> b - 1);
        assertThatThrownBy(() -> r.call(() -> failWith(new IOException()))).isInstanceOf(IOException.class);
        assertThat(sleeps).containsExactly(100 * MS, 200 * MS, 400 * MS, 500 * MS, 500 * MS);
        sleeps.clear();
        Retry low = retry(Retry.Config.builder().maxAttempts(4).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofMillis(500)).build(), b -> 0);
        assertThatThrownBy(() -> low.call(() -> failWith(new IOException()))).isInstanceOf(IOException.class);
        assertThat(sleeps).isEmpty(); // a draw of 0 retries at once
    }

    // IntervalFunctionTest.generatesRandomizedIntervals: each attempt's wait is drawn from [0, its capped exponential
    // bound], here from a seeded generator whose bounds are recorded.
    @Test
    void eachJitteredWaitIsDrawnWithinItsAttemptsCap() {
        SplittableRandom seeded = new SplittableRandom(42);
        List<Long> bounds = new ArrayList<>();
        List<Long> draws = new ArrayList<>();
        Retry r = retry(Retry.Config.builder().maxAttempts(50).baseDelay(Duration.ofMillis(10))
                .maxDelay(Duration.ofMillis(80)).build(), bound -> {
                    long draw = seeded.nextLong(bound);
                    bounds.add(bound);
                    draws.add(draw);
                    return draw;
                });
        assertThatThrownBy(() -> r.call(() -> failWith(new IOException()))).isInstanceOf(IOException.class);
        assertThat(calls).hasValue(50);
        assertThat(bounds).hasSize(49);
        // bounds included: a draw below cap + 1
        assertThat(bounds.subList(0, 4)).containsExactly(10 * MS + 1, 20 * MS + 1, 40 * MS + 1, 80 * MS + 1);
        assertThat(bounds.subList(4, 49)).containsOnly(80 * MS + 1);
        assertThat(sleeps).containsExactlyElementsOf(draws.stream().filter(d -> d > 0).toList()); // 0 is not slept
    }

    // IntervalFunctionTest: many attempts with a large multiplier never overflow
    @Test
    void theBackoffCapNeverOverflowsOverManyAttempts() {
        Retry r = retry(Retry.Config.builder().maxAttempts(1000).baseDelay(Duration.ofNanos(3))
                .maxDelay(Duration.ofDays(365)).build(), b -> b - 1);
        assertThatThrownBy(() -> r.call(() -> failWith(new IOException()))).isInstanceOf(IOException.class);
        assertThat(calls).hasValue(1000);
        assertThat(sleeps).allSatisfy(s -> assertThat(s).isBetween(3L, Duration.ofDays(365).toNanos()));
        assertThat(sleeps.get(sleeps.size() - 1)).isEqualTo(Duration.ofDays(365).toNanos());
    }

    // RetryConfigBuilderTest.zeroMaxAttemptsShouldFail / waitIntervalUnderZeroShouldFail / IntervalFunctionTest rejects
    @Test
    void invalidPoliciesAreRefusedNamingTheParameter() {
        assertThatThrownBy(() -> Retry.Config.builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> Retry.Config.builder().maxAttempts(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> Retry.Config.builder().baseDelay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseDelay");
        assertThatThrownBy(() -> Retry.Config.builder().baseDelay(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseDelay");
        assertThatThrownBy(() -> Retry.Config.builder().maxDelay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDelay");
        assertThatThrownBy(() -> Retry.Config.builder().retryOn(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retryOn");
        assertThatThrownBy(() -> Retry.Config.builder().baseDelay(Duration.ofSeconds(2)).maxDelay(Duration.ofSeconds(1))
                .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("baseDelay")
                .hasMessageContaining("maxDelay");
    }

    // RetryConfigBuilderTest.zeroWaitInterval / waitIntervalUnderTenMillisShouldSucceed
    @Test
    void zeroAndTinyWaitsAreAccepted() throws Exception {
        Retry.Config zero = Retry.Config.builder().baseDelay(Duration.ZERO).maxDelay(Duration.ZERO).build();
        assertThat(zero.baseDelay()).isZero();
        Retry r = retry(zero, b -> {
            throw new AssertionError("no draw for a zero cap");
        });
        assertThatThrownBy(() -> r.call(() -> failWith(new IOException()))).isInstanceOf(IOException.class);
        assertThat(calls).hasValue(3);
        assertThat(sleeps).isEmpty();
        Retry.Config tiny = Retry.Config.builder().baseDelay(Duration.ofMillis(1)).build();
        assertThat(tiny.baseDelay()).isEqualTo(Duration.ofMillis(1));
    }

    // RetryConfigBuilderTest.shouldBuilderCreateConfigEveryTime / toBuilder copies
    @Test
    void buildersMakeIndependentPolicies() {
        Retry.Config.Builder b = Retry.Config.builder().maxAttempts(2);
        Retry.Config first = b.build();
        Retry.Config second = b.maxAttempts(5).build();
        assertThat(first.maxAttempts()).isEqualTo(2);
        assertThat(second.maxAttempts()).isEqualTo(5);
        assertThat(first.toBuilder().baseDelay(Duration.ofMillis(1)).build().maxAttempts()).isEqualTo(2);
        assertThat(first.baseDelay()).isEqualTo(Duration.ofMillis(100));
    }

    // ---------------- async: CompletionStageRetryTest ----------------

    // CompletionStageRetryTest.shouldNotRetry / shouldNotRetryWhenReturnVoid
    @Test
    void asyncSuccessAndNullAreNotRetried() {
        Retry r = retry(attempts(3).build(), b -> b - 1);
        assertThat(r.callAsync(() -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture((Void) null);
        }).join()).isNull();
        assertThat(calls).hasValue(1);
    }

    // CompletionStageRetryTest.shouldRetryInCaseOResultRetryMatchAtSyncStage / shouldRetryTowAttempts...
    @Test
    void asyncRetryableResultIsRetriedAndTheLastReturned() {
        Retry r = retry(attempts(2).retryOnResult(String.class, s -> !s.contains("NoRetry")).build(), b -> b - 1);
        CompletableFuture<String> f = r.callAsync(
                () -> CompletableFuture.completedFuture("v" + calls.incrementAndGet()));
        assertThat(f).isNotDone();
        clock.advance(Duration.ofMillis(100));
        assertThat(f.join()).isEqualTo("v2");
        assertThat(calls).hasValue(2);
    }

    // CompletionStageRetryTest.shouldRethrowExceptionInCaseOfExceptionAtSyncStage (throttle: a failed future, retried)
    @Test
    void asyncSupplierThrowingIsTreatedAsAFailedAttempt() {
        Retry r = retry(attempts(3).build(), b -> 0);
        IllegalArgumentException bam = new IllegalArgumentException("BAM!");
        CompletableFuture<String> f = r.callAsync(() -> {
            calls.incrementAndGet();
            throw bam;
        });
        clock.advance(0);
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCause(bam);
        assertThat(calls).hasValue(3);
    }

    // CompletionStageRetryTest.shouldRetryInCaseOfAnExceptionAtAsyncStage
    @Test
    void asyncFailureIsRetriedThenSucceeds() {
        Retry r = retry(attempts(3).build(), b -> b - 1);
        Supplier<CompletableFuture<String>> task = () -> calls.incrementAndGet() == 1
                ? CompletableFuture.failedFuture(new IOException("once")) : CompletableFuture.completedFuture("hello");
        CompletableFuture<String> f = r.callAsync(task);
        assertThat(f).isNotDone();
        clock.advance(Duration.ofMillis(100));
        assertThat(f.join()).isEqualTo("hello");
        assertThat(calls).hasValue(2);
    }

    // CompletionStageRetryTest.shouldCompleteFutureAfter{One,Two,Three}AttemptsInCaseOfExceptionAtAsyncStage
    @Test
    void asyncFailureCompletesAfterExactlyMaxAttempts() {
        for (int n = 1; n <= 3; n++) {
            calls.set(0);
            Retry r = retry(attempts(n).build(), b -> b - 1);
            IOException last = new IOException("down");
            CompletableFuture<String> f = r.callAsync(() -> {
                calls.incrementAndGet();
                return CompletableFuture.failedFuture(last);
            });
            clock.advance(Duration.ofSeconds(10));
            assertThat(f).isCompletedExceptionally();
            assertThatThrownBy(f::join).hasCause(last);
            assertThat(calls).hasValue(n);
        }
    }

    // CompletionStageRetryTest.shouldCompleteExceptionallyWhenRetryOnExPredicateThrows: the future fails with the
    // predicate's failure, as the sync call throws it
    @Test
    void asyncFailsWithTheFailureOfAThrowingRetryOnPredicate() {
        RuntimeException predicateFailure = new RuntimeException("predicate");
        Retry r = retry(attempts(3).retryOn(e -> {
            throw predicateFailure;
        }).build(), b -> 0);
        CompletableFuture<String> f = r.callAsync(() -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException("down"));
        });
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCause(predicateFailure);
        assertThat(calls).hasValue(1);
        assertThat(clock.pendingTasks()).isZero();
    }

    // Same, for the result predicate
    @Test
    void asyncFailsWithTheFailureOfAThrowingRetryOnResultPredicate() {
        IllegalStateException predicateFailure = new IllegalStateException("predicate");
        Retry r = retry(attempts(3).retryOnResult(String.class, s -> {
            throw predicateFailure;
        }).build(), b -> 0);
        CompletableFuture<String> f = r.callAsync(() -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture("x");
        });
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join).isInstanceOf(CompletionException.class).hasCause(predicateFailure);
        assertThat(calls).hasValue(1);
        assertThat(clock.pendingTasks()).isZero();
    }

    // Sync counterpart (CallableTest): the predicate's failure reaches the caller, and no retry is made
    @Test
    void syncThrowsTheFailureOfAThrowingRetryOnPredicate() {
        RuntimeException predicateFailure = new RuntimeException("predicate");
        Retry r = retry(attempts(3).retryOn(e -> {
            throw predicateFailure;
        }).build(), b -> 0);
        assertThatThrownBy(() -> r.call(() -> failWith(new IOException()))).isSameAs(predicateFailure);
        assertThat(calls).hasValue(1);
    }
}
