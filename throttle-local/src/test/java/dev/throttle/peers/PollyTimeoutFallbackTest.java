package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.resilience.CircuitBreaker;
import dev.throttle.local.resilience.CircuitBreaker.Event;
import dev.throttle.local.resilience.CircuitBreaker.Metrics;
import dev.throttle.local.resilience.CircuitBreaker.State;
import dev.throttle.local.resilience.Decorators;
import dev.throttle.local.resilience.Retry;
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
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Behaviours of Polly's TimeoutResilienceStrategyTests and FallbackResilienceStrategyTests, expressed against
 * throttle's Decorators (timeout, fallback) with a breaker, a bulkhead, a rate limiter and a retry.
 */
class PollyTimeoutFallbackTest {

    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock(3 * S);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final Limiter bulkhead = engine.limiter("bulkhead", Concurrency.of(1));
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final CircuitBreaker breaker = CircuitBreaker.builder().name("svc").ticker(clock)
            .config(CircuitBreaker.Config.builder().countWindow(10).minimumNumberOfCalls(10).build())
            .listener(events::add).build();

    private Decorators.ForCompletionStage<String> async(Supplier<CompletableFuture<String>> call) {
        return Decorators.ofCompletionStage(call).withTimeout(Duration.ofSeconds(2)).withScheduler(clock)
                .withTicker(clock).withCircuitBreaker(breaker).withBulkhead(bulkhead);
    }

    private boolean slotFree() {
        Permit permit = bulkhead.tryAcquire(1);
        boolean granted = permit.granted();
        permit.close();
        return granted;
    }

    private static Throwable cause(CompletableFuture<?> future) {
        try {
            future.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    // ---- Execute_Timeout: the timeout fires exactly at its deadline ----

    @Test
    void anAsyncTimeoutFiresExactlyAtItsDeadline() {
        CompletableFuture<String> never = new CompletableFuture<>();
        CompletableFuture<String> result = async(() -> never).get();
        clock.advance(2 * S - 1);
        assertThat(result).isNotDone();
        assertThat(slotFree()).isFalse();
        clock.advance(1);
        assertThat(cause(result)).isInstanceOf(TimeoutException.class).hasMessageContaining("PT2S");
        assertThat(slotFree()).as("the bulkhead slot is back at the timeout").isTrue();
        assertThat(events).extracting(Event::kind).containsExactly(Event.Kind.FAILURE);
        assertThat(events.get(0).durationNanos()).isEqualTo(2 * S);
        assertThat(events.get(0).failure()).isInstanceOf(TimeoutException.class);
    }

    @Test
    void aLateResultAfterTheTimeoutIsDropped() {
        CompletableFuture<String> slow = new CompletableFuture<>();
        CompletableFuture<String> result = async(() -> slow).get();
        clock.advance(2 * S);
        slow.complete("late");
        assertThat(cause(result)).isInstanceOf(TimeoutException.class);
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 1, 1, 0));
        assertThat(slotFree()).isTrue();
    }

    // ---- Execute_NoTimeout ----

