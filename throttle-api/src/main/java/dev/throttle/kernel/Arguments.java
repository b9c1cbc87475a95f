package dev.throttle.kernel;

import dev.throttle.LimitSpec;
import java.time.Duration;

/**
 * Argument checks shared by specs and engines (an internal class of the kernel, not an API). Each failure is an {@link IllegalArgumentException} that names
 * the parameter, the value given and the allowed range, and is thrown before any state is touched.
 *
 * <p>The checks build their message only when they fail, so they cost nothing on a hot path.
 */
public final class Arguments {

    /**
     * The longest duration any limit accepts: ten years. It keeps every nanosecond computation
     * (a window, a capacity times an interval, a deadline) far from {@code long} overflow.
     */
    public static final Duration MAX_DURATION = LimitSpec.MAX_DURATION;

    /** {@link #MAX_DURATION} in nanoseconds. */
    public static final long MAX_DURATION_NANOS = MAX_DURATION.toNanos();

    private Arguments() {
    }

    /**
     * Checks that a value is at least one.
     *
     * @param name the parameter's name, for the message
     * @param value the value
     * @return the value
     * @throws IllegalArgumentException if {@code value < 1}
     */
    public static long requirePositive(String name, long value) {
        if (value < 1) {
            throw outOfRange(name, value, "[1, " + Long.MAX_VALUE + "]");
        }
        return value;
    }

    /**
     * Checks that a value is zero or more.
     *
     * @param name the parameter's name, for the message
     * @param value the value
     * @return the value
     * @throws IllegalArgumentException if {@code value < 0}
     */
    public static long requireNonNegative(String name, long value) {
        if (value < 0) {
            throw outOfRange(name, value, "[0, " + Long.MAX_VALUE + "]");
        }
        return value;
    }

    /**
     * Checks that {@code min <= value <= max}.
     *
     * @param name the parameter's name, for the message
     * @param value the value
     * @param min the smallest allowed value
     * @param max the largest allowed value
     * @return the value
     * @throws IllegalArgumentException if the value is outside the range
     */
    public static long requireInRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw outOfRange(name, value, "[" + min + ", " + max + "]");
        }
        return value;
    }

    /**
     * Checks a permit count for one request against a limiter's capacity.
     *
     * @param permits the permits asked for
     * @param capacity the most permits one request can ever be given
     * @return the permits
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, capacity]}
     */
    public static long requirePermits(long permits, long capacity) {
        if (permits < 1 || permits > capacity) {
            throw outOfRange("permits", permits, "[1, " + capacity + "]");
        }
        return permits;
    }

    /**
     * Checks that a reference is not null.
     *
     * @param name the parameter's name, for the message
     * @param value the reference
     * @param <T> its type
     * @return the reference
     * @throws IllegalArgumentException if it is null
     */
    public static <T> T requireNonNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /**
     * Converts a duration to nanoseconds, checking it lies in {@code [minNanos, maxNanos]}; durations too large for
     * a {@code long} of nanoseconds are refused rather than overflowing.
     *
     * @param name the parameter's name, for the message
     * @param duration the duration
     * @param minNanos the smallest allowed value in nanoseconds
     * @param maxNanos the largest allowed value in nanoseconds
     * @return the duration in nanoseconds
     * @throws IllegalArgumentException if the duration is null or outside the range
     */
    public static long toNanos(String name, Duration duration, long minNanos, long maxNanos) {
        requireNonNull(name, duration);
        long nanos;
        try {
            nanos = duration.toNanos();
        } catch (ArithmeticException overflow) {
            throw new IllegalArgumentException(name + " = " + duration + " overflows nanoseconds; allowed range is ["
                    + Duration.ofNanos(minNanos) + ", " + Duration.ofNanos(maxNanos) + "]");
        }
        if (nanos < minNanos || nanos > maxNanos) {
            throw new IllegalArgumentException(name + " = " + duration + " is out of range; allowed range is ["
                    + Duration.ofNanos(minNanos) + ", " + Duration.ofNanos(maxNanos) + "]");
        }
        return nanos;
    }

    /**
     * Converts a limit's period (a window, a refill period) to nanoseconds: at least one nanosecond, at most
     * {@link #MAX_DURATION}.
     *
     * @param name the parameter's name, for the message
     * @param period the period
     * @return the period in nanoseconds
     * @throws IllegalArgumentException if the period is null, zero, negative or longer than {@link #MAX_DURATION}
     */
    public static long periodNanos(String name, Duration period) {
        return toNanos(name, period, 1L, MAX_DURATION_NANOS);
    }

    /**
     * Converts a maximum wait to nanoseconds: zero (do not wait) up to {@link #MAX_DURATION}.
     *
     * @param name the parameter's name, for the message
     * @param wait the wait
     * @return the wait in nanoseconds
     * @throws IllegalArgumentException if the wait is null, negative or longer than {@link #MAX_DURATION}
     */
    public static long waitNanos(String name, Duration wait) {
        return toNanos(name, wait, 0L, MAX_DURATION_NANOS);
    }

    private static IllegalArgumentException outOfRange(String name, long value, String range) {
        return new IllegalArgumentException(name + " = " + value + " is out of range; allowed range is " + range);
    }
}
