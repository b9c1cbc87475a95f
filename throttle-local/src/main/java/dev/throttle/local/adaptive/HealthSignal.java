package dev.throttle.local.adaptive;

import dev.throttle.Arguments;
import dev.throttle.ConcurrencyStats;
import java.util.function.DoubleSupplier;

/**
 * A reading of a backend's health at a moment, that steers an adaptive rate: the larger the reading, the less healthy
 * the backend (an error ratio, a latency, requests in flight, a 429/503 ratio). {@link Double#NaN} means "no
 * evidence" (too few calls in the window): a limiter holds its rate on it.
 *
 * <p>Built-ins: {@link ErrorRatioSignal}, {@link LatencyPercentileSignal}, {@link RetryAfterSignal}, and the
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
}
