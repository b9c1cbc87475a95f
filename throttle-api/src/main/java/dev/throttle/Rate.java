package dev.throttle;

import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;
import java.time.Duration;

/**
 * A rate: {@code permits} per {@code period}. The time one permit takes, {@link #intervalNanos()}, is the period
 * divided by the permits, rounded up to a whole nanosecond, so a rate is never exceeded by rounding.
 *
 * @param permits permits per period, 1 or more
 * @param period the period, from 1 ns to {@link LimitSpec#MAX_DURATION}
 */
public record Rate(long permits, Duration period) {

    /**
     * Validates the rate.
     *
     * @param permits permits per period, 1 or more
     * @param period the period, from 1 ns to {@link LimitSpec#MAX_DURATION}
     * @throws IllegalArgumentException if {@code permits < 1}, or the period is null, not positive, too long, or
     *     shorter than one nanosecond per permit
     */
    public Rate {
        Arguments.requirePositive("permits", permits);
        long periodNanos = Arguments.periodNanos("period", period);
        if (permits > periodNanos) {
            throw new IllegalArgumentException("permits = " + permits + " per " + period
                    + " is faster than one per nanosecond; allowed range is [1, " + periodNanos + "]");
        }
    }

    /**
     * A rate per second.
     *
     * @param permits permits per second
     * @return the rate
     */
    public static Rate perSecond(long permits) {
        return new Rate(permits, Duration.ofSeconds(1));
    }

    /**
     * A rate per minute.
     *
     * @param permits permits per minute
     * @return the rate
     */
    public static Rate perMinute(long permits) {
        return new Rate(permits, Duration.ofMinutes(1));
    }

    /**
     * A rate per period.
     *
     * @param permits permits per period
     * @param period the period
     * @return the rate
     */
    public static Rate of(long permits, Duration period) {
        return new Rate(permits, period);
    }

    /**
     * The time one permit takes at this rate, rounded up: {@code ceil(period / permits)} nanoseconds.
     *
     * @return nanoseconds per permit, 1 or more
     */
    public long intervalNanos() {
        long periodNanos = period.toNanos();
        return (periodNanos + permits - 1) / permits;
    }

    /**
     * The rate for logs: permits per unit when the period is one whole unit ({@code 100/s}, {@code 6000/min}), else
     * permits per period ({@code 1/250 ms}, {@code 10/1.5 s}).
     *
     * @return the text
     */
    @Override
    public String toString() {
        return SpecText.rate(permits, period);
    }
}
