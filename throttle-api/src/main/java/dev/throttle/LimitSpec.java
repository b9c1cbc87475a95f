package dev.throttle;

/**
 * An immutable description of a limit: an algorithm and its parameters, validated when built. Specs are values
 * (records): equal parameters make equal specs. Engines enforce them.
 *
 * @see FixedWindow
 * @see SlidingLog
 * @see SlidingWindow
 * @see TokenBucket
 * @see LeakyBucket
 * @see Concurrency
 */
public interface LimitSpec {

    /**
     * The most permits one request can ever be granted; a larger request is refused with {@link Permit#NEVER}.
     *
     * @return the capacity, 1 or more
     */
    long capacity();

    /**
     * How long, in nanoseconds, a limiter of this spec that has been used to the full takes to return to rest
     * (the state of a new limiter) when nothing more is asked. Engines use it to forget idle keys and to expire
     * keys. Concurrency specs return 0: they are at rest when no permit is held.
     *
     * @return nanoseconds, 0 or more
     */
    long restNanos();
}
