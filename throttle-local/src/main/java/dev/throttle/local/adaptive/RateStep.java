package dev.throttle.local.adaptive;

import dev.throttle.Arguments;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;

/**
 * One step of a {@link StepRateLimiter}: the bucket enforced while it is active, and the two thresholds of the
 * boundary to the next, slower step. While this step is active, a reading at or above {@code degradeAt} moves the
 * limiter down to the next step; while the next step is active, a reading below {@code recoverBelow} moves it back
 * up to this one. Readings in {@code [recoverBelow, degradeAt)} hold: that is the hysteresis band. The thresholds of
 * the last (slowest) step are never used.
 *
 * @param bucket the rate and burst of this step
 * @param degradeAt leave for the next step when the reading is at or above it; {@code +Infinity} never
 * @param recoverBelow come back from the next step when the reading is below it; {@code -Infinity} never
 */
public record RateStep(TokenBucket bucket, double degradeAt, double recoverBelow) {

    /**
     * Validates the step.
     *
     * @param bucket the rate and burst of this step
     * @param degradeAt the degrade threshold, not NaN
     * @param recoverBelow the recover threshold, not NaN, below {@code degradeAt}
     * @throws IllegalArgumentException if the bucket is null, a threshold is NaN, or {@code recoverBelow >=
     *     degradeAt}
     */
    public RateStep {
        Arguments.requireNonNull("bucket", bucket);
        RateArguments.requireBand("", degradeAt, recoverBelow);
    }

    /**
     * A step of a rate whose burst is one period's permits (1000/s may burst 1000): the usual meaning of "so many
     * per period".
     *
     * @param rate the rate
     * @param degradeAt the degrade threshold
     * @param recoverBelow the recover threshold, below {@code degradeAt}
     * @return the step
     * @throws IllegalArgumentException as {@link TokenBucket} and the canonical constructor do
     */
    public static RateStep of(Rate rate, double degradeAt, double recoverBelow) {
        return new RateStep(bucketOf(rate), degradeAt, recoverBelow);
    }

    /**
     * The slowest step, whose thresholds are never used.
     *
     * @param bucket the rate and burst of the step
     * @return the step
     * @throws IllegalArgumentException if the bucket is null
     */
    public static RateStep last(TokenBucket bucket) {
        return new RateStep(bucket, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
    }

    static TokenBucket bucketOf(Rate rate) {
        Arguments.requireNonNull("rate", rate);
        return TokenBucket.of(rate.permits(), rate);
    }
}
