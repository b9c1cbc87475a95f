package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.ThrottledException;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.resilience.CallNotPermittedException;
import dev.throttle.local.resilience.CircuitBreaker;
import dev.throttle.local.resilience.CircuitBreaker.State;
import dev.throttle.local.resilience.Decorators;
import dev.throttle.local.resilience.Retry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Behaviours of Failsafe's circuit breaker (ClosedStateTest, HalfOpenStateTest, OpenStateTest,
 * CountingCircuitStatsTest, TimedCircuitStatsTest, functional CircuitBreakerTest), retry (RetryPolicyImplTest,
 * functional RetryPolicyTest, NestedRetryPolicyTest), timeout (TimeoutTest), fallback (FallbackTest) and composition
 * (PolicyCompositionTest) tests, restated against throttle's CircuitBreaker, Retry and Decorators on a manual clock.
 */
class FailsafeResilienceTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private CircuitBreaker breaker(CircuitBreaker.Config.Builder config) {
        return CircuitBreaker.builder().ticker(clock).config(config.build()).build();
    }

    private static void fail(CircuitBreaker breaker) {
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onError(0, new IOException());
    }

    private static void succeed(CircuitBreaker breaker) {
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onSuccess(0);
    }

    // ---- ClosedStateTest: failure ratio 2 of 3 ----

    @Test
    void closedBreakerOpensAtTwoFailuresOfThree() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(3).minimumNumberOfCalls(3)
                .failureRateThreshold(2.0 / 3));
        fail(b);
        succeed(b);
        assertThat(b.state()).isEqualTo(State.CLOSED);
        fail(b);
        assertThat(b.state()).isEqualTo(State.OPEN);
    }

    @Test
    void closedBreakerStaysClosedWhileTheOldestFailureSlidesOut() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(3).minimumNumberOfCalls(3)
                .failureRateThreshold(2.0 / 3));
        fail(b);
        succeed(b);
        succeed(b);
        fail(b); // window S S F
        assertThat(b.state()).isEqualTo(State.CLOSED);
        succeed(b); // S F S
        fail(b); // F S F
        assertThat(b.state()).isEqualTo(State.OPEN);
    }

    // ---- TimedCircuitStatsTest.testMetrics: 4 buckets of 1 s, skipped buckets reset ----

    @Test
    void timeWindowCountsPerBucketAndResetsSkippedBuckets() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder()
                .timeWindow(Duration.ofSeconds(4), Duration.ofSeconds(1))
                .minimumNumberOfCalls(Integer.MAX_VALUE));
        for (int i = 0; i < 50; i++) {
            if (i % 5 == 0) {
                succeed(b);
            } else {
                fail(b);
            }
        }
        assertCounts(b, 50, 40);
        clock.advance(1000 * MS);
        for (int i = 0; i < 10; i++) {
            succeed(b);
        }
        assertCounts(b, 60, 40);
        clock.advance(1500 * MS); // 2500
        for (int i = 0; i < 20; i++) {
            fail(b);
        }
        assertCounts(b, 80, 60);
        clock.advance(600 * MS); // 3100
        for (int i = 0; i < 25; i++) {
            if (i % 5 == 0) {
                succeed(b);
            } else {
                fail(b);
            }
        }
        assertCounts(b, 105, 80);
        clock.advance(2300 * MS); // 5400: buckets 0 and 1 gone, bucket 4 skipped
        for (int i = 0; i < 8; i++) {
            succeed(b);
        }
        assertCounts(b, 53, 40); // bucket 2 (20 F) + bucket 3 (5 S, 20 F) + bucket 5 (8 S)
        clock.advance(1900 * MS); // 7300: buckets 2, 3 gone; 5 (8 S) stays, bucket 6 skipped
        for (int i = 0; i < 5; i++) {
            fail(b);
        }
        assertCounts(b, 13, 5);
        clock.advance(15200 * MS); // 22500: everything gone
        assertCounts(b, 0, 0);
        assertThat(b.state()).isEqualTo(State.CLOSED);
    }

    private static void assertCounts(CircuitBreaker b, long calls, long failures) {
        assertThat(b.metrics().calls()).as("calls").isEqualTo(calls);
        assertThat(b.metrics().failures()).as("failures").isEqualTo(failures);
    }

    @Test
    void timeWindowOpensOnlyWithEnoughCallsInsideTheWindow() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder()
                .timeWindow(Duration.ofSeconds(10), Duration.ofSeconds(1)).minimumNumberOfCalls(3)
                .failureRateThreshold(0.5));
        fail(b);
        fail(b);
        clock.advance(10 * S); // both leave the window
        fail(b);
        assertThat(b.state()).isEqualTo(State.CLOSED);
        clock.advance(9 * S);
        fail(b);
        assertThat(b.state()).isEqualTo(State.CLOSED);
        fail(b);
        assertThat(b.state()).isEqualTo(State.OPEN);
    }

    // ---- OpenStateTest / HalfOpenStateTest ----

    @Test
    void openBreakerRefusesUntilItsDelayThenLetsProbesThrough() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(1).minimumNumberOfCalls(1)
                .waitDurationInOpenState(Duration.ofSeconds(1)).permittedCallsInHalfOpenState(3));
        fail(b);
        assertThat(b.state()).isEqualTo(State.OPEN);
        assertThat(b.remainingOpenNanos()).isEqualTo(S);
        clock.advance(999 * MS);
        assertThat(b.tryAcquirePermission()).isFalse();
        clock.advance(1 * MS);
        assertThat(b.tryAcquirePermission()).isTrue();
        assertThat(b.state()).isEqualTo(State.HALF_OPEN);
        assertThat(b.tryAcquirePermission()).isTrue();
        assertThat(b.tryAcquirePermission()).isTrue();
        assertThat(b.tryAcquirePermission()).as("only 3 probes at once").isFalse();
    }

    @Test
    void halfOpenClosesWhenProbesAreBelowTheFailureRatio() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(1).minimumNumberOfCalls(1)
                .failureRateThreshold(0.5).waitDurationInOpenState(Duration.ofSeconds(1))
                .permittedCallsInHalfOpenState(3));
        fail(b);
        clock.advance(S);
        succeed(b);
        fail(b);
        assertThat(b.state()).isEqualTo(State.HALF_OPEN);
        succeed(b);
        assertThat(b.state()).isEqualTo(State.CLOSED);
        assertThat(b.metrics().calls()).isZero();
    }

    @Test
    void halfOpenReopensWhenProbesReachTheFailureRatio() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(1).minimumNumberOfCalls(1)
                .failureRateThreshold(0.5).waitDurationInOpenState(Duration.ofSeconds(1))
                .permittedCallsInHalfOpenState(3));
        fail(b);
        clock.advance(S);
        succeed(b);
        fail(b);
        fail(b);
        assertThat(b.state()).isEqualTo(State.OPEN);
        assertThat(b.remainingOpenNanos()).isEqualTo(S);
    }

    // ---- functional CircuitBreakerTest through call(): failures thrown as they are, refusals as CNPE ----

    @Test
    void callThrowsTheFailureThenRefusesWhileOpen() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(2).minimumNumberOfCalls(2)
                .waitDurationInOpenState(Duration.ofSeconds(5)));
        IOException boom = new IOException("boom");
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> b.call(() -> {
                throw boom;
            })).isSameAs(boom);
        }
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> b.call(ran::incrementAndGet)).isInstanceOf(CallNotPermittedException.class);
        assertThat(ran.get()).isZero();
    }

    // ---- RetryPolicyTest / PolicyCompositionTest: retry outside the breaker stops at the open breaker ----

    @Test
    void retriesStopWhenTheBreakerOpens() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(2).minimumNumberOfCalls(2)
                .waitDurationInOpenState(Duration.ofSeconds(60)));
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(10).baseDelay(Duration.ZERO).build())
                .build();
        AtomicInteger attempts = new AtomicInteger();
        Callable<String> guarded = Decorators.ofCallable((Callable<String>) () -> {
            attempts.incrementAndGet();
            throw new IOException();
        }).withRetry(retry).withCircuitBreaker(b).decorate();
        assertThatThrownBy(guarded::call).isInstanceOf(CallNotPermittedException.class);
        assertThat(attempts.get()).isEqualTo(2);
    }

    // ---- NestedRetryPolicyTest: nested retries multiply attempts ----

    @Test
    void nestedRetriesMultiplyTheAttempts() {
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ZERO).build())
                .build();
        AtomicInteger attempts = new AtomicInteger();
        Callable<String> inner = Decorators.ofCallable((Callable<String>) () -> {
            attempts.incrementAndGet();
            throw new IOException();
        }).withRetry(retry).decorate();
        Callable<String> outer = Decorators.ofCallable(inner).withRetry(retry).decorate();
        assertThatThrownBy(outer::call).isInstanceOf(IOException.class);
        assertThat(attempts.get()).isEqualTo(9);
    }

    // ---- RetryPolicyImplTest / RandomDelayTest: backoff with jitter stays within [0, cap] ----

    @Test
    void jitteredDelaysStayWithinTheirCaps() throws Exception {
        List<Long> sleeps = new ArrayList<>();
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(8).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofMillis(1000)).build()).sleeper(sleeps::add).build();
        for (int run = 0; run < 200; run++) {
            sleeps.clear();
            try {
                retry.call(() -> {
                    throw new IOException();
                });
            } catch (IOException expected) {
                // all attempts failed
            }
            assertThat(sleeps).hasSizeLessThanOrEqualTo(7);
            long[] caps = {100, 200, 400, 800, 1000, 1000, 1000};
            for (int i = 0; i < sleeps.size(); i++) {
                assertThat(sleeps.get(i)).isBetween(0L, caps[i] * MS);
            }
        }
    }

    @Test
    void asyncRetryWaitsOnTheSchedulerWithinTheCap() {
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofSeconds(1))
                .maxDelay(Duration.ofSeconds(1)).build()).scheduler(clock).random(new java.util.Random(1)).build();
        List<Long> starts = new ArrayList<>();
        CompletableFuture<String> outcome = retry.callAsync(() -> {
            starts.add(clock.read());
            return CompletableFuture.failedFuture(new IOException());
        });
        clock.advance(3 * S);
        assertThat(outcome).isCompletedExceptionally();
        assertThat(starts).hasSize(3);
        assertThat(starts.get(1) - starts.get(0)).isBetween(0L, S);
        assertThat(starts.get(2) - starts.get(1)).isBetween(0L, S);
    }

    // ---- FallbackTest: the fallback handles the failures it is for ----

    @Test
    void fallbackHandlesOnlyTheFailuresItIsFor() throws Exception {
        Callable<String> guarded = Decorators.ofCallable((Callable<String>) () -> {
            throw new IOException("io");
        }).withFallback(e -> e instanceof IOException, e -> "fallback: " + e.getMessage()).decorate();
        assertThat(guarded.call()).isEqualTo("fallback: io");
        IllegalStateException other = new IllegalStateException();
        Callable<String> unhandled = Decorators.ofCallable((Callable<String>) () -> {
            throw other;
        }).withFallback(e -> e instanceof IOException, e -> "fallback").decorate();
        assertThatThrownBy(unhandled::call).isSameAs(other);
    }

    @Test
    void fallbackReceivesARateLimitersRefusal() throws Exception {
        Limiter perSecond = engine.limiter("rl", FixedWindow.of(1, Duration.ofSeconds(1)));
        List<Throwable> seen = new ArrayList<>();
        Callable<String> guarded = Decorators.ofCallable(() -> "ok").withRateLimiter(perSecond)
                .withFallback(e -> {
                    seen.add(e);
                    return "later";
                }).decorate();
        assertThat(guarded.call()).isEqualTo("ok");
        assertThat(guarded.call()).isEqualTo("later");
        assertThat(seen.get(0)).isInstanceOf(ThrottledException.class);
        assertThat(((ThrottledException) seen.get(0)).retryAfterNanos()).isEqualTo(S);
    }

    // ---- TimeoutTest: within the timeout the result passes; past it, a TimeoutException the breaker counts ----

    @Test
    void syncTimeoutPassesAResultBeforeTheDeadlineAndReplacesOneAfter() throws Exception {
        long[] work = {499 * MS};
        Callable<String> guarded = Decorators.ofCallable(() -> {
            clock.advance(work[0]);
            return "done";
        }).withTimeout(Duration.ofMillis(500)).withTicker(clock).decorate();
        assertThat(guarded.call()).isEqualTo("done");
        work[0] = 500 * MS;
        assertThatThrownBy(guarded::call).isInstanceOf(TimeoutException.class);
    }

    @Test
    void timeoutsAreFailuresTheBreakerCounts() {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(2).minimumNumberOfCalls(2));
        Callable<String> guarded = Decorators.ofCallable(() -> {
            clock.advance(S);
            return "late";
        }).withTimeout(Duration.ofMillis(500)).withTicker(clock).withCircuitBreaker(b).decorate();
        assertThatThrownBy(guarded::call).isInstanceOf(TimeoutException.class);
        assertThatThrownBy(guarded::call).isInstanceOf(TimeoutException.class);
        assertThat(b.state()).isEqualTo(State.OPEN);
    }

    @Test
    void asyncTimeoutCompletesAtTheDeadlineAndARetryTriesAgain() {
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(2).baseDelay(Duration.ZERO).build())
                .scheduler(clock).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> outcome = Decorators.ofCompletionStage(() -> {
            attempts.incrementAndGet();
            return new CompletableFuture<String>(); // never completes
        }).withTimeout(Duration.ofSeconds(1)).withTicker(clock).withScheduler(clock).withRetry(retry).get();
        clock.advance(999 * MS);
        assertThat(outcome).isNotDone();
        clock.advance(1 * MS);
        assertThat(attempts.get()).isEqualTo(2);
        clock.advance(S);
        assertThat(outcome).isCompletedExceptionally();
        assertThatThrownBy(outcome::join).hasCauseInstanceOf(TimeoutException.class);
    }

    // ---- PolicyCompositionTest: breaker outside a bulkhead/rate limiter; a refusal is no outcome ----

    @Test
    void aHalfOpenProbeRefusedByTheBulkheadIsGivenBack() throws Exception {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(1).minimumNumberOfCalls(1)
                .waitDurationInOpenState(Duration.ofSeconds(1)).permittedCallsInHalfOpenState(1));
        Limiter bulkhead = engine.limiter("bh", Concurrency.of(1));
        Callable<String> guarded = Decorators.ofCallable(() -> "ok").withCircuitBreaker(b).withBulkhead(bulkhead)
                .decorate();
        fail(b);
        clock.advance(S);
        Permit hog = bulkhead.tryAcquire();
        assertThatThrownBy(guarded::call).isInstanceOf(ThrottledException.class);
        assertThat(b.state()).isEqualTo(State.HALF_OPEN);
        hog.close();
        assertThat(guarded.call()).isEqualTo("ok");
        assertThat(b.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void rateLimiterRefusalsNeverTripTheBreaker() throws Exception {
        CircuitBreaker b = breaker(CircuitBreaker.Config.builder().countWindow(2).minimumNumberOfCalls(2));
        Limiter perSecond = engine.limiter("rl", FixedWindow.of(1, Duration.ofSeconds(1)));
        Callable<String> guarded = Decorators.ofCallable(() -> "ok").withCircuitBreaker(b)
                .withRateLimiter(perSecond).decorate();
        assertThat(guarded.call()).isEqualTo("ok");
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(guarded::call).isInstanceOf(ThrottledException.class);
        }
        assertThat(b.state()).isEqualTo(State.CLOSED);
        assertThat(b.metrics().calls()).isEqualTo(1);
    }

    @Test
    void retryWaitsForTheRateLimitersRetryAfter() throws Exception {
        Limiter perSecond = engine.limiter("rl", FixedWindow.of(1, Duration.ofSeconds(1)));
        List<Long> sleeps = new ArrayList<>();
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ofMillis(1))
                .maxDelay(Duration.ofSeconds(2)).build()).sleeper(n -> {
                    sleeps.add(n);
                    clock.advance(n);
                }).build();
        Callable<String> guarded = Decorators.ofCallable(() -> "ok").withRetry(retry).withRateLimiter(perSecond)
                .decorate();
        assertThat(guarded.call()).isEqualTo("ok");
        clock.advance(300 * MS);
        assertThat(guarded.call()).isEqualTo("ok");
        assertThat(sleeps).hasSize(1);
        assertThat(sleeps.get(0)).isGreaterThanOrEqualTo(700 * MS);
    }

    @Test
    void retryGivesUpOnAFullBulkheadOnlyWhenAttemptsRunOut() {
        Limiter bulkhead = engine.limiter("bh", Concurrency.of(1));
        Permit hog = bulkhead.tryAcquire();
        List<Long> sleeps = new ArrayList<>();
        Retry retry = Retry.builder().config(Retry.Config.builder().maxAttempts(3).baseDelay(Duration.ZERO).build())
                .sleeper(sleeps::add).build();
        AtomicInteger ran = new AtomicInteger();
        Callable<Integer> guarded = Decorators.ofCallable(ran::incrementAndGet).withRetry(retry)
                .withBulkhead(bulkhead).decorate();
        assertThatThrownBy(guarded::call).isInstanceOf(ThrottledException.class);
        assertThat(ran.get()).isZero();
        hog.close();
        assertThat(bulkhead.availablePermits()).isEqualTo(1);
    }
    @Test
    void syncFailureAfterTheDeadlineIsThrownAsItIsNotAsATimeout() {
        IOException late = new IOException("late");
        Callable<String> guarded = Decorators.ofCallable((Callable<String>) () -> {
            clock.advance(S);
            throw late;
        }).withTimeout(Duration.ofMillis(500)).withTicker(clock).decorate();
        assertThatThrownBy(guarded::call).isSameAs(late);
    }
}
