package dev.throttle;

import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;
import java.time.Duration;

/**
 * Leaky bucket: permits leak out at a constant {@code outflow} rate.
 *
 * <ul>
 *   <li>{@link Mode#METER}: a bucket of {@code capacity} permits; a request that would overflow it is refused.
 *   The decisions equal a {@link TokenBucket} of the same capacity and rate.</li>
 *   <li>{@link Mode#SHAPING}: a queue. Each request is given the next free slot of the outflow and waits for it
 *   (with {@link Limiter#acquire}); it is refused at once when its wait would exceed {@code maxDelay} or the
 *   caller's own maximum wait, whichever is shorter. Output is smooth:
 *   never faster than the outflow rate, no bursts. {@link Limiter#tryAcquire} grants only when the slot is now.
 *   The capacity is the queue's length: {@code maxDelay / interval + 1} permits.</li>
 * </ul>
 *
 * @param capacity the bucket's size in permits (meter) or the queue's length (shaping), 1 or more
 * @param outflow the leak rate
 * @param mode meter or shaping
 * @param maxDelay the longest wait for a slot (shaping); zero for a meter
 */
public record LeakyBucket(long capacity, Rate outflow, Mode mode, Duration maxDelay) implements LimitSpec {

    /** How the bucket treats a request that does not fit now. */
    public enum Mode {
        /** Refuse it: the bucket measures and polices. */
        METER,
        /** Delay it to its slot, up to the maximum delay: the bucket shapes traffic. */
        SHAPING
    }

    /**
     * Validates the spec.
     *
     * @param capacity the bucket's size in permits (meter) or the queue's length (shaping), 1 or more
     * @param outflow the leak rate
     * @param mode meter or shaping
     * @param maxDelay the longest wait for a slot (shaping); zero for a meter
     * @throws IllegalArgumentException if a parameter is null or out of range, or the capacity does not agree with
     *     the mode (a shaping queue's capacity must be {@code maxDelay / interval + 1}; a meter's delay zero)
     */
    public LeakyBucket {
        Arguments.requirePositive("capacity", capacity);
        Arguments.requireNonNull("outflow", outflow);
        Arguments.requireNonNull("mode", mode);
        long delayNanos = Arguments.waitNanos("maxDelay", maxDelay);
        TokenBucket.requireRestWithinMax("capacity", capacity, outflow);
        if (mode == Mode.METER && delayNanos != 0) {
            throw new IllegalArgumentException("maxDelay = " + maxDelay + " is out of range for a meter; allowed range is [PT0S, PT0S]");
        }
        if (mode == Mode.SHAPING) {
            long queue = delayNanos / outflow.intervalNanos() + 1;
            if (capacity != queue) {
                throw new IllegalArgumentException("capacity = " + capacity + " does not match maxDelay = " + maxDelay
                        + " at " + outflow + "; allowed range is [" + queue + ", " + queue + "]");
            }
        }
    }

    /**
     * A leaky bucket that polices: refuses what would overflow.
     *
     * @param capacity the bucket's size in permits
     * @param outflow the leak rate
     * @return the spec
     */
    public static LeakyBucket meter(long capacity, Rate outflow) {
        return new LeakyBucket(capacity, outflow, Mode.METER, Duration.ZERO);
    }

    /**
     * A leaky bucket that shapes: delays each request to its slot of the outflow, refusing waits over
     * {@code maxDelay}.
     *
     * @param outflow the constant output rate
     * @param maxDelay the longest wait, zero up to {@link LimitSpec#MAX_DURATION}
     * @return the spec
     */
    public static LeakyBucket shaping(Rate outflow, Duration maxDelay) {
        Arguments.requireNonNull("outflow", outflow);
        long delayNanos = Arguments.waitNanos("maxDelay", maxDelay);
        return new LeakyBucket(delayNanos / outflow.intervalNanos() + 1, outflow, Mode.SHAPING, maxDelay);
    }

    @Override
    public long restNanos() {
        return capacity * outflow.intervalNanos();
    }

    /**
     * The spec for logs: {@code LeakyBucket[meter, capacity=10, rate=100/s]}, or
     * {@code LeakyBucket[shaping, capacity=3, rate=10/s, maxDelay=250 ms]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return mode == Mode.METER
                ? "LeakyBucket[meter, capacity=" + capacity + ", rate=" + outflow + "]"
                : "LeakyBucket[shaping, capacity=" + capacity + ", rate=" + outflow + ", maxDelay="
                        + SpecText.duration(maxDelay) + "]";
    }

    /**
     * Calls the visitor's method for this kind of spec.
     *
     * @param visitor the visitor
     * @param <R> what it answers
     * @return its answer
     */
    @Override
    public <R> R accept(Visitor<R> visitor) {
        return visitor.leakyBucket(this);
    }
}
