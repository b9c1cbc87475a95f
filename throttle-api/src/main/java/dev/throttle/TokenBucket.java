package dev.throttle;

import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;

/**
 * Token bucket: a bucket of {@code capacity} tokens (the burst), refilled at {@code refill}; a request takes its
 * permits from the bucket or is refused. Starts full. Burst and rate are independent: 100 per second with bursts of
 * 10 is {@code TokenBucket.of(10, Rate.perSecond(100))}.
 *
 * <p>Engines implement it as the generic cell rate algorithm (GCRA): one word of state, the theoretical arrival
 * time, exact to the nanosecond of {@link Rate#intervalNanos()}.
 *
 * @param capacity the bucket's size: the largest burst, 1 or more
 * @param refill the refill rate
 */
public record TokenBucket(long capacity, Rate refill) implements LimitSpec {

    /**
     * Validates the spec.
     *
     * @param capacity the bucket's size: the largest burst, 1 or more
     * @param refill the refill rate
     * @throws IllegalArgumentException if {@code capacity < 1}, {@code refill} is null, or refilling a whole
     *     bucket takes longer than {@link LimitSpec#MAX_DURATION}
     */
    public TokenBucket {
        Arguments.requirePositive("capacity", capacity);
        Arguments.requireNonNull("refill", refill);
        requireRestWithinMax("capacity", capacity, refill);
    }

    /**
     * A token bucket spec.
     *
     * @param capacity the largest burst
     * @param refill the refill rate
     * @return the spec
     */
    public static TokenBucket of(long capacity, Rate refill) {
        return new TokenBucket(capacity, refill);
    }

    @Override
    public long restNanos() {
        return capacity * refill.intervalNanos();
    }

    static void requireRestWithinMax(String name, long capacity, Rate rate) {
        long interval = rate.intervalNanos();
        long max = Arguments.MAX_DURATION_NANOS / interval;
        if (capacity > max) {
            throw new IllegalArgumentException(name + " = " + capacity + " at " + rate
                    + " takes longer than " + Arguments.MAX_DURATION + " to drain; allowed range is [1, " + max + "]");
        }
    }

    /**
     * The spec for logs: {@code TokenBucket[capacity=10, rate=100/s]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "TokenBucket[capacity=" + capacity + ", rate=" + refill + "]";
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
        return visitor.tokenBucket(this);
    }
}
