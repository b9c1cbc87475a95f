package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.testing.RecordingLogger;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What the circuit breaker and the retry budget write to the log: one line per change of state, never one per call,
 * rate-limited when they flap; each line checked exactly, captured by a logger handed to the component, on a manual
 * clock.
 */
class ResilienceLogTest {

    private final ManualClock clock = new ManualClock();
    private final RecordingLogger logger = new RecordingLogger("dev.throttle.local.resilience");

    private CircuitBreaker breaker(CircuitBreaker.Config.Builder config) {
        return CircuitBreaker.builder().name("db").ticker(clock).config(config.build()).logger(logger).build();
    }

    @Test
    void aBreakerLogsOpeningHalfOpeningAndClosingOnceEach() {
        CircuitBreaker breaker = breaker(CircuitBreaker.Config.builder().countWindow(4).minimumNumberOfCalls(4)
                .failureRateThreshold(0.5).waitDurationInOpenState(Duration.ofSeconds(30))
                .permittedCallsInHalfOpenState(2));
        succeed(breaker);
        succeed(breaker);
        fail(breaker);
        fail(breaker);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> breaker.run(() -> { })).isInstanceOf(CallNotPermittedException.class);
        }
        clock.advance(Duration.ofSeconds(30));
        succeed(breaker);
        succeed(breaker);
        for (int i = 0; i < 10; i++) {
            succeed(breaker);
        }
        assertThat(logger.lines()).containsExactly(
                "INFO Circuit breaker db: CLOSED -> OPEN: failure rate 50% (threshold 50%) over the last 4 calls;"
                        + " calls are refused for 30 s",
                "INFO Circuit breaker db: OPEN -> HALF_OPEN: the open duration of 30 s has elapsed; letting 2 probe"
                        + " calls through",
                "INFO Circuit breaker db: HALF_OPEN -> CLOSED: failure rate 0% (threshold 50%) and slow-call rate 0%"
                        + " (threshold 100%) over 2 probe calls; calls go through again");
    }

    @Test
    void aBreakerNamesSlowCallsAndFailedProbes() {
        CircuitBreaker breaker = breaker(CircuitBreaker.Config.builder().timeWindow(Duration.ofSeconds(10))
                .minimumNumberOfCalls(2).slowCallDuration(Duration.ofSeconds(1)).slowCallRateThreshold(0.5)
                .waitDurationInOpenState(Duration.ofSeconds(5)).permittedCallsInHalfOpenState(1));
        slow(breaker);
        slow(breaker);
        clock.advance(Duration.ofSeconds(5));
        fail(breaker);
        assertThat(logger.lines()).containsExactly(
                "INFO Circuit breaker db: CLOSED -> OPEN: slow-call rate 100% (threshold 50%, slow from 1 s) over 2"
                        + " calls in the last 10 s; calls are refused for 5 s",
                "INFO Circuit breaker db: OPEN -> HALF_OPEN: the open duration of 5 s has elapsed; letting 1 probe"
                        + " call through",
                "INFO Circuit breaker db: HALF_OPEN -> OPEN: failure rate 100% (threshold 50%) over 1 probe call;"
                        + " calls are refused for 5 s");
    }

    @Test
    void aFlappingBreakerWritesOneLineOfEachKindEveryTenSeconds() {
        CircuitBreaker breaker = breaker(CircuitBreaker.Config.builder().countWindow(1).minimumNumberOfCalls(1)
                .waitDurationInOpenState(Duration.ofSeconds(1)).permittedCallsInHalfOpenState(1));
        fail(breaker);                                 // 0 s: opens
        for (int second = 1; second <= 24; second++) { // each second: probes, fails, opens again
            clock.advance(Duration.ofSeconds(1));
            fail(breaker);
        }
        clock.advance(Duration.ofSeconds(1));          // 25 s: the probe succeeds
        succeed(breaker);
        String halfOpen = "INFO Circuit breaker db: OPEN -> HALF_OPEN: the open duration of 1 s has elapsed; letting"
                + " 1 probe call through";
        String reopened = "INFO Circuit breaker db: HALF_OPEN -> OPEN: failure rate 100% (threshold 50%) over 1 probe"
                + " call; calls are refused for 1 s";
        String suppressed = " (9 similar events suppressed in the last 10 s)";
        assertThat(logger.lines()).containsExactly(
                "INFO Circuit breaker db: CLOSED -> OPEN: failure rate 100% (threshold 50%) over the last 1 call;"
                        + " calls are refused for 1 s",
                halfOpen, reopened,                        // 1 s
                halfOpen + suppressed, reopened + suppressed, // 11 s
                halfOpen + suppressed, reopened + suppressed, // 21 s; 22 to 25 s are within the window
                "INFO Circuit breaker db: HALF_OPEN -> CLOSED: failure rate 0% (threshold 50%) and slow-call rate 0%"
                        + " (threshold 100%) over 1 probe call; calls go through again");
    }

    @Test
    void aBreakerWritesNothingToALoggerOffAtInfo() {
        RecordingLogger warningsOnly = new RecordingLogger("dev.throttle.local.resilience", Level.WARNING);
        CircuitBreaker breaker = CircuitBreaker.builder().name("db").ticker(clock).logger(warningsOnly)
                .config(CircuitBreaker.Config.builder().countWindow(1).minimumNumberOfCalls(1).build()).build();
        fail(breaker);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(warningsOnly.lines()).isEmpty();
    }

    @Test
    void aRetryBudgetLogsRunningDryAndRecoveringOnce() throws Exception {
        RetryBudget budget = RetryBudget.of(0.25, 0, Duration.ofSeconds(10), clock, logger);
        Retry retry = Retry.builder().name("billing").budget(budget)
                .config(Retry.Config.builder().maxAttempts(2).baseDelay(Duration.ZERO).maxDelay(Duration.ZERO).build())
                .build();
        for (int i = 0; i < 3; i++) { // each call earns a quarter of a retry: the first retry needs four calls
            int call = i;
            assertThatThrownBy(() -> retry.call(() -> {
                throw new IOException("call " + call);
            })).isInstanceOf(IOException.class);
        }
        clock.advance(Duration.ofSeconds(4));
        assertThat(retry.call(new FailsOnce())).isEqualTo("second attempt");
        assertThat(logger.lines()).containsExactly(
                "WARNING Retry budget (25% of calls + 0/s over 10 s) ran dry at a retry of billing: 0 retries for 1"
                        + " call in the last 10 s; failures are returned without retrying until calls earn more"
                        + " retries",
                "INFO Retry budget (25% of calls + 0/s over 10 s) allows retries again after 4 s; 3 retries were"
                        + " refused meanwhile");
    }

    /** Fails its first attempt and succeeds on its second. */
    private static final class FailsOnce implements java.util.concurrent.Callable<String> {
        private int attempts;

        @Override
        public String call() throws IOException {
            if (++attempts == 1) {
                throw new IOException("first attempt");
            }
            return "second attempt";
        }
    }

    private static void succeed(CircuitBreaker breaker) {
        breaker.run(() -> { });
    }

    private static void fail(CircuitBreaker breaker) {
        try {
            breaker.call(() -> {
                throw new IOException("down");
            });
        } catch (Exception expected) {
            // The failure is the point: it counts against the breaker (or the breaker refused the call).
        }
    }

    private void slow(CircuitBreaker breaker) {
        breaker.run(() -> clock.advance(Duration.ofSeconds(2)));
    }
}
