package dev.throttle;

/**
 * A limiter of rates (windows and buckets), whose permits need no closing. Adds an allocation-free fast path.
 */
public interface RateLimiter extends Limiter {

    /**
     * Asks for permits now and answers with a bare boolean: the fast path for tight loops. It allocates nothing,
     * granted or refused, and takes exactly the same decision {@link #tryAcquire(long)} would.
     *
     * @param permits how many, from 1 up to the capacity of the spec
     * @return true if granted
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, capacity]}
     */
    boolean allow(long permits);

    /**
     * Asks for one permit now; allocation-free.
     *
     * @return true if granted
     */
    default boolean allow() {
        return allow(1);
    }
}
