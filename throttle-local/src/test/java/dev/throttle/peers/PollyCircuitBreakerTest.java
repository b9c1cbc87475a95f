package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.local.resilience.CallNotPermittedException;
import dev.throttle.local.resilience.CircuitBreaker;
import dev.throttle.local.resilience.CircuitBreaker.Event;
import dev.throttle.local.resilience.CircuitBreaker.Metrics;
import dev.throttle.local.resilience.CircuitBreaker.State;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Behaviours of Polly's circuit breaker tests (AdvancedCircuitBehaviorTests, CircuitStateControllerTests,
 * RollingHealthMetricsTests, CircuitBreakerResilienceStrategyTests), expressed against throttle's CircuitBreaker.
 */
class PollyCircuitBreakerTest {

    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock(7 * S);
    private final List<Event> events = new CopyOnWriteArrayList<>();

    private CircuitBreaker breaker(CircuitBreaker.Config.Builder config) {
        return CircuitBreaker.builder().name("svc").ticker(clock).config(config.build()).listener(events::add).build();
    }

    /** A Polly-like breaker: one probe, break 5 s, time window 10 s in 1 s buckets. */
    private static CircuitBreaker.Config.Builder pollyLike(int minimumThroughput, double ratio) {
        return CircuitBreaker.Config.builder().timeWindow(Duration.ofSeconds(10), Duration.ofSeconds(1))
                .minimumNumberOfCalls(minimumThroughput).failureRateThreshold(ratio)
                .waitDurationInOpenState(Duration.ofSeconds(5)).permittedCallsInHalfOpenState(1);
    }

    private static void fail(CircuitBreaker breaker) {
        try {
            breaker.call(() -> {
                throw new IOException("down");
            });
        } catch (Exception expected) {
            // the failure
        }
    }

    private static void succeed(CircuitBreaker breaker) throws Exception {
        breaker.call(() -> "ok");
    }

    private void open(CircuitBreaker breaker) {
        while (breaker.state() == State.CLOSED) {
            fail(breaker);
        }
    }

    private List<String> transitions() {
        return events.stream().filter(e -> e.kind() == Event.Kind.STATE_TRANSITION)
                .map(e -> e.state() + ">" + e.newState()).collect(Collectors.toList());
    }

    // ---- AdvancedCircuitBehaviorTests.OnActionFailure_WhenClosed_EnsureCorrectBehavior ----

