package dev.throttle.local.adaptive;

import dev.throttle.TokenBucket;

/**
 * One change of an adaptive limiter's rate, as told to the listeners given to its builder.
 *
 * @param limiterName the limiter's name
 * @param cause why it moved
 * @param fromLevel the level before: a step index for a {@link StepRateLimiter}, permits per period for an
 *     {@link AimdRateLimiter}
 * @param toLevel the level after, in the same unit
 * @param from the bucket enforced before
 * @param to the bucket enforced from now on
 * @param reading the signal's reading that decided it; NaN when no reading did (a drop, a fleet level)
 * @param atNanos the ticker reading of the switch
 */
public record RateSwitch(String limiterName, Cause cause, long fromLevel, long toLevel, TokenBucket from, TokenBucket to,
        double reading, long atNanos) {

    /** Why a rate moved. */
    public enum Cause {
        /** The signal crossed the degrade threshold: one step slower. */
        DEGRADE,
        /** The signal fell below the recover threshold: one step faster. */
        RECOVER,
        /** The fleet's shared level moved this node's effective step. */
        FLEET,
        /** A healthy interval: the AIMD rate grew by its increment. */
        INCREASE,
        /** A drop or an unhealthy reading: the AIMD rate shrank by its factor. */
        DECREASE
    }
}
