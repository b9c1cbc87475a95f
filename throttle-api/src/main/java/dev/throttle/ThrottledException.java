package dev.throttle;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * Thrown, or used to complete a future exceptionally, when a limiter refuses guarded work. Carries the time until a
 * retry could succeed, so retry policies and HTTP adapters ({@code Retry-After}) can honour it.
 */
public class ThrottledException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The name of the limiter that refused. */
    private final String limiter;
    /** Nanoseconds until a retry could succeed, or {@link Permit#NEVER}. */
    private final long retryAfterNanos;

    /**
     * Creates the exception for a refused permit.
     *
     * @param refused the refusal
     */
    public ThrottledException(Permit refused) {
        this(refused.limiterName(), refused.retryAfterNanos());
    }

    /**
     * Creates the exception.
     *
     * @param limiter the name of the limiter that refused
     * @param retryAfterNanos nanoseconds until a retry could succeed, or {@link Permit#NEVER}
     */
    public ThrottledException(String limiter, long retryAfterNanos) {
        super(message(limiter, retryAfterNanos), null, false, false);
        this.limiter = limiter;
        this.retryAfterNanos = retryAfterNanos;
    }

    /**
     * The name of the limiter that refused.
     *
     * @return the name
     */
    public String limiterName() {
        return limiter;
    }

    /**
     * Nanoseconds until a retry could succeed, or {@link Permit#NEVER}.
     *
     * @return the delay
     */
    public long retryAfterNanos() {
        return retryAfterNanos;
    }

    /**
     * The time until a retry could succeed; {@link ChronoUnit#FOREVER}'s duration when never.
     *
     * @return the delay
     */
    public Duration retryAfter() {
        return retryAfterNanos == Permit.NEVER ? ChronoUnit.FOREVER.getDuration() : Duration.ofNanos(retryAfterNanos);
    }

    private static String message(String limiter, long retryAfterNanos) {
        return retryAfterNanos == Permit.NEVER
                ? "throttled by " + limiter + ": the request exceeds its capacity"
                : "throttled by " + limiter + ": retry after " + Duration.ofNanos(retryAfterNanos);
    }
}
