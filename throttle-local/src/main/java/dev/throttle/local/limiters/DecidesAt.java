package dev.throttle.local.limiters;

import dev.throttle.Permit;

/**
 * An immediate decision of a token or leaky bucket at a time its caller has already read. For limiters built on a
 * bucket of this engine that need the time themselves (the adaptive rate limiters read it to see whether a health
 * evaluation is due): handing the same reading down makes one decision read the clock once. A reading taken a moment
 * earlier than the bucket's own would be is never more generous, so the decision stays exact.
 *
 * <p>A request above the bucket's current capacity, possible while a live reconfiguration lowers it, is refused with
 * {@link Permit#NEVER} rather than rejected as bad input: the caller checked the request against its own bound.
 */
public interface DecidesAt {

    /**
     * The boolean decision at {@code now}.
     *
     * @param permits how many, 1 or more
     * @param now a reading of the bucket's ticker
     * @return whether the permits were granted
     * @throws IllegalArgumentException if {@code permits} is below 1
     */
    boolean allowAt(long permits, long now);

    /**
     * The decision at {@code now}, as a permit.
     *
     * @param permits how many, 1 or more
     * @param now a reading of the bucket's ticker
     * @return the decision; a request above the current capacity is refused with {@link Permit#NEVER}
     * @throws IllegalArgumentException if {@code permits} is below 1
     */
    Permit tryAcquireAt(long permits, long now);
}
