package dev.throttle.local.resilience;

import dev.throttle.kernel.Arguments;
import dev.throttle.local.resilience.CircuitBreaker.Config.WindowType;
import dev.throttle.local.resilience.CircuitBreaker.Config;
import java.time.Duration;

/**
 * The checked values behind a {@link CircuitBreaker.Config}, and the rules the breaker applies with them: the checks
 * of the builder's arguments, the judgement of a window, the window a closed breaker starts with. They live here so
 * that CircuitBreaker.java holds the public API and the state machine, not the arithmetic of its policy.
 *
 * <p>Immutable: each builder setter derives a new instance. A builder is used rarely, so the allocation is free, and
 * in exchange a setter that throws leaves its builder exactly as it was, and {@code toBuilder()} shares a policy's
 * settings instead of copying eleven fields.
 */
final class BreakerSettings {

    /** The documented defaults of {@link CircuitBreaker.Config}. */
    static final BreakerSettings DEFAULTS = new BreakerSettings(WindowType.COUNT_BASED, 100,
            Duration.ofSeconds(60).toNanos(), Duration.ofSeconds(1).toNanos(), 0.5, 1.0,
            Duration.ofSeconds(60).toNanos(), 100, Duration.ofSeconds(60).toNanos(), 10, OutcomeClassifier.DEFAULT);

    final WindowType windowType;
    final int windowSize;
    final long windowNanos;
    final long bucketNanos;
    final double failureRateThreshold;
    final double slowCallRateThreshold;
    final long slowCallDurationNanos;
    final int minimumNumberOfCalls;
    final long waitDurationInOpenStateNanos;
    final int permittedCallsInHalfOpenState;
    /** Which outcomes are failures, successes, or ignored. */
    final OutcomeClassifier classifier;

    private BreakerSettings(WindowType windowType, int windowSize, long windowNanos, long bucketNanos,
            double failureRateThreshold, double slowCallRateThreshold, long slowCallDurationNanos,
            int minimumNumberOfCalls, long waitDurationInOpenStateNanos, int permittedCallsInHalfOpenState,
            OutcomeClassifier classifier) {
        this.windowType = windowType;
        this.windowSize = windowSize;
        this.windowNanos = windowNanos;
        this.bucketNanos = bucketNanos;
        this.failureRateThreshold = failureRateThreshold;
        this.slowCallRateThreshold = slowCallRateThreshold;
        this.slowCallDurationNanos = slowCallDurationNanos;
        this.minimumNumberOfCalls = minimumNumberOfCalls;
        this.waitDurationInOpenStateNanos = waitDurationInOpenStateNanos;
        this.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
        this.classifier = classifier;
    }

    // ---- the builder's setters: check, then derive ----

    BreakerSettings countWindow(int size) {
        Arguments.requireInRange("size", size, 1, Config.MAX_WINDOW_SIZE);
        return new BreakerSettings(WindowType.COUNT_BASED, size, windowNanos, bucketNanos, failureRateThreshold,
                slowCallRateThreshold, slowCallDurationNanos, minimumNumberOfCalls, waitDurationInOpenStateNanos,
                permittedCallsInHalfOpenState, classifier);
    }

    BreakerSettings timeWindow(Duration window, Duration bucket) {
        long windowLength = Arguments.periodNanos("window", window);
        long bucketLength = Arguments.toNanos("bucket", bucket, 1L, windowLength);
        if (windowLength % bucketLength != 0) {
            throw new IllegalArgumentException("window = " + window + " is not a whole number of buckets of "
                    + bucket);
        }
        // Each judgement sums every bucket: the bound keeps that sum cheap.
        Arguments.requireInRange("window / bucket", windowLength / bucketLength, 1, Config.MAX_BUCKETS);
        return new BreakerSettings(WindowType.TIME_BASED, windowSize, windowLength, bucketLength,
                failureRateThreshold, slowCallRateThreshold, slowCallDurationNanos, minimumNumberOfCalls,
                waitDurationInOpenStateNanos, permittedCallsInHalfOpenState, classifier);
    }

    BreakerSettings failureRateThreshold(double threshold) {
        return new BreakerSettings(windowType, windowSize, windowNanos, bucketNanos,
                Ratios.requireRatio("failureRateThreshold", threshold), slowCallRateThreshold, slowCallDurationNanos,
                minimumNumberOfCalls, waitDurationInOpenStateNanos, permittedCallsInHalfOpenState, classifier);
    }

    BreakerSettings slowCallRateThreshold(double threshold) {
        return new BreakerSettings(windowType, windowSize, windowNanos, bucketNanos, failureRateThreshold,
                Ratios.requireRatio("slowCallRateThreshold", threshold), slowCallDurationNanos, minimumNumberOfCalls,
                waitDurationInOpenStateNanos, permittedCallsInHalfOpenState, classifier);
    }

