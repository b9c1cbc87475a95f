package dev.throttle.local.resilience;

import dev.throttle.Ticker;
import dev.throttle.kernel.Durations;
import dev.throttle.kernel.EventLog;
import dev.throttle.kernel.SpecText;
import dev.throttle.local.resilience.CircuitBreaker.Config.WindowType;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * What a {@link CircuitBreaker} writes to the log: one INFO line per change of state, saying which breaker, from which
 * state to which, and why, in words an operator reads without knowing the code, for example
 * {@code Circuit breaker db: CLOSED -> OPEN: failure rate 60% (threshold 50%) over the last 10 calls; calls are
 * refused for 1 min}, or {@code Circuit breaker db: OPEN -> HALF_OPEN: the open duration of 1 min has elapsed; letting
 * 10 probe calls through}.
 *
 * <p>Never a line per call. The lines are rate-limited per kind of change ({@link EventLog}), so a flapping breaker
 * writes at most one line of each kind every ten seconds, with a count of those it left out.
 */
final class BreakerLog {

    /** Where breakers log unless a test says otherwise: the package's logger. */
    static final System.Logger LOGGER = System.getLogger(CircuitBreaker.class.getPackageName());

    private final String name;
    private final BreakerSettings settings;
    private final System.Logger logger;
    private final EventLog log;

    BreakerLog(String name, BreakerSettings settings, System.Logger logger, Ticker ticker) {
        this.name = name;
        this.settings = settings;
        this.logger = logger;
        this.log = EventLog.of(logger, ticker);
    }

    /** The window's ratios crossed a threshold: the breaker opened. */
    void opened(long calls, long failures, long slowCalls) {
        info("CLOSED->OPEN", () -> prefix("CLOSED", "OPEN") + crossed(calls, failures, slowCalls)
                + " over " + window(calls) + "; calls are refused for " + openDuration());
    }

    /** The open duration passed and a call asked: the breaker lets probes through. */
    void halfOpened() {
        info("OPEN->HALF_OPEN", () -> prefix("OPEN", "HALF_OPEN") + "the open duration of "
                + openDuration() + " has elapsed; letting " + settings.permittedCallsInHalfOpenState
                + (settings.permittedCallsInHalfOpenState == 1 ? " probe call" : " probe calls") + " through");
    }

    /** Every probe finished and their ratios crossed a threshold: the breaker opened again. */
    void reopened(long probes, long failures, long slowCalls) {
        info("HALF_OPEN->OPEN", () -> prefix("HALF_OPEN", "OPEN") + crossed(probes, failures, slowCalls)
                + " over " + probes(probes) + "; calls are refused for " + openDuration());
    }

    /** Every probe finished below both thresholds: the breaker closed. */
    void closed(long probes, long failures, long slowCalls) {
        info("HALF_OPEN->CLOSED", () -> prefix("HALF_OPEN", "CLOSED") + "failure rate "
                + ratio(failures, probes) + " (threshold " + SpecText.percent(settings.failureRateThreshold)
                + ") and slow-call rate " + ratio(slowCalls, probes) + " (threshold "
                + SpecText.percent(settings.slowCallRateThreshold) + ") over " + probes(probes)
                + "; calls go through again");
    }

    /** Writes the line of a change unless the rate limit holds it back; a failing logger changes nothing. */
    private void info(String kind, Supplier<String> message) {
        String line = log.admit(kind, Level.INFO, message);
        if (line != null) {
            try {
                logger.log(Level.INFO, line);
            } catch (RuntimeException ignored) {
                // Logging must not change what the breaker decides.
            }
        }
    }

    private String prefix(String from, String to) {
        return "Circuit breaker " + name + ": " + from + " -> " + to + ": ";
    }

    /** The ratios at or above their thresholds, with the thresholds; at least one is, or the breaker would not trip. */
    private String crossed(long calls, long failures, long slowCalls) {
        boolean failing = (double) failures / calls >= settings.failureRateThreshold;
        boolean slow = (double) slowCalls / calls >= settings.slowCallRateThreshold;
        String failureText = "failure rate " + ratio(failures, calls) + " (threshold "
                + SpecText.percent(settings.failureRateThreshold) + ")";
        String slowText = "slow-call rate " + ratio(slowCalls, calls) + " (threshold "
                + SpecText.percent(settings.slowCallRateThreshold) + ", slow from "
                + Durations.text(settings.slowCallDurationNanos) + ")";
        if (failing && slow) {
            return failureText + " and " + slowText;
        }
        return slow ? slowText : failureText;
    }

    private String window(long calls) {
        return settings.windowType == WindowType.COUNT_BASED
                ? "the last " + calls + (calls == 1 ? " call" : " calls")
                : calls + (calls == 1 ? " call" : " calls") + " in the last " + Durations.text(settings.windowNanos);
    }

    private static String probes(long probes) {
        return probes + (probes == 1 ? " probe call" : " probe calls");
    }

    private String openDuration() {
        return Durations.text(settings.waitDurationInOpenStateNanos);
    }

    private static String ratio(long part, long calls) {
        return SpecText.percent(calls == 0 ? 0.0 : (double) part / calls);
    }
}
