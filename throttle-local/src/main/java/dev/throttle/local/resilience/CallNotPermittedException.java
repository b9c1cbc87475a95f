package dev.throttle.local.resilience;

import java.time.Duration;

/**
 * Thrown, or used to complete a future exceptionally, when a {@link CircuitBreaker} refuses a call: it is open, or
 * half-open with every probe call already taken. Carries the time the breaker stays open, after which a probe may be
 * let through.
 *
 * <p>It is deliberately not a {@link dev.throttle.ThrottledException}: an open breaker is a verdict on the protected
 * service, not a local rate, and a {@link Retry} does not retry it by default, so an open breaker stops retries.
 */
public final class CallNotPermittedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The name of the breaker that refused. */
    private final String breaker;
    /** Nanoseconds the breaker stays open, 0 or more. */
    private final long remainingOpenNanos;

    /**
     * Creates the exception.
     *
     * @param breaker the name of the breaker that refused
     * @param remainingOpenNanos nanoseconds the breaker stays open, 0 or more (0 when half-open with every probe
     *     taken)
     */
    public CallNotPermittedException(String breaker, long remainingOpenNanos) {
        super("circuit breaker " + breaker + " does not permit calls; open for another "
                + Duration.ofNanos(Math.max(0L, remainingOpenNanos)), null, false, false);
        this.breaker = breaker;
        this.remainingOpenNanos = Math.max(0L, remainingOpenNanos);
    }

    /**
     * The name of the breaker that refused.
     *
     * @return the name
     */
    public String breaker() {
        return breaker;
    }

    /**
     * Nanoseconds the breaker stays open; 0 when it is half-open with every probe call taken.
     *
     * @return 0 or more
     */
    public long remainingOpenNanos() {
        return remainingOpenNanos;
    }

    /**
     * The time the breaker stays open; zero when it is half-open with every probe call taken.
     *
     * @return the remaining open time
     */
    public Duration remainingOpenTime() {
        return Duration.ofNanos(remainingOpenNanos);
    }
}