    @ParameterizedTest(name = "{0} calls (min {1}), {2} failures, threshold {3} -> open {4}")
    @CsvSource({
        "10, 10, 0, 0.1, false",
        "10, 10, 1, 0.1, true",   // failure ratio exactly at the threshold
        "10, 10, 2, 0.1, true",
        "11, 10, 3, 0.2, true",
        "9, 10, 4, 0.1, false",   // below the minimum throughput, whatever the ratio
        "10, 10, 3, 0.3, true",   // a decimal threshold met exactly (3 / 10 vs 0.3)
        "100, 100, 29, 0.29, true",
        "100, 100, 57, 0.57, true"
    })
    void closedBreakerOpensAtExactlyTheThresholdOnceTheMinimumThroughputIsReached(int calls, int minimum,
            int failures, double threshold, boolean opens) throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(minimum, threshold));
        // Successes first, then the failures: the last call is the judged one.
        for (int i = 0; i < calls - failures; i++) {
            succeed(breaker);
        }
        for (int i = 0; i < failures; i++) {
            fail(breaker);
        }
        assertThat(breaker.state()).isEqualTo(opens ? State.OPEN : State.CLOSED);
    }

    @ParameterizedTest(name = "count window: {0} calls (min {1}), {2} failures, threshold {3} -> open {4}")
    @CsvSource({
        "10, 10, 1, 0.1, true",
        "9, 10, 4, 0.1, false",
        "10, 10, 3, 0.3, true",
        "100, 100, 29, 0.29, true"
    })
    void countWindowOpensAtExactlyTheThreshold(int calls, int minimum, int failures, double threshold, boolean opens)
            throws Exception {
        CircuitBreaker breaker = breaker(CircuitBreaker.Config.builder().countWindow(minimum)
                .minimumNumberOfCalls(minimum).failureRateThreshold(threshold));
        for (int i = 0; i < calls - failures; i++) {
            succeed(breaker);
        }
        for (int i = 0; i < failures; i++) {
            fail(breaker);
        }
        assertThat(breaker.state()).isEqualTo(opens ? State.OPEN : State.CLOSED);
    }

    // ---- AdvancedCircuitBehaviorTests.OnActionFailure_State_EnsureCorrectCalls: an outcome while open counts nowhere

    @Test
    void anOutcomeReportedWhileOpenChangesNothing() {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5));
        open(breaker);
        breaker.onError(0, new IOException("late"));
        breaker.onSuccess(0);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.OPEN, 0, 0, 0));
        assertThat(breaker.remainingOpenNanos()).isEqualTo(5 * S);
    }

    // ---- AdvancedCircuitBehaviorTests.OnCircuitClosed_Ok: closing resets the health metrics ----

    @Test
    void closingFromHalfOpenStartsWithAnEmptyWindow() throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5));
        fail(breaker);
        fail(breaker);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        clock.advance(5 * S);
        succeed(breaker);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 0, 0, 0));
        fail(breaker); // one failure: below the minimum throughput of the new window
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    // ---- RollingHealthMetricsTests ----

    @Test
    void rollingMetricsCountFailuresAndSuccesses() throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(100, 0.5));
        fail(breaker);
        for (int i = 0; i < 4; i++) {
            succeed(breaker);
        }
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 5, 1, 0));
    }

    @Test
    void rollingMetricsRespectTheWindow() throws Exception {
        ManualClock zero = new ManualClock(0L);
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(zero).config(pollyLike(1000, 1.0).build()).build();
        List<Metrics> health = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            if (i < 2) {
                breaker.onError(0, new IOException());
            } else {
                breaker.onSuccess(0);
            }
            breaker.onSuccess(0);
            zero.advance(2 * S);
            health.add(breaker.metrics());
        }
        zero.advance(2 * S);
        health.add(breaker.metrics());
        assertThat(health.get(0)).isEqualTo(new Metrics(State.CLOSED, 2, 1, 0));
        assertThat(health.get(1)).isEqualTo(new Metrics(State.CLOSED, 4, 2, 0));
        assertThat(health.get(3)).isEqualTo(new Metrics(State.CLOSED, 8, 2, 0));
        assertThat(health.get(4)).isEqualTo(new Metrics(State.CLOSED, 8, 1, 0));
        assertThat(health.get(5)).isEqualTo(new Metrics(State.CLOSED, 6, 0, 0));
    }

    @Test
    void rollingMetricsDropTheOldestBucketExactlyOnTime() {
        ManualClock zero = new ManualClock(0L);
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(zero).config(pollyLike(1000, 1.0).build()).build();
        for (int i = 0; i < 10; i++) {
            breaker.onSuccess(0);
            zero.advance(S);
        }
        assertThat(breaker.metrics().calls()).isEqualTo(9);
        zero.advance(S - 1);
        assertThat(breaker.metrics().calls()).isEqualTo(9);
        zero.advance(1);
        assertThat(breaker.metrics().calls()).isEqualTo(8);
    }

    @ParameterizedTest
    @CsvSource({"0", "1000000"})
    void rollingMetricsForgetEverythingAfterTheSamplingDuration(long extraNanos) {
        ManualClock zero = new ManualClock(0L);
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(zero).config(pollyLike(1000, 1.0).build()).build();
        breaker.onSuccess(0);
        breaker.onSuccess(0);
        zero.advance(10 * S + extraNanos);
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 0, 0, 0));
    }

    @Test
    void failuresThatSlidOutOfTheWindowNoLongerTrip() {
        ManualClock zero = new ManualClock(0L);
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(zero).config(pollyLike(4, 0.5).build()).build();
        breaker.onError(0, new IOException());
        breaker.onError(0, new IOException());
        breaker.onError(0, new IOException());
        zero.advance(10 * S); // the three failures leave the window exactly now
        breaker.onError(0, new IOException());
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 1, 1, 0));
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        breaker.onError(0, new IOException());
        breaker.onError(0, new IOException());
        breaker.onError(0, new IOException());
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    // ---- CircuitStateControllerTests.HalfOpen_EnsureBreakDuration / OnActionPreExecute_HalfOpen ----

    @Test
    void theBreakEndsExactlyAtItsNanosecondAndOnlyOneProbeGoesThrough() {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5));
        open(breaker);
        long openedAt = clock.read();
        clock.advance(5 * S - 1);
        assertThat(breaker.remainingOpenNanos()).isEqualTo(1);
        assertThatThrownBy(() -> breaker.call(() -> "early")).isInstanceOfSatisfying(CallNotPermittedException.class,
                e -> assertThat(e.remainingOpenNanos()).isEqualTo(1));
        clock.advance(1);
        assertThat(clock.read() - openedAt).isEqualTo(5 * S);
        assertThat(breaker.remainingOpenNanos()).isZero();
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThatThrownBy(() -> breaker.call(() -> "second")).isInstanceOfSatisfying(
                CallNotPermittedException.class, e -> assertThat(e.remainingOpenNanos()).isZero());
        assertThat(transitions()).containsExactly("CLOSED>OPEN", "OPEN>HALF_OPEN");
    }

    // ---- CircuitStateControllerTests.HalfOpen_EnsureCorrectStateTransitionAfterExecution ----

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void aProbeDecides(boolean success) throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5));
        open(breaker);
        clock.advance(5 * S);
        if (success) {
            succeed(breaker);
            assertThat(breaker.state()).isEqualTo(State.CLOSED);
        } else {
            fail(breaker);
            assertThat(breaker.state()).isEqualTo(State.OPEN);
            // The new break is measured from the probe's failure.
            assertThat(breaker.remainingOpenNanos()).isEqualTo(5 * S);
        }
    }

    // ---- CircuitStateControllerTests.Flow_Closed_HalfOpen_Open_HalfOpen_Closed ----

    @Test
    void flowClosedHalfOpenOpenHalfOpenClosed() throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5));
        open(breaker);
        clock.advance(5 * S);
        fail(breaker); // the probe fails
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        clock.advance(1 * MS);
        assertThatThrownBy(() -> breaker.call(() -> "x")).isInstanceOfSatisfying(CallNotPermittedException.class,
                e -> assertThat(e.remainingOpenTime()).isEqualTo(Duration.ofSeconds(5).minusMillis(1)));
        clock.advance(10 * S);
        succeed(breaker);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(transitions()).containsExactly("CLOSED>OPEN", "OPEN>HALF_OPEN", "HALF_OPEN>OPEN",
                "OPEN>HALF_OPEN", "HALF_OPEN>CLOSED");
    }

    // ---- CircuitStateControllerTests.OnActionFailureAsync_EnsureBreakDurationNotOverflow ----

    @Test
    void aLongBreakNearTheEndOfTheTickerDoesNotOverflow() {
        ManualClock late = new ManualClock(Long.MAX_VALUE - 20 * S);
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(late).config(pollyLike(1, 0.5)
                .waitDurationInOpenState(Duration.ofDays(3650)).build()).build();
        breaker.onError(0, new IOException());
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        late.advance(10 * S);
        assertThat(breaker.tryAcquirePermission()).isFalse();
        assertThat(breaker.remainingOpenNanos()).isEqualTo(Duration.ofDays(3650).toNanos() - 10 * S);
    }

    // ---- Outcomes of calls let through in an earlier state ----

    @Test
    void aSlowCallLetThroughWhileClosedDoesNotDecideTheHalfOpenProbe() throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5));
        CompletableFuture<String> straggler = new CompletableFuture<>();
        CompletableFuture<String> old = breaker.callAsync(() -> straggler);
        fail(breaker);
        fail(breaker);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        clock.advance(5 * S);
        CompletableFuture<String> probe = new CompletableFuture<>();
        CompletableFuture<String> probed = breaker.callAsync(() -> probe);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        straggler.completeExceptionally(new IOException("late failure of an old call"));
        assertThat(old).isCompletedExceptionally();
        assertThat(breaker.state()).as("the old call's failure is not the probe's").isEqualTo(State.HALF_OPEN);
        probe.complete("fine");
        assertThat(probed).isCompletedWithValue("fine");
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 0, 0, 0));
    }

    @Test
    void aCallLetThroughInAnEarlierClosedStateDoesNotCountInTheNextClosedWindow() throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5));
        CompletableFuture<String> straggler = new CompletableFuture<>();
        breaker.callAsync(() -> straggler);
        fail(breaker);
        fail(breaker);
        clock.advance(5 * S);
        succeed(breaker); // probe closes
        straggler.completeExceptionally(new IOException());
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 0, 0, 0));
    }

    // ---- CircuitBreakerResilienceStrategyTests: handled / unhandled exceptions and results ----

    @Test
    void exceptionsPassThroughUnchangedAndUnhandledOnesCountAsSuccesses() {
        CircuitBreaker breaker = breaker(pollyLike(1, 0.5).recordFailure(e -> e instanceof IOException));
        IllegalArgumentException unhandled = new IllegalArgumentException("caller's mistake");
        assertThatThrownBy(() -> breaker.call(() -> {
            throw unhandled;
        })).isSameAs(unhandled);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.CLOSED, 1, 0, 0));
        IOException handled = new IOException("down");
        assertThatThrownBy(() -> breaker.call(() -> {
            throw handled;
        })).isSameAs(handled);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(events).extracting(Event::kind).containsExactly(Event.Kind.SUCCESS, Event.Kind.FAILURE,
                Event.Kind.STATE_TRANSITION);
        assertThat(events.get(1).failure()).isSameAs(handled);
    }

    @Test
    void handledResultsCountAsFailuresAndAreReturned() throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(1, 0.5).recordResult(Integer.class, status -> status >= 500));
        assertThat(breaker.call(() -> 200)).isEqualTo(200);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.call(() -> 503)).isEqualTo(503);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void eventsOfAFullCycleComeInOrderWithTheirTimes() throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5));
        fail(breaker);
        long second = clock.advance(1 * MS);
        fail(breaker);
        assertThatThrownBy(() -> breaker.call(() -> "x")).isInstanceOf(CallNotPermittedException.class);
        long probeAt = clock.advance(5 * S);
        succeed(breaker);
        assertThat(events.stream().map(e -> e.kind() + ":" + e.state() + ">" + e.newState())
                .collect(Collectors.toList())).containsExactly(
                        "FAILURE:CLOSED>CLOSED", "FAILURE:CLOSED>CLOSED", "STATE_TRANSITION:CLOSED>OPEN",
                        "NOT_PERMITTED:OPEN>OPEN", "STATE_TRANSITION:OPEN>HALF_OPEN", "SUCCESS:HALF_OPEN>HALF_OPEN",
                        "STATE_TRANSITION:HALF_OPEN>CLOSED");
        assertThat(events.get(2).atNanos()).isEqualTo(second);
        assertThat(events.get(4).atNanos()).isEqualTo(probeAt);
        assertThat(events.get(6).atNanos()).isEqualTo(probeAt);
    }

    @Test
    void anIgnoredProbeLetsAnotherProbeThrough() throws Exception {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5).ignoreFailure(e -> e instanceof IllegalStateException));
        open(breaker);
        clock.advance(5 * S);
        assertThatThrownBy(() -> breaker.call(() -> {
            throw new IllegalStateException("ignored");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        succeed(breaker);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    // ---- callAsync never throws: a throwing classifier on a supplier's failure (cf. the stage path) ----

    @Test
    void callAsyncCarriesAThrowingClassifierInItsFutureWhenTheSupplierThrows() {
        IllegalStateException broken = new IllegalStateException("classifier bug");
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5).recordFailure(e -> {
            throw broken;
        }));
        CompletableFuture<String> viaStage = breaker.callAsync(
                () -> CompletableFuture.failedFuture(new IOException("down")));
        assertThatThrownBy(viaStage::join).cause().isSameAs(broken);
        CompletableFuture<String> viaSupplier = breaker.callAsync(() -> {
            throw new IllegalArgumentException("supplier failed");
        });
        assertThatThrownBy(viaSupplier::join).cause().isSameAs(broken);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    // ---- Several probes: all must finish, then their ratio decides (throttle's documented rule) ----

    @Test
    void withFourProbesTheRatioAtTheThresholdReopensOnlyWhenAllHaveFinished() {
        CircuitBreaker breaker = breaker(pollyLike(2, 0.5).permittedCallsInHalfOpenState(4));
        open(breaker);
        clock.advance(5 * S);
        for (int i = 0; i < 4; i++) {
            assertThat(breaker.tryAcquirePermission()).isTrue();
        }
        assertThat(breaker.tryAcquirePermission()).isFalse();
        breaker.onError(0, new IOException());
        breaker.onError(0, new IOException());
        breaker.onSuccess(0);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.metrics()).isEqualTo(new Metrics(State.HALF_OPEN, 3, 2, 0));
        breaker.onSuccess(0); // 2 of 4 failed: exactly the threshold
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }
}
