package dev.throttle.local.adaptive;

import dev.throttle.ConcurrencyStats;
import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * A reading of a backend's health at a moment, that steers an adaptive rate: the larger the reading, the less healthy
 * the backend (an error ratio, a latency, requests in flight, a 429/503 ratio). {@link Double#NaN} means "no
 * evidence" (too few calls in the window): a limiter holds its rate on it.
 *
 * <p>Built-ins: {@link #errorRatio}, {@link #latencyPercentile}, {@link #retryAfter}, and the
 * adapters below. A limiter reads its signal at most once per evaluation interval, from one thread at a time, so a
 * reading may cost a little (a sum over a window); it must not block. A reading that throws is treated as "no
 * evidence".
 */
@FunctionalInterface
public interface HealthSignal {

    /**
     * Reads the signal.
     *
     * @param nowNanos the limiter's ticker reading
     * @return the reading, larger is less healthy, or {@link Double#NaN} for no evidence
     */
    double read(long nowNanos);

    /**
     * Any gauge as a signal, for example a backend's ratio of 429 and 503 answers kept by the caller.
     *
     * @param gauge read on each evaluation
     * @return the signal
     * @throws IllegalArgumentException if {@code gauge} is null
     */
    static HealthSignal gauge(DoubleSupplier gauge) {
        Arguments.requireNonNull("gauge", gauge);
        return now -> gauge.getAsDouble();
    }

    /**
     * The permits in flight in a bulkhead or adaptive concurrency limiter, as a count.
     *
     * @param stats the limiter's live state
     * @return the signal
     * @throws IllegalArgumentException if {@code stats} is null
     */
    static HealthSignal inFlight(ConcurrencyStats stats) {
        Arguments.requireNonNull("stats", stats);
        return now -> stats.inFlight();
    }

    /**
     * The permits in flight as a fraction of the concurrency limit: 1.0 means saturated.
     *
     * @param stats the limiter's live state
     * @return the signal
     * @throws IllegalArgumentException if {@code stats} is null
     */
    static HealthSignal inFlightRatio(ConcurrencyStats stats) {
        Arguments.requireNonNull("stats", stats);
        return now -> (double) stats.inFlight() / Math.max(1L, stats.limit());
    }

    /**
     * The worse of two signals: the larger reading; a signal without evidence yields to the other.
     *
     * @param other the other signal, on the same scale (thresholds apply to both)
     * @return the combined signal
     * @throws IllegalArgumentException if {@code other} is null
     */
    default HealthSignal or(HealthSignal other) {
        Arguments.requireNonNull("other", other);
        HealthSignal self = this;
        return now -> {
            double a = self.read(now);
            double b = other.read(now);
            if (Double.isNaN(a)) {
                return b;
            }
            return Double.isNaN(b) ? a : Math.max(a, b);
        };
    }

    /**
     * An error ratio over a sliding window: failed calls divided by calls, read as NaN (no evidence) while the window
     * holds fewer than a minimum of calls. Feed it every call's outcome, or let an adaptive rate limiter feed it its
     * permits' ends ({@code feedOutcomes}).
     *
     * @param ticker the clock outcomes are stamped with; the limiter's own, so that its readings line up
     * @param window the length of the window, a whole number of nanoseconds per bucket
     * @param buckets how many buckets of time the window is cut into, from 1 to 3600: more buckets forget more
     *     smoothly; the window at a moment spans between {@code (buckets − 1)/buckets} and all of {@code window}
     * @param minimumCalls the calls the window must hold for a reading, 1 or more; fewer read as NaN
     * @return the signal
     * @throws IllegalArgumentException if an argument is null or out of range
     */
    static ErrorRatio errorRatio(Ticker ticker, Duration window, int buckets, long minimumCalls) {
        return ErrorRatioSignal.over(ticker, window, buckets, minimumCalls);
    }

    /**
     * A latency percentile over a sliding window, in nanoseconds, read as NaN while the window holds fewer than a
     * minimum of samples. Feed it every call's latency.
     *
     * @param ticker the clock samples are stamped with; the limiter's own
     * @param window the length of the window, a whole number of nanoseconds per bucket
     * @param buckets how many buckets of time the window is cut into, from 1 to 3600
     * @param percentile which percentile, in (0, 100], for example 99.0
     * @param minimumSamples the samples the window must hold for a reading, 1 or more; fewer read as NaN
     * @return the signal
     * @throws IllegalArgumentException if an argument is null or out of range
     */
    static LatencyPercentile latencyPercentile(Ticker ticker, Duration window, int buckets, double percentile,
            long minimumSamples) {
        return LatencyPercentileSignal.over(ticker, window, buckets, percentile, minimumSamples);
    }

    /**
     * A backend's own request to slow down ({@code Retry-After}, a 429 or 503 with a wait): reads 1.0 until the end
     * of the latest wait the backend asked for, 0.0 after.
     *
     * @param ticker the limiter's clock
     * @return the signal, not throttled yet
     * @throws IllegalArgumentException if {@code ticker} is null
     */
    static RetryAfter retryAfter(Ticker ticker) {
        return new RetryAfterSignal(ticker);
    }

    /** An error-ratio signal ({@link #errorRatio}): what it is told of calls, and what it holds. */
    interface ErrorRatio extends HealthSignal {

        /** Records a call that succeeded. */
        void recordSuccess();

        /** Records a call that failed (an error, a timeout, an overload answer). */
        void recordFailure();

        /**
         * Records one call's outcome now.
         *
         * @param failed true if the call failed
         */
        void record(boolean failed);

        /**
         * The calls in the window at a moment.
         *
         * @param nowNanos a ticker reading
         * @return zero or more
         */
        long calls(long nowNanos);

        /**
         * The failed calls in the window at a moment.
         *
         * @param nowNanos a ticker reading
         * @return zero up to the calls
         */
        long failures(long nowNanos);
    }

    /** A latency-percentile signal ({@link #latencyPercentile}): what it is told of calls. */
    interface LatencyPercentile extends HealthSignal {

        /**
         * Records one call's latency now.
         *
         * @param latency the latency
         * @throws IllegalArgumentException if {@code latency} is null or negative
         */
        void record(Duration latency);

        /**
         * Records one call's latency now.
         *
         * @param latencyNanos the latency in nanoseconds, zero or more
         * @throws IllegalArgumentException if {@code latencyNanos} is negative
         */
        void record(long latencyNanos);
    }

    /** A backend's {@code Retry-After} as a signal ({@link #retryAfter}): what it is told of the backend's waits. */
    interface RetryAfter extends HealthSignal {

        /**
         * The backend asked to wait this long from now.
         *
         * @param wait the backend's Retry-After, zero up to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @throws IllegalArgumentException if {@code wait} is null, negative or too long
         */
        void throttledFor(Duration wait);

        /**
         * The backend asked to wait until a reading of the ticker.
         *
         * @param tickerNanos the end of the wait, on this signal's ticker
         */
        void throttledUntil(long tickerNanos);

        /**
         * Reads an HTTP {@code Retry-After} header: a number of seconds, or an HTTP date (RFC 1123) converted against
         * the wall clock's {@code wallNow}. A header that is neither is ignored, because a backend's malformed header
         * must not fail the caller.
         *
         * @param header the header's value
         * @param wallNow the wall-clock time the answer was received, for an HTTP date
         * @return true if the header was understood and recorded
         * @throws IllegalArgumentException if {@code header} or {@code wallNow} is null
         */
        boolean onRetryAfter(String header, Instant wallNow);

        /** Forgets the wait, for example after a successful call proved the backend well. */
        void clear();
    }
}
