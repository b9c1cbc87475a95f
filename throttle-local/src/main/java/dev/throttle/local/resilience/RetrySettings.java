package dev.throttle.local.resilience;

import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The checked values behind a {@link Retry.Config}, and the backoff arithmetic the retry applies with them. They live
 * here so that Retry.java holds the public API and the retry loop, not the arithmetic of its policy.
 *
 * <p>Immutable: each builder setter derives a new instance. A builder is used rarely, so the allocation is free, and
 * in exchange a setter that throws leaves its builder exactly as it was, and {@code toBuilder()} shares a policy's
 * settings instead of copying them.
 */
final class RetrySettings {

    /**
     * The documented defaults of {@link Retry.Config}. An open breaker's refusal is not retried: it says the service
     * is down, and retrying it only adds load.
     */
    static final RetrySettings DEFAULTS = new RetrySettings(3, Duration.ofMillis(100).toNanos(),
            Duration.ofSeconds(10).toNanos(), failure -> !(failure instanceof CallNotPermittedException),
            result -> false);

    final int maxAttempts;
    final long baseDelayNanos;
    final long maxDelayNanos;
    final Predicate<Throwable> retryOn;
    final Predicate<Object> retryOnResult;

    private RetrySettings(int maxAttempts, long baseDelayNanos, long maxDelayNanos, Predicate<Throwable> retryOn,
            Predicate<Object> retryOnResult) {
        this.maxAttempts = maxAttempts;
        this.baseDelayNanos = baseDelayNanos;
        this.maxDelayNanos = maxDelayNanos;
        this.retryOn = retryOn;
        this.retryOnResult = retryOnResult;
    }

    // ---- the builder's setters: check, then derive ----

    RetrySettings maxAttempts(int attempts) {
        Arguments.requireInRange("maxAttempts", attempts, 1, 1000);
        return new RetrySettings(attempts, baseDelayNanos, maxDelayNanos, retryOn, retryOnResult);
    }

    RetrySettings baseDelay(Duration delay) {
        return new RetrySettings(maxAttempts, Arguments.waitNanos("baseDelay", delay), maxDelayNanos, retryOn,
                retryOnResult);
    }

    RetrySettings maxDelay(Duration delay) {
        return new RetrySettings(maxAttempts, baseDelayNanos, Arguments.waitNanos("maxDelay", delay), retryOn,
                retryOnResult);
    }

    RetrySettings retryOn(Predicate<Throwable> predicate) {
        return new RetrySettings(maxAttempts, baseDelayNanos, maxDelayNanos,
                Arguments.requireNonNull("retryOn", predicate), retryOnResult);
    }

    RetrySettings retryOnResult(Predicate<Object> predicate) {
        return new RetrySettings(maxAttempts, baseDelayNanos, maxDelayNanos, retryOn,
                Arguments.requireNonNull("retryOnResult", predicate));
    }

    /**
     * Checks what no single setter can: the two delays against each other. Done at build time, so that the delays
     * can be set in either order.
     *
     * @return these settings
     * @throws IllegalArgumentException if the base delay exceeds the max delay
     */
    RetrySettings requireConsistent() {
        if (baseDelayNanos > maxDelayNanos) {
            throw new IllegalArgumentException("baseDelay = " + Duration.ofNanos(baseDelayNanos)
                    + " exceeds maxDelay = " + Duration.ofNanos(maxDelayNanos));
        }
        return this;
    }

    // ---- the arithmetic the retry applies ----

    /**
     * The upper bound of the jittered delay before a retry: {@code min(maxDelay, baseDelay · 2^(retry−1))},
     * computed without overflow.
     *
     * @param retry the retry's number, 1 for the first
     * @return nanoseconds
     */
    long backoffCapNanos(int retry) {
        int doublings = retry - 1;
        if (baseDelayNanos == 0) {
            return 0L;
        }
        if (doublings >= 62 || baseDelayNanos > (maxDelayNanos >> doublings)) {
            return maxDelayNanos;
        }
        return Math.min(maxDelayNanos, baseDelayNanos << doublings);
    }

    @Override
    public String toString() {
        return "Retry.Config[maxAttempts=" + maxAttempts + ", baseDelay=" + Duration.ofNanos(baseDelayNanos)
                + ", maxDelay=" + Duration.ofNanos(maxDelayNanos) + "]";
    }
}
