package dev.throttle.local.resilience;

import dev.throttle.Arguments;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * The immutable policy of a {@link Retry}: how many attempts, how long to wait between them, and which outcomes are
 * worth another attempt.
 *
 * <p>The wait before retry {@code n} (the first retry is {@code n = 1}) is exponential backoff with full jitter, as
 * in the AWS Architecture Blog's "Exponential Backoff And Jitter" (Marc Brooker, 2015):
 * {@code delay_n = random(0, min(maxDelay, baseDelay · 2^(n−1)))}, bounds included. Spreading the retries of
 * many clients uniformly over the whole backoff interval is what keeps them from retrying in synchronized waves.
 *
 * <p>Defaults: 3 attempts, base delay 100 ms, max delay 10 s, every exception retried except
 * {@link CallNotPermittedException} (an open breaker says the service is down: retrying it only adds load), no
 * result retried.
 */
public final class RetryConfig {

    private static final RetryConfig DEFAULTS = new Builder().build();

    private final int maxAttempts;
    private final long baseDelayNanos;
    private final long maxDelayNanos;
    private final Predicate<Throwable> retryOn;
    private final Predicate<Object> retryOnResult;

    private RetryConfig(Builder builder) {
        this.maxAttempts = builder.maxAttempts;
        this.baseDelayNanos = builder.baseDelayNanos;
        this.maxDelayNanos = builder.maxDelayNanos;
        this.retryOn = builder.retryOn;
        this.retryOnResult = builder.retryOnResult;
    }

    /**
     * The default policy.
     *
     * @return the defaults
     */
    public static RetryConfig defaults() {
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
     * A builder starting from this policy.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.maxAttempts = maxAttempts;
        builder.baseDelayNanos = baseDelayNanos;
        builder.maxDelayNanos = maxDelayNanos;
        builder.retryOn = retryOn;
        builder.retryOnResult = retryOnResult;
        return builder;
    }

    /**
     * The most attempts per call, the first one included.
     *
     * @return 1 or more
     */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * The backoff of the first retry, doubled for each retry after.
     *
     * @return the base delay
     */
    public Duration baseDelay() {
        return Duration.ofNanos(baseDelayNanos);
    }

    /**
     * The cap of the backoff; also the longest {@link dev.throttle.ThrottledException#retryAfter()} worth waiting
     * for.
     *
     * @return the max delay
     */
    public Duration maxDelay() {
        return Duration.ofNanos(maxDelayNanos);
    }

    /**
     * Which exceptions are retried.
     *
     * @return the predicate
     */
    public Predicate<Throwable> retryOn() {
        return retryOn;
    }

    /**
     * Which results are retried (for example an HTTP 503 returned rather than thrown).
     *
     * @return the predicate
     */
    public Predicate<Object> retryOnResult() {
        return retryOnResult;
    }

    long maxDelayNanos() {
        return maxDelayNanos;
    }

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
        return "RetryConfig[maxAttempts=" + maxAttempts + ", baseDelay=" + baseDelay() + ", maxDelay=" + maxDelay()
                + "]";
    }

    /** Builds a {@link RetryConfig}; each setter checks its argument at once. */
    public static final class Builder {

        private int maxAttempts = 3;
        private long baseDelayNanos = Duration.ofMillis(100).toNanos();
        private long maxDelayNanos = Duration.ofSeconds(10).toNanos();
        private Predicate<Throwable> retryOn = failure -> !(failure instanceof CallNotPermittedException);
        private Predicate<Object> retryOnResult = result -> false;

        private Builder() {
        }

        /**
         * The most attempts per call, the first one included; 1 means no retry.
         *
         * @param attempts from 1 to 1000
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxAttempts(int attempts) {
            Arguments.requireInRange("maxAttempts", attempts, 1, 1000);
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * The backoff of the first retry (zero: retry at once), doubled for each retry after, up to the max delay.
         *
         * @param delay from 0 to {@link Arguments#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if null or out of range
         */
        public Builder baseDelay(Duration delay) {
            this.baseDelayNanos = Arguments.waitNanos("baseDelay", delay);
            return this;
        }

        /**
         * The cap of the backoff. A {@link dev.throttle.ThrottledException} whose retry-after exceeds it is not
         * retried: no attempt within the policy's patience could succeed.
         *
         * @param delay from 0 to {@link Arguments#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if null or out of range
         */
        public Builder maxDelay(Duration delay) {
            this.maxDelayNanos = Arguments.waitNanos("maxDelay", delay);
            return this;
        }

        /**
         * Which exceptions are retried. {@link Error}s never are.
         *
         * @param predicate true to retry
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder retryOn(Predicate<Throwable> predicate) {
            this.retryOn = Arguments.requireNonNull("retryOn", predicate);
            return this;
        }

        /**
         * Which results are retried; when attempts run out, the last result is returned.
         *
         * @param predicate true to retry
         * @return this builder
         * @throws IllegalArgumentException if null
         */
        public Builder retryOnResult(Predicate<Object> predicate) {
            this.retryOnResult = Arguments.requireNonNull("retryOnResult", predicate);
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         * @throws IllegalArgumentException if the base delay exceeds the max delay
         */
        public RetryConfig build() {
            if (baseDelayNanos > maxDelayNanos) {
                throw new IllegalArgumentException("baseDelay = " + Duration.ofNanos(baseDelayNanos)
                        + " exceeds maxDelay = " + Duration.ofNanos(maxDelayNanos));
            }
            return new RetryConfig(this);
        }
    }
}
