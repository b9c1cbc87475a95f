package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.ThrottledException;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.resilience.CallNotPermittedException;
import dev.throttle.local.resilience.CircuitBreaker;
import dev.throttle.local.resilience.Decorators;
import dev.throttle.local.resilience.Retry;
import dev.throttle.testing.Draws;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Behaviours of Resilience4j's resilience4j-all DecoratorsTest, expressed against throttle's {@link Decorators}.
 */
@Timeout(value = 10, threadMode = ThreadMode.SEPARATE_THREAD)
class R4jDecoratorsTest {

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final AtomicInteger calls = new AtomicInteger();

    private CircuitBreaker breaker() {
        return breaker(CircuitBreaker.Config.builder().countWindow(10).minimumNumberOfCalls(10));
    }

    private CircuitBreaker breaker(CircuitBreaker.Config.Builder config) {
        return CircuitBreaker.builder().name("cb").ticker(clock).config(config.build()).build();
    }

    private CircuitBreaker openBreaker() {
        CircuitBreaker cb = breaker(CircuitBreaker.Config.builder().countWindow(1).minimumNumberOfCalls(1)
                .waitDurationInOpenState(Duration.ofMinutes(1)));
        cb.onError(0, new IOException());
        assertThat(cb.state()).isEqualTo(CircuitBreaker.State.OPEN);
        return cb;
    }

