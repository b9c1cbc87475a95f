package dev.throttle.local.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.local.resilience.CircuitBreaker.State;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The breaker's state machine as a table: a configuration, a script of steps, and the state expected after each step.
 *
 * <p>Steps: {@code s} a permitted call that succeeds, {@code f} one that fails, {@code slow} one that succeeds in
 * the slow-call duration, {@code i} one that fails with an exception {@code recordFailure} does not count (a success),
 * {@code ig} one that fails with an exception {@code ignoreFailure} ignores (neither success nor failure), {@code r503}
 * / {@code r200} one that returns a status {@code recordResult} counts as a failure / does not, {@code x} a call that
 * must be refused,
 * {@code acq} a permission taken and not yet reported, {@code ps}/{@code pf} the success/failure of such a pending
 * call, {@code rel} a pending permission given back, {@code +10s}/{@code +500ms} time passing. States: {@code C}
 * closed, {@code O} open, {@code H} half-open.
 */
class CircuitBreakerStateMachineTest {

    private static final Duration SLOW = Duration.ofSeconds(2);

    static Stream<Arguments> scripts() {
        return Stream.of(
                row("count: below the failure ratio stays closed, at it opens",
                        b -> b.countWindow(4).minimumNumberOfCalls(4),
                        "s s s f f", "C C C C O"),
                row("count: no judgement before the minimum number of calls",
                        b -> b.countWindow(10).minimumNumberOfCalls(5),
                        "f f f f f", "C C C C O"),
                row("count: a minimum above the window size means the window size",
                        b -> b.countWindow(3).minimumNumberOfCalls(50),
                        "f f f", "C C O"),
                row("count: old outcomes slide out of the window",
                        b -> b.countWindow(4).minimumNumberOfCalls(4),
                        "f s s s s f f", "C C C C C C O"),
                row("count: a ratio of exactly 0.3 trips a 0.3 threshold",
                        b -> b.countWindow(10).minimumNumberOfCalls(10).failureRateThreshold(0.3),
                        "f f s s s s s s s f", "C C C C C C C C C O"),
                row("count: slow calls trip the slow-call ratio",
                        b -> b.countWindow(4).minimumNumberOfCalls(4).slowCallRateThreshold(0.5),
                        "slow s s slow", "C C C O"),
                row("count: slow calls below the slow-call ratio do not trip",
                        b -> b.countWindow(4).minimumNumberOfCalls(4).slowCallRateThreshold(0.75),
                        "slow s s slow s", "C C C C C"),
                row("count: failures recordFailure does not count are successes",
                        b -> b.countWindow(4).minimumNumberOfCalls(4),
                        "i i i f i", "C C C C C"),
                // Resilience4j's ignoreExceptions: an ignored exception is neither a success nor a failure.
                row("count: an ignored failure is not a call: with a window of 2, a failure and an ignored one do not"
                        + " make 50%", b -> b.countWindow(2).minimumNumberOfCalls(2),
                        "f ig ig ig", "C C C C"),
                row("count: ignored failures do not dilute the ratio", b -> b.countWindow(4).minimumNumberOfCalls(4),
                        "s f ig ig s f", "C C C C C O"),
                row("count: ignoring takes precedence over recording: only f and s are calls, and 50% opens",
                        b -> b.countWindow(2).minimumNumberOfCalls(2)
                                .recordFailure(failure -> true), // CancellationException would count, if not ignored
                        "ig ig f ig s", "C C C C O"),
                // Resilience4j's shouldIgnoreExceptionsAndThenTransitionToClosed and
                // shouldReleasePermissionWhenExceptionIgnored: an ignored probe gives its permission back.
                row("half-open: ignored probes release their permission, and successes then close",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(5))
                                .permittedCallsInHalfOpenState(4),
                        "f f +5s ig ig ig ig s s s s", "C O O H H H H H H H C"),
                row("half-open: three successes, an ignored probe, then a failure completes the four probes",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(5))
                                .permittedCallsInHalfOpenState(4).failureRateThreshold(0.5),
                        "f f +5s s s s ig f", "C O O H H H H C"),
                row("half-open: an ignored pending probe lets another through",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(1))
                                .permittedCallsInHalfOpenState(1),
                        "f f +1s acq x pig s", "C O O H H H C"),
                // Results counted as failures (an HTTP 503 returned, not thrown).
                row("count: results recordResult counts are failures",
                        b -> b.countWindow(4).minimumNumberOfCalls(4),
                        "r200 r503 r200 r503", "C C C O"),
                row("count: other results are successes", b -> b.countWindow(4).minimumNumberOfCalls(4),
                        "r200 r200 r503 r200 rnull rtext", "C C C C C C"),
                row("half-open: a probe returning a failed result opens again",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(1))
                                .permittedCallsInHalfOpenState(1),
                        "r503 r503 +1s r503", "C O O O"),
                row("open: refuses until the wait is over, then probes and closes",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(10))
                                .permittedCallsInHalfOpenState(2),
                        "f f x +9s x +1s s s s", "C O O O O O H C C"),
                row("half-open: a failed probe at the ratio opens again",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(10))
                                .permittedCallsInHalfOpenState(2),
                        "f f +10s s f x +10s f", "C O O H O O O H"),
                row("half-open: refuses beyond the permitted probes and waits for all of them",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(1))
                                .permittedCallsInHalfOpenState(3),
                        "f f +1s acq acq acq x ps pf x pf", "C O O H H H H H H H O"),
                row("half-open: probes below the ratio close it",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofMillis(500))
                                .permittedCallsInHalfOpenState(3),
                        "f f +500ms acq acq acq pf ps ps", "C O O H H H H H C"),
                row("half-open: slow probes open again",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(1))
                                .permittedCallsInHalfOpenState(2).slowCallRateThreshold(0.5),
                        "f f +1s s slow", "C O O H O"),
                row("half-open: a released probe lets another through",
                        b -> b.countWindow(2).minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(1))
                                .permittedCallsInHalfOpenState(1),
                        "f f +1s acq x rel s", "C O O H H H C"),
                row("closed again: the window starts empty",
                        b -> b.countWindow(4).minimumNumberOfCalls(4).waitDurationInOpenState(Duration.ofSeconds(1))
                                .permittedCallsInHalfOpenState(1),
                        "f f f f +1s s f f f f", "C C C O O C C C C O"),
                row("time: outcomes older than the window leave it",
                        b -> b.timeWindow(Duration.ofSeconds(10)).minimumNumberOfCalls(3),
                        "f +5s f +5s s f", "C C C C C O"),
                row("time: within the window the same outcomes open",
                        b -> b.timeWindow(Duration.ofSeconds(10)).minimumNumberOfCalls(3),
                        "f +5s f +4s s", "C C C C O"),
                row("time: coarse buckets drop a whole bucket at once",
                        b -> b.timeWindow(Duration.ofSeconds(10), Duration.ofSeconds(5)).minimumNumberOfCalls(2),
                        "+4s f +6s f", "C C C C"),
                row("time: the same outcomes in fine buckets are still in the window",
                        b -> b.timeWindow(Duration.ofSeconds(10)).minimumNumberOfCalls(2),
                        "+4s f +6s f", "C C C O"),
                row("time: slow calls over the window",
                        b -> b.timeWindow(Duration.ofSeconds(4)).minimumNumberOfCalls(2).slowCallRateThreshold(1.0),
                        "slow +4s slow slow", "C C C O"),
                row("time: an idle breaker forgets its failures",
                        b -> b.timeWindow(Duration.ofSeconds(2)).minimumNumberOfCalls(2),
                        "f +1h f +1h f f", "C C C C C O"));
    }

    private static Arguments row(String name, UnaryOperator<CircuitBreaker.Config.Builder> config, String script,
            String states) {
        return Arguments.of(name, config, script, states);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void followsTheScript(String name, UnaryOperator<CircuitBreaker.Config.Builder> config, String script,
            String expected) {
        ManualClock ticker = new ManualClock(123_456_789L);
        CircuitBreaker breaker = CircuitBreaker.builder()
                .name(name)
                .ticker(ticker)
                .config(config.apply(CircuitBreaker.Config.builder().slowCallDuration(SLOW)
                        .recordFailure(failure -> !(failure instanceof IllegalArgumentException))
                        .ignoreFailure(failure -> failure instanceof CancellationException)
                        .recordResult(Integer.class, status -> status >= 500)).build())
                .build();
        String[] steps = script.split(" ");
        String[] states = expected.split(" ");
        assertThat(states).as("the table row itself").hasSameSizeAs(steps);
        List<String> seen = new ArrayList<>();
        for (String step : steps) {
            apply(breaker, ticker, step);
            seen.add(letter(breaker.state()));
        }
        assertThat(String.join(" ", seen)).as(script).isEqualTo(expected);
    }

    private static void apply(CircuitBreaker breaker, ManualClock ticker, String step) {
        switch (step) {
            case "s":
                permitted(breaker);
                breaker.onSuccess(0L);
                break;
            case "f":
                permitted(breaker);
                breaker.onError(0L, new IOException("down"));
                break;
            case "slow":
                permitted(breaker);
                breaker.onSuccess(SLOW.toNanos());
                break;
            case "i":
                permitted(breaker);
                breaker.onError(0L, new IllegalArgumentException("caller's fault"));
                break;
            case "ig":
                permitted(breaker);
                breaker.onError(0L, new CancellationException("cancelled by the caller"));
                break;
            case "pig":
                breaker.onError(0L, new CancellationException("cancelled by the caller"));
                break;
            case "r503":
                permitted(breaker);
                breaker.onResult(0L, 503);
                break;
            case "r200":
                permitted(breaker);
                breaker.onResult(0L, 200);
                break;
            case "rnull":
                permitted(breaker);
                breaker.onResult(0L, null);
                break;
            case "rtext":
                permitted(breaker);
                breaker.onResult(0L, "503");
                break;
            case "x":
                assertThat(breaker.tryAcquirePermission()).as("refused").isFalse();
                break;
            case "acq":
                permitted(breaker);
                break;
            case "ps":
                breaker.onSuccess(0L);
                break;
            case "pf":
                breaker.onError(0L, new IOException("down"));
                break;
            case "rel":
                breaker.releasePermission();
                break;
            default:
                ticker.advance(duration(step));
        }
    }

    /** Parses {@code +500ms}, {@code +10s} or {@code +1h}. */
    private static Duration duration(String step) {
        assertThat(step).as("a step").matches("\\+\\d+(ms|s|h)");
        String digits = step.replaceAll("\\D", "");
        long amount = Long.parseLong(digits);
        if (step.endsWith("ms")) {
            return Duration.ofMillis(amount);
        }
        return step.endsWith("h") ? Duration.ofHours(amount) : Duration.ofSeconds(amount);
    }

    private static void permitted(CircuitBreaker breaker) {
        assertThat(breaker.tryAcquirePermission()).as("permitted").isTrue();
    }

    private static String letter(State state) {
        switch (state) {
            case CLOSED:
                return "C";
            case OPEN:
                return "O";
            default:
                return "H";
        }
    }
}
