package dev.throttle.local.resilience;

import dev.throttle.Arguments;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The immutable policy of a {@link CircuitBreaker}: how outcomes are windowed, when the breaker trips, how long it
 * stays open and how it probes its way back.
 *
 * <p>Defaults: a count window of the last 100 calls, judged from 100 calls on; trips at a failure ratio of 0.5 or a
 * slow-call ratio of 1.0 (slow: 60 s or more); stays open 60 s; lets 10 probe calls through when half-open; every
 * throwable counts as a failure.
 */
public final class CircuitBreakerConfig {

    /** How the closed breaker's window of recent outcomes is delimited. */
    public enum WindowType {
        /** The last {@link CircuitBreakerConfig#windowSize()} calls. */
        COUNT_BASED,
        /** The calls of the last {@link CircuitBreakerConfig#window()} of time, counted in buckets. */
        TIME_BASED
    }

    /** The most calls a count window holds. */
    public static final int MAX_WINDOW_SIZE = 1 << 20;

    /** The most buckets a time window holds: each judgement sums them, so they must stay few. */
    public static final int MAX_BUCKETS = 1024;

    private static final CircuitBreakerConfig DEFAULTS = builder().build();

    private final WindowType windowType;
    private final int windowSize;
    private final long windowNanos;
    private final long bucketNanos;
    private final double failureRateThreshold;
    private final double slowCallRateThreshold;
    private final long slowCallDurationNanos;
    private final int minimumNumberOfCalls;
    private final long waitDurationInOpenStateNanos;
    private final int permittedCallsInHalfOpenState;
    private final Predicate<Throwable> recordFailure;

    private CircuitBreakerConfig(Builder builder) {
        this.windowType = builder.windowType;
        this.windowSize = builder.windowSize;
        this.windowNanos = builder.windowNanos;
        this.bucketNanos = builder.bucketNanos;
        this.failureRateThreshold = builder.failureRateThreshold;
        this.slowCallRateThreshold = builder.slowCallRateThreshold;
        this.slowCallDurationNanos = builder.slowCallDurationNanos;
        this.minimumNumberOfCalls = builder.minimumNumberOfCalls;
        this.waitDurationInOpenStateNanos = builder.waitDurationInOpenStateNanos;
        this.permittedCallsInHalfOpenState = builder.permittedCallsInHalfOpenState;
        this.recordFailure = builder.recordFailure;
    }

    /**
     * The default policy.
     *
     * @return the defaults
     */
    public static CircuitBreakerConfig defaults() {
        return DEFAULTS;
    }

    /**
     * A builder starting from the defaults.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from this policy, to derive another.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.windowType = windowType;
        builder.windowSize = windowSize;
        builder.windowNanos = windowNanos;
        builder.bucketNanos = bucketNanos;
        builder.failureRateThreshold = failureRateThreshold;
        builder.slowCallRateThreshold = slowCallRateThreshold;
        builder.slowCallDurationNanos = slowCallDurationNanos;
        builder.minimumNumberOfCalls = minimumNumberOfCalls;
        builder.waitDurationInOpenStateNanos = waitDurationInOpenStateNanos;
        builder.permittedCallsInHalfOpenState = permittedCallsInHalfOpenState;
        builder.recordFailure = recordFailure;
        return builder;
    }

    /**
     * How the window is delimited.
     *
     * @return the window type
     */
    public WindowType windowType() {
        return windowType;
    }

    /**
     * The calls a count window holds (meaningful for {@link WindowType#COUNT_BASED}).
     *
     * @return the size
     */
    public int windowSize() {
        return windowSize;
    }

    /**
     * The time a time window spans (meaningful for {@link WindowType#TIME_BASED}).
     *
     * @return the window
     */
    public Duration window() {
        return Duration.ofNanos(windowNanos);
    }

    /**
     * The granularity of a time window: outcomes leave the window a bucket at a time.
     *
     * @return the bucket
     */
    public Duration bucket() {
        return Duration.ofNanos(bucketNanos);
    }