    private Retry retry(int attempts) {
        return Retry.builder().config(Retry.Config.builder().maxAttempts(attempts).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofSeconds(1)).build()).random(Draws.of(b -> b - 1))
                .sleeper(clock::advance).scheduler(clock).build();
    }

    private CircuitBreaker throwingClassifierBreaker() {
        return breaker(CircuitBreaker.Config.builder().countWindow(10).minimumNumberOfCalls(10)
                .recordResult(String.class, s -> {
                    throw new IllegalStateException("classifier bug");
                }));
    }

    // DecoratorsTest.decorateSupplier / decorateCallable
    @Test
    void aSuccessfulCallPassesEveryLayerOnce() throws Exception {
        CircuitBreaker cb = breaker();
        Limiter bh = engine.limiter("bh", Concurrency.of(1));
        Limiter rl = engine.limiter("rl", FixedWindow.of(10, Duration.ofSeconds(1)));
        Callable<String> c = Decorators.ofCallable(() -> "Hello world #" + calls.incrementAndGet())
                .withCircuitBreaker(cb).withRetry(retry(3)).withBulkhead(bh).withRateLimiter(rl).decorate();
        assertThat(c.call()).isEqualTo("Hello world #1");
        assertThat(calls).hasValue(1);
        assertThat(cb.metrics().calls()).isEqualTo(1);
        assertThat(cb.metrics().failures()).isZero();
        assertThat(bh.availablePermits()).isEqualTo(1);
        assertThat(rl.availablePermits()).isEqualTo(9);
        Supplier<String> s = Decorators.ofSupplier(() -> "sup").withCircuitBreaker(cb).decorate();
        assertThat(s.get()).isEqualTo("sup");
    }

    // DecoratorsTest.decoratorBuilderWithRetry
    @Test
    void retriesEveryAttemptThroughTheBreakerAndRethrowsTheLastFailure() {
        CircuitBreaker cb = breaker();
        IOException down = new IOException("BAM!");
        Callable<String> c = Decorators.<String>ofCallable(() -> {
            calls.incrementAndGet();
            throw down;
        }).withCircuitBreaker(cb).withRetry(retry(3)).decorate();
        assertThatThrownBy(c::call).isSameAs(down);
        assertThat(calls).hasValue(3);
        assertThat(cb.metrics().calls()).isEqualTo(3);
        assertThat(cb.metrics().failures()).isEqualTo(3);
    }

    // DecoratorsTest.decorateSupplierWithFallback / decorateCallableWithFallback
    @Test
    void theFallbackReplacesTheFinalFailureAfterAllRetries() throws Exception {
        Callable<String> c = Decorators.<String>ofCallable(() -> {
            calls.incrementAndGet();
            throw new IOException("BAM!");
        }).withRetry(retry(3)).withFallback(e -> "fallback:" + e.getMessage()).decorate();
        assertThat(c.call()).isEqualTo("fallback:BAM!");
        assertThat(calls).hasValue(3);
    }

    // DecoratorsTest.decorateSupplierWithFallback: an open breaker's refusal reaches the fallback
    @Test
    void anOpenBreakerRefusalReachesTheFallback() throws Exception {
        CircuitBreaker cb = openBreaker();
        Callable<String> c = Decorators.ofCallable(() -> "x" + calls.incrementAndGet()).withCircuitBreaker(cb)
                .withFallback(e -> e instanceof CallNotPermittedException ? "open" : "other").decorate();
        assertThat(c.call()).isEqualTo("open");
        assertThat(calls).hasValue(0);
    }

    // DecoratorsTest.decorateSupplierWithBulkheadFullExceptionFallback / Callable / Runnable variants
    @Test
    void aFullBulkheadRefusalReachesTheFallback() throws Exception {
        Limiter bh = engine.limiter("bh", Concurrency.of(1));
        bh.tryAcquire();
        Callable<String> c = Decorators.ofCallable(() -> "x" + calls.incrementAndGet()).withBulkhead(bh)
                .withFallback(e -> e instanceof ThrottledException ? "full" : "other").decorate();
        assertThat(c.call()).isEqualTo("full");
        assertThat(calls).hasValue(0);
    }

    // DecoratorsTest.decoratorBuilderWithRateLimiter
    @Test
    void aRateLimiterRefusesTheCallOverItsLimit() throws Exception {
        Limiter rl = engine.limiter("rl", FixedWindow.of(1, Duration.ofSeconds(1)));
        Callable<String> c = Decorators.ofCallable(() -> "ok" + calls.incrementAndGet()).withRateLimiter(rl).decorate();
        assertThat(c.call()).isEqualTo("ok1");
        assertThatThrownBy(c::call).isInstanceOf(ThrottledException.class);
        assertThat(calls).hasValue(1);
    }

    // DecoratorsTest.shouldThrowTimeoutException (async) / decorateCompletionStageWithTimeoutExceptionFallback
    @Test
    void anAsyncTimeoutFailsTheCallAndReachesTheFallback() {
        CompletableFuture<String> never = new CompletableFuture<>();
        CompletableFuture<String> plain = Decorators.ofCompletionStage(() -> never)
                .withTimeout(Duration.ofSeconds(1)).withScheduler(clock).get();
        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(plain::join).hasCauseInstanceOf(TimeoutException.class);

        CompletableFuture<String> withFallback = Decorators.ofCompletionStage(() -> never)
                .withTimeout(Duration.ofSeconds(1)).withScheduler(clock)
                .withFallback(e -> e instanceof TimeoutException ? "timeout" : "other").get();
        clock.advance(Duration.ofSeconds(1));
        assertThat(withFallback.join()).isEqualTo("timeout");
    }

    // DecoratorsTest.decorateCompletionStageWithCallNotPermittedExceptionFallback
    @Test
    void anAsyncOpenBreakerRefusalReachesTheFallback() {
        CircuitBreaker cb = openBreaker();
        CompletableFuture<String> f = Decorators.ofCompletionStage(() -> {
            calls.incrementAndGet();
            return CompletableFuture.completedFuture("x");
        }).withCircuitBreaker(cb).withFallback(e -> e instanceof CallNotPermittedException ? "open" : "other").get();
        assertThat(f.join()).isEqualTo("open");
        assertThat(calls).hasValue(0);
    }

    // DecoratorsTest.decorateCompletionStage: async retry through the breaker
    @Test
    void asyncRetriesEveryAttemptThroughTheBreaker() {
        CircuitBreaker cb = breaker();
        CompletableFuture<String> f = Decorators.ofCompletionStage(() -> calls.incrementAndGet() < 3
                ? CompletableFuture.<String>failedFuture(new IOException("BAM!"))
                : CompletableFuture.completedFuture("Hello")).withCircuitBreaker(cb).withRetry(retry(3)).get();
        clock.advance(Duration.ofSeconds(5));
        assertThat(f.join()).isEqualTo("Hello");
        assertThat(calls).hasValue(3);
        assertThat(cb.metrics().calls()).isEqualTo(3);
        assertThat(cb.metrics().failures()).isEqualTo(2);
    }

    // Fallback gets the exception unchanged and is not applied to Errors (documented by throttle)
    @Test
    void theFallbackIsNotAppliedToErrors() {
        AssertionError error = new AssertionError("fatal");
        Callable<String> c = Decorators.<String>ofCallable(() -> {
            throw error;
        }).withFallback(e -> "fallback").decorate();
        assertThatThrownBy(c::call).isSameAs(error);
    }

    // Bulkhead slot comes back after a failing call, sync and async (BulkheadTest expectations through the chain)
    @Test
    void theBulkheadSlotComesBackAfterAFailingCall() {
        Limiter bh = engine.limiter("bh", Concurrency.of(1));
        Callable<String> c = Decorators.<String>ofCallable(() -> {
            throw new IOException("BAM!");
        }).withBulkhead(bh).decorate();
        assertThatThrownBy(c::call).isInstanceOf(IOException.class);
        assertThat(bh.availablePermits()).isEqualTo(1);
        CompletableFuture<String> f = Decorators.<String>ofCompletionStage(() -> {
            throw new IllegalStateException("sync stage");
        }).withBulkhead(bh).get();
        assertThat(f).isCompletedExceptionally();
        assertThat(bh.availablePermits()).isEqualTo(1);
    }

    // The async fallback's own predicate is the caller's code: if it throws, the future fails with that (as the
    // sync chain throws it) and the fallback is not applied.
    @Test
    void anAsyncFallbackPredicateThatThrowsFailsTheFutureWithItsFailure() {
        IllegalStateException predicateFailure = new IllegalStateException("predicate");
        CompletableFuture<String> f = Decorators.<String>ofCompletionStage(
                () -> CompletableFuture.failedFuture(new IOException("BAM!")))
                .withFallback(e -> {
                    throw predicateFailure;
                }, e -> "fallback").get();
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join).hasCause(predicateFailure);
    }

    // A breaker whose result classifier throws: the caller gets the classifier's failure, and the attempt's bulkhead
    // slot comes back ("The bulkhead's slot is released when the attempt ends", Decorators).
    @Test
    void aThrowingBreakerClassifierDoesNotLeakTheBulkheadSlot() {
        Limiter bh = engine.limiter("bh", Concurrency.of(1));
        Callable<String> c = Decorators.ofCallable(() -> "ok" + calls.incrementAndGet())
                .withCircuitBreaker(throwingClassifierBreaker()).withBulkhead(bh).decorate();
        assertThatThrownBy(c::call).isInstanceOf(IllegalStateException.class).hasMessage("classifier bug");
        assertThat(bh.availablePermits()).as("slot given back").isEqualTo(1);
        assertThatThrownBy(c::call).as("the next call gets through the bulkhead")
                .isInstanceOf(IllegalStateException.class).hasMessage("classifier bug");
        assertThat(calls).hasValue(2);
        assertThat(bh.availablePermits()).isEqualTo(1);
    }

    // Async variant: the classifier's failure fails the caller's future, and the slot is not leaked.
    @Test
    void aThrowingBreakerClassifierFailsTheAsyncCallWithoutLeakingTheSlot() {
        Limiter bh = engine.limiter("bh", Concurrency.of(1));
        CompletableFuture<String> f = Decorators.ofCompletionStage(() -> CompletableFuture.completedFuture("ok"))
                .withCircuitBreaker(throwingClassifierBreaker()).withBulkhead(bh).get();
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::join).cause().isInstanceOf(IllegalStateException.class).hasMessage("classifier bug");
        assertThat(bh.availablePermits()).as("slot given back").isEqualTo(1);
    }

    // Retry.callAsync: "Cancelling the returned future stops the retries"; through Decorators, with or without a
    // fallback.
    @Test
    void cancellingADecoratedAsyncCallWithAFallbackStopsTheRetries() {
        CompletableFuture<String> f = Decorators.<String>ofCompletionStage(() -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException("BAM!"));
        }).withRetry(retry(5)).withFallback(e -> "fallback").get();
        assertThat(calls).hasValue(1);
        assertThat(clock.pendingTasks()).as("the first retry waits").isEqualTo(1);
        f.cancel(false);
        assertThat(clock.pendingTasks()).as("the waiting retry is cancelled").isZero();
        clock.advance(Duration.ofSeconds(10));
        assertThat(calls).as("attempts after the caller cancelled").hasValue(1);
    }

    @Test
    void cancellingADecoratedAsyncCallStopsTheRetries() {
        CompletableFuture<String> f = Decorators.<String>ofCompletionStage(() -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException("BAM!"));
        }).withRetry(retry(5)).get();
        assertThat(calls).hasValue(1);
        assertThat(clock.pendingTasks()).as("the first retry waits").isEqualTo(1);
        f.cancel(false);
        assertThat(clock.pendingTasks()).as("the waiting retry is cancelled").isZero();
        clock.advance(Duration.ofSeconds(10));
        assertThat(calls).as("attempts after the caller cancelled").hasValue(1);
    }
}
