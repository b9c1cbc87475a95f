package dev.throttle.local.resilience;

import java.util.concurrent.ThreadLocalRandom;

/** The source of a {@link Retry}'s jitter; inject a fixed one to test exact delays. */
@FunctionalInterface
public interface RandomSource {

    /**
     * A uniformly distributed value.
     *
     * @param bound the exclusive upper bound, 1 or more
     * @return a value in {@code [0, bound)}
     */
    long nextLong(long bound);

    /**
     * The thread-local random generator of the calling thread: no contention between threads.
     *
     * @return the default source
     */
    static RandomSource threadLocal() {
        return bound -> ThreadLocalRandom.current().nextLong(bound);
    }
}