    /**
     * The failure ratio, over the window, at or above which the breaker opens.
     *
     * @return a ratio in (0, 1]
     */
    public double failureRateThreshold() {
        return failureRateThreshold;
    }

    /**
     * The slow-call ratio, over the window, at or above which the breaker opens.
     *
     * @return a ratio in (0, 1]
     */
    public double slowCallRateThreshold() {
        return slowCallRateThreshold;
    }

    /**
     * The duration from which a call is slow.
     *
     * @return the duration
     */
    public Duration slowCallDuration() {
        return Duration.ofNanos(slowCallDurationNanos);
    }

    /**
     * The calls the window must hold before ratios are judged; for a count window, at most its size counts.
     *
     * @return 1 or more
     */
    public int minimumNumberOfCalls() {
        return minimumNumberOfCalls;
    }

    /**
     * How long the breaker stays open before letting probe calls through.
     *
     * @return the wait
     */
    public Duration waitDurationInOpenState() {
        return Duration.ofNanos(waitDurationInOpenStateNanos);
    }

    /**
     * The probe calls let through when half-open; all must finish, and their ratios decide.
     *
     * @return 1 or more
     */
    public int permittedCallsInHalfOpenState() {
        return permittedCallsInHalfOpenState;
    }

    /**
     * Which failures count against the service; the others count as successes.
     *
     * @return the predicate
     */
    public Predicate<Throwable> recordFailure() {
        return recordFailure;
    }

    long windowNanos() {
        return windowNanos;
    }

    long bucketNanos() {
        return bucketNanos;
    }

    long slowCallDurationNanos() {
        return slowCallDurationNanos;
    }