    @Test
    void aResultJustBeforeTheDeadlineIsReturnedAndTheTimerCancelled() {
        CompletableFuture<String> quick = new CompletableFuture<>();
        CompletableFuture<String> result = async(() -> quick).get();
        clock.advance(2 * S - 1);
        quick.complete("in time");
        assertThat(result).isCompletedWithValue("in time");
        assertThat(clock.pendingTasks()).isZero();
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 1, 0, 0));
    }

    @Test
    void aFailureBeforeTheDeadlineIsPassedOnUnchanged() {
        IOException failure = new IOException("down");
        CompletableFuture<String> result = async(() -> CompletableFuture.failedFuture(failure)).get();
        assertThat(cause(result)).isSameAs(failure);
        assertThat(clock.pendingTasks()).isZero();
    }

    @Test
    void aSyncTimeoutAtExactlyItsDeadlineReplacesTheResult() throws Exception {
        Callable<String> exactly = Decorators.ofCallable(() -> {
            clock.advance(2 * S);
            return "late";
        }).withTimeout(Duration.ofSeconds(2)).withTicker(clock).decorate();
        assertThatThrownBy(exactly::call).isInstanceOf(TimeoutException.class);
        Callable<String> justBefore = Decorators.ofCallable(() -> {
            clock.advance(2 * S - 1);
            return "in time";
        }).withTimeout(Duration.ofSeconds(2)).withTicker(clock).decorate();
        assertThat(justBefore.call()).isEqualTo("in time");
    }

    // ---- The deadline bounds the whole attempt, as the synchronous chain does ----

    @Test
    void anAsyncAttemptWhoseSupplierRunsPastTheDeadlineTimesOutLikeTheSyncChain() throws Exception {
        Callable<String> sync = Decorators.ofCallable(() -> {
            clock.advance(3 * S);
            return "late";
        }).withTimeout(Duration.ofSeconds(2)).withTicker(clock).decorate();
        assertThatThrownBy(sync::call).isInstanceOf(TimeoutException.class);

        CompletableFuture<String> result = async(() -> {
            clock.advance(3 * S); // the supplier's own, synchronous work
            return CompletableFuture.completedFuture("late");
        }).get();
        assertThat(cause(result)).as("an attempt that took 3 s with a 2 s timeout")
                .isInstanceOf(TimeoutException.class);
    }

    @Test
    void anAsyncAttemptTimesOutTwoSecondsAfterItStartedNotAfterItsSupplierReturned() {
        long start = clock.read();
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> result = async(() -> {
            clock.advance(1500 * MS);
            return stage;
        }).get();
        clock.advance(start + 2 * S - 1 - clock.read());
        assertThat(result).isNotDone();
        clock.advance(1);
        assertThat(cause(result)).as("2 s after the attempt started").isInstanceOf(TimeoutException.class);
    }

    // ---- Execute_Cancelled_EnsureNoTimeout: Polly does not count a caller's cancellation as a timeout ----

    /**
     * Throttle's rule differs from Polly's (Decorators: "Cancelling the returned future does not cancel the call
     * either: the breaker still judges its outcome, a timeout included").
     */
    @Test
    void aCallCancelledByItsCallerStillRunsAndTimesOutAtItsDeadline() {
        CompletableFuture<String> slow = new CompletableFuture<>();
        CompletableFuture<String> result = async(() -> slow).get();
        clock.advance(S);
        result.cancel(false);
        assertThat(slow).as("the call's own stage is not cancelled").isNotDone();
        assertThat(events).isEmpty();
        clock.advance(S - 1);
        assertThat(slotFree()).isFalse();
        clock.advance(1);
        assertThat(events).extracting(Event::kind).containsExactly(Event.Kind.FAILURE);
        assertThat(events.get(0).failure()).isInstanceOf(TimeoutException.class);
        assertThat(events.get(0).durationNanos()).isEqualTo(2 * S);
        assertThat(slotFree()).as("the bulkhead slot is back at the deadline").isTrue();
    }

    // ---- Timeout inside retry: each attempt has its own deadline, and a timeout is retried ----

    @Test
    void eachAttemptHasItsOwnDeadlineAndATimeoutIsRetried() {
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(2).baseDelay(Duration.ofMillis(100))
                .build()).random(top()).scheduler(clock).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = async(() -> attempts.incrementAndGet() == 1
                ? new CompletableFuture<>() : CompletableFuture.completedFuture("second")).withRetry(retry).get();
        clock.advance(2 * S);
        assertThat(attempts.get()).isEqualTo(1);
        clock.advance(100 * MS);
        assertThat(result).isCompletedWithValue("second");
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 2, 1, 0));
    }

    private static RandomGenerator top() {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new AssertionError();
            }

            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        };
    }

    // ---- Retry honours a rate limiter's retry-after inside the chain ----

    @Test
    void aRateLimitersRefusalIsRetriedExactlyAtItsRetryAfter() throws Exception {
        Limiter rate = engine.limiter("rate", TokenBucket.of(1, Rate.perSecond(1)));
        List<Long> sleeps = new CopyOnWriteArrayList<>();
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ZERO).build())
                .sleeper(nanos -> {
                    sleeps.add(nanos);
                    clock.advance(nanos);
                }).build();
        AtomicInteger calls = new AtomicInteger();
        String result = Decorators.ofCallable(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IOException("down");
            }
            return "ok";
        }).withRetry(retry).withRateLimiter(rate).call();
        assertThat(result).isEqualTo("ok");
        assertThat(calls.get()).isEqualTo(2);
        assertThat(sleeps).containsExactly(S);
    }

    // ---- FallbackResilienceStrategyTests ----

    @Test
    void aHandledExceptionFallsBackWithThatVeryException() throws Exception {
        IllegalStateException failure = new IllegalStateException();
        List<Throwable> seen = new CopyOnWriteArrayList<>();
        String result = Decorators.<String>ofCallable(() -> {
            throw failure;
        }).withFallback(e -> e instanceof IllegalStateException, e -> {
            seen.add(e);
            return "secondary";
        }).call();
        assertThat(result).isEqualTo("secondary");
        assertThat(seen).containsExactly(failure);
    }

    @Test
    void anUnhandledExceptionPassesUnchangedAndTheFallbackIsNotCalled() {
        IllegalArgumentException failure = new IllegalArgumentException();
        AtomicInteger fallbacks = new AtomicInteger();
        assertThatThrownBy(() -> Decorators.<String>ofCallable(() -> {
            throw failure;
        }).withFallback(e -> e instanceof IllegalStateException, e -> {
            fallbacks.incrementAndGet();
            return "secondary";
        }).call()).isSameAs(failure);
        assertThat(fallbacks.get()).isZero();
        CompletableFuture<String> async = Decorators.<String>ofCompletionStage(
                () -> CompletableFuture.failedFuture(failure))
                .withFallback(e -> e instanceof IllegalStateException, e -> "secondary").get();
        assertThat(cause(async)).isSameAs(failure);
    }

    @Test
    void aThrowingFallbackThrowsItsOwnException() {
        IllegalStateException fromFallback = new IllegalStateException("fallback broke");
        assertThatThrownBy(() -> Decorators.<String>ofCallable(() -> {
            throw new IOException();
        }).withFallback(e -> {
            throw fromFallback;
        }).call()).isSameAs(fromFallback);
        CompletableFuture<String> async = Decorators.<String>ofCompletionStage(
                () -> CompletableFuture.failedFuture(new IOException()))
                .withFallback(e -> {
                    throw fromFallback;
                }).get();
        assertThat(cause(async)).isSameAs(fromFallback);
    }

    @Test
    void anAsyncTimeoutFallsBackWithTheTimeoutException() {
        List<Throwable> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<String> result = async(CompletableFuture::new).withFallback(e -> {
            seen.add(e);
            return "fallback";
        }).get();
        clock.advance(2 * S);
        assertThat(result).isCompletedWithValue("fallback");
        assertThat(seen).singleElement().isInstanceOf(TimeoutException.class);
    }
}
