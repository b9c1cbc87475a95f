package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.local.resilience.CircuitBreaker.Event.Kind;
import dev.throttle.local.resilience.CircuitBreaker.State;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final ManualClock ticker = new ManualClock(5_000L);
    private final List<CircuitBreaker.Event> events = new CopyOnWriteArrayList<>();

    private CircuitBreaker breaker(CircuitBreaker.Config.Builder config) {
        return CircuitBreaker.builder().name("db").ticker(ticker).config(config.build()).listener(events::add)
                .build();
    }

    private static CircuitBreaker.Config.Builder twoCallsTenSeconds() {
        return CircuitBreaker.Config.builder().countWindow(2).minimumNumberOfCalls(2)
                .waitDurationInOpenState(Duration.ofSeconds(10)).permittedCallsInHalfOpenState(1)
                .slowCallDuration(Duration.ofSeconds(1));
    }

    @Test
    void listenersSeeOutcomesRefusalsAndTransitionsInOrder() throws Exception {
        CircuitBreaker breaker = breaker(twoCallsTenSeconds());
        failingCall(breaker);
        failingCall(breaker);
        assertThatThrownBy(() -> breaker.call(() -> "never")).isInstanceOf(CallNotPermittedException.class);
        ticker.advance(Duration.ofSeconds(10));
        assertThat(breaker.call(() -> "probe")).isEqualTo("probe");
        assertThat(events.stream().map(e -> e.kind() + ":" + e.state() + ">" + e.newState())
                .collect(Collectors.toList())).containsExactly(
                        "FAILURE:CLOSED>CLOSED",
                        "FAILURE:CLOSED>CLOSED",
                        "STATE_TRANSITION:CLOSED>OPEN",
                        "NOT_PERMITTED:OPEN>OPEN",
                        "STATE_TRANSITION:OPEN>HALF_OPEN",
                        "SUCCESS:HALF_OPEN>HALF_OPEN",
                        "STATE_TRANSITION:HALF_OPEN>CLOSED");
        assertThat(events.get(0).failure()).isInstanceOf(IOException.class);
        assertThat(events.get(0).breaker()).isEqualTo("db");
        assertThat(events.get(4).atNanos()).isEqualTo(ticker.read());
    }

    @Test
    void aThrowingListenerChangesNothing() {
        CircuitBreaker breaker = CircuitBreaker.builder().ticker(ticker).config(twoCallsTenSeconds().build())
                .listener(event -> {
                    throw new IllegalStateException("listener bug");
                })
                .listener(events::add)
                .build();
        breaker.run(() -> { });
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(events).extracting(CircuitBreaker.Event::kind).containsExactly(Kind.SUCCESS);
    }

    @Test
    void callMeasuresDurationsWithTheTickerAndFlagsSlowCalls() throws Exception {
        CircuitBreaker breaker = breaker(twoCallsTenSeconds());
        String result = breaker.call(() -> {
            ticker.advance(Duration.ofMillis(1500));
            return "late";
        });
        assertThat(result).isEqualTo("late");
        assertThat(events.get(0).durationNanos()).isEqualTo(1_500_000_000L);
        assertThat(events.get(0).slow()).isTrue();
        assertThat(breaker.metrics()).isEqualTo(new CircuitBreaker.Metrics(State.CLOSED, 1, 0, 1));
    }

    @Test
    void callNotPermittedCarriesTheRemainingOpenTime() {
        CircuitBreaker breaker = breaker(twoCallsTenSeconds());
        failingCall(breaker);
        failingCall(breaker);
        ticker.advance(Duration.ofSeconds(3));
        assertThat(breaker.remainingOpenNanos()).isEqualTo(7_000_000_000L);
        assertThatThrownBy(() -> breaker.run(() -> { }))
                .isInstanceOfSatisfying(CallNotPermittedException.class, e -> {
                    assertThat(e.remainingOpenTime()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(e.breaker()).isEqualTo("db");
                })
                .hasMessageContaining("db").hasMessageContaining("PT7S");
    }

    @Test
    void callRethrowsTheCallsOwnFailureAndRecordsIt() {
        CircuitBreaker breaker = breaker(twoCallsTenSeconds());
        assertThatThrownBy(() -> breaker.call(() -> {
            throw new IOException("disk");
        })).isInstanceOf(IOException.class).hasMessage("disk");
        assertThat(breaker.metrics()).isEqualTo(new CircuitBreaker.Metrics(State.CLOSED, 1, 1, 0));
    }

    @Test
    void callAsyncRecordsWhenTheStageCompletesAndRefusesWithAFailedFuture() {
        CircuitBreaker breaker = breaker(twoCallsTenSeconds());
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        CompletableFuture<String> a = breaker.callAsync(() -> first);
        CompletableFuture<String> b = breaker.callAsync(() -> second);
        assertThat(breaker.metrics().calls()).isZero();
        ticker.advance(Duration.ofSeconds(2));
        first.completeExceptionally(new CompletionException(new IOException("timeout")));
        second.completeExceptionally(new IOException("timeout"));
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        // The wrapped failure was unwrapped for the predicate and the event.
        assertThat(events.get(0).failure()).isInstanceOf(IOException.class);
        assertThat(events.get(0).slow()).isTrue();
        CompletableFuture<String> refused = breaker.callAsync(() -> CompletableFuture.completedFuture("x"));
        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::join).hasCauseInstanceOf(CallNotPermittedException.class);
    }

    @Test
    void callAsyncTurnsAThrowingSupplierIntoAFailedFutureAndARecordedFailure() {
        CircuitBreaker breaker = breaker(twoCallsTenSeconds());
        CompletableFuture<String> result = breaker.callAsync(() -> {
            throw new IllegalStateException("no connection");
        });
        assertThatThrownBy(result::join).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(breaker.metrics().failures()).isEqualTo(1);
    }

    @Test
    void aClassifierThatThrowsReachesTheCallerAndAHalfOpenProbeGivesItsPermissionBack() throws Exception {
        IllegalStateException broken = new IllegalStateException("classifier is broken");
        CircuitBreaker breaker = breaker(twoCallsTenSeconds().recordFailure(failure -> {
            if (failure instanceof UnsupportedOperationException) {
                throw broken;
            }
            return true;
        }));
        failingCall(breaker);
        failingCall(breaker);
        ticker.advance(Duration.ofSeconds(10));

        // The one probe's outcome cannot be judged: the caller gets the classifier's failure, and the probe's
        // permission comes back, so the breaker does not stay half-open for want of a probe.
        assertThatThrownBy(() -> breaker.call(() -> {
            throw new UnsupportedOperationException("probe");
        })).isSameAs(broken);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        CompletableFuture<String> async = breaker.callAsync(
                () -> CompletableFuture.failedFuture(new UnsupportedOperationException("probe")));
        assertThat(async).as("completed, not left hanging").isCompletedExceptionally();
        assertThatThrownBy(async::join).hasCause(broken);
        CompletableFuture<String> thrown = breaker.callAsync(() -> {
            throw new UnsupportedOperationException("probe");
        });
        assertThat(thrown).as("a supplier that throws: still through the future").isCompletedExceptionally();
        assertThatThrownBy(thrown::join).hasCause(broken);
        assertThat(breaker.call(() -> "probe")).isEqualTo("probe");
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void anOutcomeOfACallLetThroughBeforeATransitionIsNotCountedAsAProbe() throws Exception {
        CircuitBreaker breaker = breaker(twoCallsTenSeconds().permittedCallsInHalfOpenState(2));
        CompletableFuture<String> stale = new CompletableFuture<>();
        CompletableFuture<String> staleResult = breaker.callAsync(() -> stale);
        failingCall(breaker);
        failingCall(breaker);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        ticker.advance(Duration.ofSeconds(10));
        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        stale.complete("late success");
        assertThat(staleResult.join()).isEqualTo("late success");
        assertThat(breaker.metrics()).isEqualTo(new CircuitBreaker.Metrics(State.HALF_OPEN, 0, 0, 0));
        breaker.onSuccess(0);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.call(() -> "second probe")).isEqualTo("second probe");
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void metricsFollowTheStates() {
        CircuitBreaker breaker = breaker(twoCallsTenSeconds());
        breaker.run(() -> { });
        assertThat(breaker.metrics()).isEqualTo(new CircuitBreaker.Metrics(State.CLOSED, 1, 0, 0));
        failingCall(breaker); // one failure in two calls: the 0.5 threshold
        assertThat(breaker.metrics()).isEqualTo(new CircuitBreaker.Metrics(State.OPEN, 0, 0, 0));
        assertThat(breaker.toString()).isEqualTo("CircuitBreaker[db: OPEN, 10 s until probing]");
    }

    @Test
    void theManualApiRefusesBadInputWithoutRecording() {
        CircuitBreaker breaker = breaker(twoCallsTenSeconds());
        assertThatThrownBy(() -> breaker.onSuccess(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("durationNanos");
        assertThatThrownBy(() -> breaker.onError(0, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("failure");
        assertThatThrownBy(() -> breaker.call(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(breaker.metrics().calls()).isZero();
        assertThat(events).isEmpty();
    }

    @Test
    void configurationsAreCheckedAtOnce() {
        CircuitBreaker.Config.Builder b = CircuitBreaker.Config.builder();
        assertThatThrownBy(() -> b.failureRateThreshold(0.0)).hasMessageContaining("failureRateThreshold");
        assertThatThrownBy(() -> b.failureRateThreshold(1.01)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.slowCallRateThreshold(Double.NaN)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> b.countWindow(0)).hasMessageContaining("size");
        assertThatThrownBy(() -> b.countWindow(CircuitBreaker.Config.MAX_WINDOW_SIZE + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.timeWindow(Duration.ofSeconds(10), Duration.ofSeconds(3)))
                .hasMessageContaining("whole number of buckets");
        assertThatThrownBy(() -> b.timeWindow(Duration.ofSeconds(2000))).hasMessageContaining("window / bucket");
        assertThatThrownBy(() -> b.timeWindow(Duration.ZERO)).hasMessageContaining("window");
        assertThatThrownBy(() -> b.minimumNumberOfCalls(0)).hasMessageContaining("minimumNumberOfCalls");
        assertThatThrownBy(() -> b.permittedCallsInHalfOpenState(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.waitDurationInOpenState(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.slowCallDuration(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.recordFailure(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CircuitBreaker.builder().name("")).isInstanceOf(IllegalArgumentException.class);
        // The failed setters left the builder's defaults untouched.
        assertThat(b.build().toString()).isEqualTo(CircuitBreaker.Config.defaults().toString());
        CircuitBreaker.Config derived = CircuitBreaker.Config.defaults().toBuilder().countWindow(7).build();
        assertThat(derived.windowSize()).isEqualTo(7);
        assertThat(derived.failureRateThreshold()).isEqualTo(0.5);
    }

    private static void failingCall(CircuitBreaker breaker) {
        assertThatThrownBy(() -> breaker.call(() -> {
            throw new IOException("down");
        })).isInstanceOf(IOException.class);
    }
}