    long waitDurationInOpenStateNanos() {
        return waitDurationInOpenStateNanos;
    }

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
        if (calls < minimumCalls || calls == 0) {
            return false;
        }
        // Quotients, not products: failures / calls rounds to the same double as a decimal threshold equal to it
        // (3 / 10 and 0.3), where 0.3 * 10 rounds above 3 and would miss the threshold.
        return (double) failures / calls >= failureRateThreshold || (double) slowCalls / calls >= slowCallRateThreshold;
    }

    @Override
    public String toString() {
        String window = windowType == WindowType.COUNT_BASED
                ? "count(" + windowSize + ")"
                : "time(" + window() + " in buckets of " + bucket() + ")";
        return "CircuitBreakerConfig[window=" + window + ", failureRateThreshold=" + failureRateThreshold
                + ", slowCallRateThreshold=" + slowCallRateThreshold + ", slowCallDuration=" + slowCallDuration()
                + ", minimumNumberOfCalls=" + minimumNumberOfCalls + ", waitDurationInOpenState="
                + waitDurationInOpenState() + ", permittedCallsInHalfOpenState=" + permittedCallsInHalfOpenState + "]";
    }

    /** Builds a {@link CircuitBreakerConfig}; each setter checks its argument at once. */
    public static final class Builder {

        private WindowType windowType = WindowType.COUNT_BASED;
        private int windowSize = 100;
        private long windowNanos = Duration.ofSeconds(60).toNanos();
        private long bucketNanos = Duration.ofSeconds(1).toNanos();
        private double failureRateThreshold = 0.5;
        private double slowCallRateThreshold = 1.0;
        private long slowCallDurationNanos = Duration.ofSeconds(60).toNanos();
        private int minimumNumberOfCalls = 100;
        private long waitDurationInOpenStateNanos = Duration.ofSeconds(60).toNanos();
        private int permittedCallsInHalfOpenState = 10;
        private Predicate<Throwable> recordFailure = failure -> true;

        private Builder() {
        }

        /**
         * Judges the last {@code size} calls.
         *
         * @param size the calls in the window, from 1 to {@link #MAX_WINDOW_SIZE}
         * @return this builder
         * @throws IllegalArgumentException if {@code size} is out of range
         */
        public Builder countWindow(int size) {
            Arguments.requireInRange("size", size, 1, MAX_WINDOW_SIZE);
            this.windowType = WindowType.COUNT_BASED;
            this.windowSize = size;
            return this;
        }

        /**
         * Judges the calls of the last {@code window} of time, in buckets of one second.
         *
         * @param window the time spanned, a whole number of seconds, from 1 s to {@link #MAX_BUCKETS} s
         * @return this builder
         * @throws IllegalArgumentException if the window is null, not a whole number of seconds or out of range
         */
        public Builder timeWindow(Duration window) {
            return timeWindow(window, Duration.ofSeconds(1));
        }

        /**
         * Judges the calls of the last {@code window} of time, counted in buckets of {@code bucket}: the window holds
         * the current bucket and the {@code window / bucket - 1} before it, so an outcome leaves it between
         * {@code window - bucket} and {@code window} after it was recorded.
         *
         * @param window the time spanned, a whole number of buckets
         * @param bucket the granularity, from 1 ns; at most {@link #MAX_BUCKETS} buckets per window
         * @return this builder
         * @throws IllegalArgumentException if a duration is null or out of range, or the window is not a whole number
         *     of buckets
         */
        public Builder timeWindow(Duration window, Duration bucket) {
            long windowLength = Arguments.periodNanos("window", window);
            long bucketLength = Arguments.toNanos("bucket", bucket, 1L, windowLength);
            if (windowLength % bucketLength != 0) {
                throw new IllegalArgumentException("window = " + window + " is not a whole number of buckets of "
                        + bucket);
            }
            Arguments.requireInRange("window / bucket", windowLength / bucketLength, 1, MAX_BUCKETS);
            this.windowType = WindowType.TIME_BASED;
            this.windowNanos = windowLength;
            this.bucketNanos = bucketLength;
            return this;
        }

        /**
         * The failure ratio at or above which the breaker opens.
         *
         * @param threshold a ratio in (0, 1]
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder failureRateThreshold(double threshold) {
            this.failureRateThreshold = Ratios.requireRatio("failureRateThreshold", threshold);
            return this;
        }

        /**
         * The slow-call ratio at or above which the breaker opens.
         *
         * @param threshold a ratio in (0, 1]
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder slowCallRateThreshold(double threshold) {
            this.slowCallRateThreshold = Ratios.requireRatio("slowCallRateThreshold", threshold);
            return this;
        }

        /**
         * The duration from which a call is slow (a call lasting exactly this long is slow).
         *
         * @param duration from 1 ns to {@link Arguments#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if null or out of range
         */
        public Builder slowCallDuration(Duration duration) {
            this.slowCallDurationNanos = Arguments.periodNanos("slowCallDuration", duration);
            return this;
        }

        /**
         * The calls the window must hold before it is judged.
         *
         * @param calls 1 or more
         * @return this builder
         * @throws IllegalArgumentException if below one
         */
        public Builder minimumNumberOfCalls(int calls) {
            Arguments.requireInRange("minimumNumberOfCalls", calls, 1, Integer.MAX_VALUE);
            this.minimumNumberOfCalls = calls;
            return this;
        }

        /**
         * How long the breaker stays open before letting probe calls through.
         *
         * @param wait from 0 to {@link Arguments#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if null or out of range
         */
        public Builder waitDurationInOpenState(Duration wait) {
            this.waitDurationInOpenStateNanos = Arguments.waitNanos("waitDurationInOpenState", wait);
            return this;
        }

        /**
         * The probe calls let through when half-open.
         *
         * @param calls 1 or more
         * @return this builder
         * @throws IllegalArgumentException if below one
         */
        public Builder permittedCallsInHalfOpenState(int calls) {
            Arguments.requireInRange("permittedCallsInHalfOpenState", calls, 1, Integer.MAX_VALUE);
            this.permittedCallsInHalfOpenState = calls;
            return this;
        }

        /**
         * Which failures count against the service (a timeout, a connection refused); the others (a validation
         * error of the caller's own making) count as successes.
         *
         * @param predicate true for a failure that counts
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder recordFailure(Predicate<Throwable> predicate) {
            this.recordFailure = Arguments.requireNonNull("recordFailure", predicate);
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the immutable policy
         */
        public CircuitBreakerConfig build() {
            return new CircuitBreakerConfig(this);
        }
    }
}