    BreakerSettings slowCallDuration(Duration duration) {
        return new BreakerSettings(windowType, windowSize, windowNanos, bucketNanos, failureRateThreshold,
                slowCallRateThreshold, Arguments.periodNanos("slowCallDuration", duration), minimumNumberOfCalls,
                waitDurationInOpenStateNanos, permittedCallsInHalfOpenState, classifier);
    }

    BreakerSettings minimumNumberOfCalls(int calls) {
        Arguments.requireInRange("minimumNumberOfCalls", calls, 1, Integer.MAX_VALUE);
        return new BreakerSettings(windowType, windowSize, windowNanos, bucketNanos, failureRateThreshold,
                slowCallRateThreshold, slowCallDurationNanos, calls, waitDurationInOpenStateNanos,
                permittedCallsInHalfOpenState, classifier);
    }

    BreakerSettings waitDurationInOpenState(Duration wait) {
        return new BreakerSettings(windowType, windowSize, windowNanos, bucketNanos, failureRateThreshold,
                slowCallRateThreshold, slowCallDurationNanos, minimumNumberOfCalls,
                Arguments.waitNanos("waitDurationInOpenState", wait), permittedCallsInHalfOpenState, classifier);
    }

    BreakerSettings permittedCallsInHalfOpenState(int calls) {
        Arguments.requireInRange("permittedCallsInHalfOpenState", calls, 1, Integer.MAX_VALUE);
        return new BreakerSettings(windowType, windowSize, windowNanos, bucketNanos, failureRateThreshold,
                slowCallRateThreshold, slowCallDurationNanos, minimumNumberOfCalls, waitDurationInOpenStateNanos,
                calls, classifier);
    }

    BreakerSettings classifier(OutcomeClassifier next) {
        return new BreakerSettings(windowType, windowSize, windowNanos, bucketNanos, failureRateThreshold,
                slowCallRateThreshold, slowCallDurationNanos, minimumNumberOfCalls, waitDurationInOpenStateNanos,
                permittedCallsInHalfOpenState, next);
    }

    // ---- the rules the breaker applies ----

    /** The calls that must be in the window before it is judged: a count window can never hold more than its size. */
    int effectiveMinimumCalls() {
        return windowType == WindowType.COUNT_BASED ? Math.min(minimumNumberOfCalls, windowSize) : minimumNumberOfCalls;
    }

    /**
     * Tells whether outcomes call for opening: enough calls, and a ratio at or above its threshold.
     *
     * @param calls the calls judged
     * @param failures those that failed
     * @param slowCalls those that were slow
     * @param minimumCalls the calls needed to judge at all
     * @return true to open
     */
    boolean trips(long calls, long failures, long slowCalls, long minimumCalls) {
        // A window without a failure or a slow call never trips (both thresholds are above zero): the usual case,
        // decided without dividing.
        if (calls < minimumCalls || calls == 0 || (failures == 0 && slowCalls == 0)) {
            return false;
        }
        // Quotients, not products: failures / calls rounds to the same double as a decimal threshold equal to it
        // (3 / 10 and 0.3), where 0.3 * 10 rounds above 3 and would miss the threshold.
        return (double) failures / calls >= failureRateThreshold || (double) slowCalls / calls >= slowCallRateThreshold;
    }

    /** A new, empty window of the configured kind, for a breaker that closes; it judges itself by these rules. */
    OutcomeWindow newWindow() {
        long minimumCalls = effectiveMinimumCalls();
        OutcomeWindow.Verdict verdict = (calls, failures, slowCalls) -> trips(calls, failures, slowCalls, minimumCalls);
        return windowType == WindowType.COUNT_BASED
                ? new CountWindow(windowSize, verdict)
                : new TimeWindow(windowNanos, bucketNanos, verdict);
    }

    @Override
    public String toString() {
        String window = windowType == WindowType.COUNT_BASED
                ? "count(" + windowSize + ")"
                : "time(" + Duration.ofNanos(windowNanos) + " in buckets of " + Duration.ofNanos(bucketNanos) + ")";
        return "CircuitBreaker.Config[window=" + window + ", failureRateThreshold=" + failureRateThreshold
                + ", slowCallRateThreshold=" + slowCallRateThreshold + ", slowCallDuration="
                + Duration.ofNanos(slowCallDurationNanos) + ", minimumNumberOfCalls=" + minimumNumberOfCalls
                + ", waitDurationInOpenState=" + Duration.ofNanos(waitDurationInOpenStateNanos)
                + ", permittedCallsInHalfOpenState=" + permittedCallsInHalfOpenState + "]";
    }
}
