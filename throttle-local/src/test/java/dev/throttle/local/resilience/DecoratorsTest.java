package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.ThrottledException;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.resilience.CircuitBreaker.State;
import dev.throttle.testing.Draws;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class DecoratorsTest {

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final List<Long> sleeps = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();

    private CircuitBreaker breaker(int window) {
        return CircuitBreaker.builder().name("svc").ticker(clock)
                .config(CircuitBreaker.Config.builder().countWindow(window).minimumNumberOfCalls(window)
                        .waitDurationInOpenState(Duration.ofSeconds(30)).permittedCallsInHalfOpenState(1).build())
                .build();
    }

    private Retry retry(int attempts) {
        return Retry.builder()
                .config(Retry.Config.builder().maxAttempts(attempts).baseDelay(Duration.ofMillis(100))
                        .maxDelay(Duration.ofSeconds(5)).build())
                .random(Draws.of(bound -> bound - 1))
                .sleeper(nanos -> {
                    sleeps.add(nanos);
                    clock.advance(nanos);
                })
                .scheduler(clock)
                .build();
    }

    private CountingLimiter rate(long capacity) {
        return new CountingLimiter(engine.limiter("rate", TokenBucket.of(capacity, Rate.perSecond(1))));
    }

    private String failing() throws IOException {
        calls.incrementAndGet();
        throw new IOException("down");
    }

    @Test
    void anOpenBreakerStopsTheRetriesBeforeTheLimiterIsAskedAndTheFallbackSeesIt() throws Exception {
        CircuitBreaker breaker = breaker(2);
        CountingLimiter rate = rate(100);
        List<Throwable> seenByFallback = new CopyOnWriteArrayList<>();
        Callable<String> guarded = Decorators.ofCallable(this::failing)
                .withFallback(failure -> {
                    seenByFallback.add(failure);
                    return "cached";
                })
                .withRateLimiter(rate)
                .withCircuitBreaker(breaker)
                .withRetry(retry(5))
                .decorate();
        assertThat(guarded.call()).isEqualTo("cached");
        // Two failures open the breaker; the third attempt is refused by it and not retried.
        assertThat(calls.get()).isEqualTo(2);
        assertThat(rate.asked.get()).isEqualTo(2);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(seenByFallback).singleElement().isInstanceOf(CallNotPermittedException.class);
        assertThat(sleeps).containsExactly(100_000_000L, 200_000_000L);

        assertThat(guarded.call()).isEqualTo("cached");
        assertThat(calls.get()).isEqualTo(2);
        assertThat(rate.asked.get()).as("an open breaker: the limiter is not consulted").isEqualTo(2);
        assertThat(rate.availablePermits()).isEqualTo(98);
    }

    @Test
    void aLimiterRefusalIsRetriedAfterItsRetryAfterAndIsNoFailureForTheBreaker() throws Exception {
        CircuitBreaker breaker = breaker(2);
        CountingLimiter rate = rate(1);
        Callable<String> guarded = Decorators.ofCallable(() -> "served #" + calls.incrementAndGet())
                .withRetry(retry(2))
                .withCircuitBreaker(breaker)
                .withRateLimiter(rate)
                .decorate();
        assertThat(guarded.call()).isEqualTo("served #1");
        // The bucket is empty: the limiter says 1 s, more than the 100 ms backoff, so the retry waits 1 s.
        assertThat(guarded.call()).isEqualTo("served #2");
        assertThat(sleeps).containsExactly(1_000_000_000L);
        assertThat(breaker.metrics()).isEqualTo(new CircuitBreaker.Metrics(State.CLOSED, 2, 0, 0));
        Callable<String> noRetry = Decorators.ofCallable(() -> "x").withCircuitBreaker(breaker)
                .withRateLimiter(rate).decorate();
        assertThatThrownBy(noRetry::call).isInstanceOfSatisfying(ThrottledException.class,
                e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1)));
        assertThat(breaker.metrics().calls()).isEqualTo(2);
    }

    @Test
    void aLimiterRefusalGivesAHalfOpenProbeBack() throws Exception {
        CircuitBreaker breaker = breaker(1);
        breaker.onError(0, new IOException("down"));
        clock.advance(Duration.ofSeconds(30));
        CountingLimiter rate = rate(1);
        rate.tryAcquire(1);
        Callable<String> guarded = Decorators.ofCallable(() -> "ok").withCircuitBreaker(breaker)
                .withRateLimiter(rate).decorate();
        assertThatThrownBy(guarded::call).isInstanceOf(ThrottledException.class);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        clock.advance(Duration.ofSeconds(1));
        assertThat(guarded.call()).isEqualTo("ok"); // the only probe was given back, so this one goes through
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void aFullBulkheadRefusesAndRefundsTheRatePermit() {
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1));
        CountingLimiter rate = rate(10);
        CompletableFuture<String> slow = new CompletableFuture<>();
        Supplier<CompletableFuture<String>> guarded = Decorators.ofCompletionStage(() -> slow)
                .withRateLimiter(rate).withBulkhead(bulkhead).withScheduler(clock).decorate();
        CompletableFuture<String> first = guarded.get();
        assertThat(bulkhead.availablePermits()).isZero();
        assertThat(rate.availablePermits()).isEqualTo(9);
        CompletableFuture<String> second = guarded.get();
        assertThatThrownBy(second::join).hasCauseInstanceOf(ThrottledException.class)
                .hasMessageContaining("bulkhead");
        assertThat(rate.availablePermits()).as("refunded").isEqualTo(9);
        slow.complete("done");
        assertThat(first).isCompletedWithValue("done");
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void anAsyncTimeoutFailsTheAttemptCountsForTheBreakerAndFreesTheBulkhead() {
        CircuitBreaker breaker = breaker(1);
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1));
        CompletableFuture<String> never = new CompletableFuture<>();
        CompletableFuture<String> result = Decorators.ofCompletionStage(() -> never)
                .withCircuitBreaker(breaker).withBulkhead(bulkhead).withTimeout(Duration.ofSeconds(2))
                .withScheduler(clock).get();
        clock.advance(Duration.ofMillis(1999));
        assertThat(result).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThatThrownBy(result::join).hasCauseInstanceOf(TimeoutException.class);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
        never.complete("too late"); // changes nothing
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(clock.pendingTasks()).isZero();
    }

    /** A breaker whose failure classifier is broken: it throws for every failure it is asked about. */
    private CircuitBreaker breakerWithABrokenClassifier(IllegalStateException broken) {
        return CircuitBreaker.builder().name("svc").ticker(clock)
                .config(CircuitBreaker.Config.builder().recordFailure(failure -> {
                    throw broken;
                }).build())
                .build();
    }

    @Test
    void aBreakerClassifierThatThrowsReachesTheCallerAndTheBulkheadSlotComesBack() {
        IllegalStateException broken = new IllegalStateException("classifier is broken");
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1));
        Callable<String> sync = Decorators.ofCallable(this::failing)
                .withCircuitBreaker(breakerWithABrokenClassifier(broken))
                .withBulkhead(bulkhead)
                .decorate();
        assertThatThrownBy(sync::call).isSameAs(broken);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);

        CompletableFuture<String> async = Decorators.<String>ofCompletionStage(
                        () -> CompletableFuture.failedFuture(new IOException("down")))
                .withCircuitBreaker(breakerWithABrokenClassifier(broken))
                .withBulkhead(bulkhead)
                .withScheduler(clock)
                .get();
        assertThat(async).isCompletedExceptionally();
        assertThatThrownBy(async::join).hasCause(broken);
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }

    @Test
    void anAsyncFallbackWhosePredicateThrowsFailsTheFutureWithThat() {
        IllegalStateException broken = new IllegalStateException("predicate is broken");
        CompletableFuture<String> result = Decorators.<String>ofCompletionStage(
                        () -> CompletableFuture.failedFuture(new IOException("down")))
                .withFallback(failure -> {
                    throw broken;
                }, failure -> "fallback")
                .withScheduler(clock)
                .get();
        assertThat(result).isCompletedExceptionally();
        assertThatThrownBy(result::join).hasCause(broken);
    }

    @Test
    void cancellingAnAsyncCallWithAFallbackStopsItsRetries() {
        CompletableFuture<String> result = Decorators.<String>ofCompletionStage(() -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException("down"));
        })
                .withRetry(retry(5))
                .withFallback(failure -> "fallback")
                .withScheduler(clock)
                .get();
        assertThat(calls.get()).isEqualTo(1);
        assertThat(clock.pendingTasks()).as("the second attempt is scheduled").isEqualTo(1);
        result.cancel(false);
        assertThat(clock.pendingTasks()).isZero();
        clock.advance(Duration.ofSeconds(10));
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void anAsyncAttemptsDeadlineCountsFromItsStartNotFromWhenItsSupplierReturns() {
        // The supplier works 3 s before handing over a completed stage: past a 2 s deadline, as the sync chain says.
        CompletableFuture<String> late = Decorators.<String>ofCompletionStage(() -> {
            clock.advance(Duration.ofSeconds(3));
            return CompletableFuture.completedFuture("late");
        })
                .withTimeout(Duration.ofSeconds(2))
                .withScheduler(clock)
                .withTicker(clock)
                .get();
        assertThat(late).isCompletedExceptionally();
        assertThatThrownBy(late::join).hasCauseInstanceOf(TimeoutException.class);
        assertThat(clock.pendingTasks()).isZero();

        // 1.5 s before a stage that never completes: it times out 2 s after the start, 0.5 s after the hand-over.
        CompletableFuture<String> pending = Decorators.<String>ofCompletionStage(() -> {
            clock.advance(Duration.ofMillis(1500));
            return new CompletableFuture<>();
        })
                .withTimeout(Duration.ofSeconds(2))
                .withScheduler(clock)
                .withTicker(clock)
                .get();
        clock.advance(Duration.ofMillis(500).minusNanos(1));
        assertThat(pending).isNotDone();
        clock.advance(1);
        assertThatThrownBy(pending::join).hasCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void theWholeAsyncChainCompletesWithoutBlockingAnyThread() {
        CircuitBreaker breaker = breaker(10);
        Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(2));
        CountingLimiter rate = rate(10);
        List<CompletableFuture<String>> stages = new CopyOnWriteArrayList<>();
        CompletableFuture<String> result = Decorators.<String>ofCompletionStage(() -> {
            CompletableFuture<String> stage = new CompletableFuture<>();
            stages.add(stage);
            return stage;
        })
                .withRetry(retry(3))
                .withCircuitBreaker(breaker)
                .withRateLimiter(rate)
                .withBulkhead(bulkhead)
                .withTimeout(Duration.ofSeconds(1))
                .withFallback(failure -> "fallback")
                .withScheduler(clock)
                .get();
        assertThat(stages).hasSize(1);
        clock.advance(Duration.ofSeconds(1)); // attempt 1 times out; retry in 100 ms
        assertThat(result).isNotDone();
        clock.advance(Duration.ofMillis(100));
        assertThat(stages).hasSize(2);
        stages.get(1).completeExceptionally(new IOException("down")); // attempt 2 fails; retry in 200 ms
        clock.advance(Duration.ofMillis(200));
        assertThat(stages).hasSize(3);
        assertThat(result).isNotDone();
        stages.get(2).complete("third time");
        assertThat(result).isCompletedWithValue("third time");
        assertThat(breaker.metrics()).isEqualTo(new CircuitBreaker.Metrics(State.CLOSED, 3, 2, 0));
        assertThat(rate.asked.get()).isEqualTo(3);
        assertThat(bulkhead.availablePermits()).isEqualTo(2);
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void theAsyncFallbackSeesTheUnwrappedFailure() {
        CircuitBreaker breaker = breaker(1);
        breaker.onError(0, new IOException("down"));
        CompletableFuture<Object> result = Decorators.<Object>ofCompletionStage(
                () -> CompletableFuture.completedFuture("unused"))
                .withCircuitBreaker(breaker)
                .withFallback(failure -> failure)
                .get();
        assertThat(result.join()).isInstanceOf(CallNotPermittedException.class);
        CompletableFuture<String> unhandled = Decorators.<String>ofCompletionStage(
                () -> CompletableFuture.failedFuture(new IOException("x")))
                .withFallback(failure -> failure instanceof IllegalStateException, failure -> "no")
                .get();
        assertThatThrownBy(unhandled::join).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void aSyncTimeoutDoesNotInterruptButReplacesALateResult() {
        CircuitBreaker breaker = breaker(1);
        AtomicInteger finished = new AtomicInteger();
        Callable<String> slow = Decorators.ofCallable(() -> {
            clock.advance(Duration.ofSeconds(3));
            finished.incrementAndGet();
            return "late";
        }).withTimeout(Duration.ofSeconds(2)).withCircuitBreaker(breaker).withTicker(clock).decorate();
        assertThatThrownBy(slow::call).isInstanceOf(TimeoutException.class).hasMessageContaining("PT2S");
        assertThat(finished.get()).as("the call ran to its end").isEqualTo(1);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        Supplier<String> supplier = Decorators.ofSupplier(() -> {
            clock.advance(Duration.ofSeconds(3));
            return "late";
        }).withTimeout(Duration.ofSeconds(2)).withTicker(clock).decorate();
        assertThatThrownBy(supplier::get).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(Decorators.ofSupplier(() -> "fast").withTimeout(Duration.ofSeconds(2)).withTicker(clock).get())
                .isEqualTo("fast");
    }

    @Test
    void aSupplierChainRethrowsUncheckedFailuresAsIs() {
        Supplier<String> supplier = Decorators.<String>ofSupplier(() -> {
            throw new IllegalStateException("boom");
        }).withRetry(retry(2)).decorate();
        assertThatThrownBy(supplier::get).isExactlyInstanceOf(IllegalStateException.class);
        assertThat(sleeps).hasSize(1);
    }

    @Test
    void aDecoratedCallIsFixedWhenDecoratedAndLayersAreChecked() throws Exception {
        Decorators.ForCallable<String> builder = Decorators.ofCallable(this::failing);
        Callable<String> bare = builder.decorate();
        builder.withFallback(failure -> "later layer");
        assertThatThrownBy(bare::call).isInstanceOf(IOException.class);
        assertThat(builder.call()).isEqualTo("later layer");
        assertThatThrownBy(() -> Decorators.ofCallable(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.withTimeout(Duration.ZERO)).hasMessageContaining("timeout");
        assertThatThrownBy(() -> builder.withRetry(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.withFallback(null, f -> "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
