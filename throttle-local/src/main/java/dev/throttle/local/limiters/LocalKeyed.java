package dev.throttle.local.limiters;

import dev.throttle.KeyedLimiter;

/**
 * What the local engine's keyed limiters add to {@link KeyedLimiter}: availability without creating a key, for their
 * per-key views, and forgetting the keys at rest on demand.
 *
 * @param <K> the key type
 */
public interface LocalKeyed<K> extends KeyedLimiter<K> {

    /**
     * The permits a key could have now, without creating it: a key not held is at rest.
     *
     * @param key the key
     * @return the permits available
     */
    long availablePermits(K key);

    /** Forgets the keys whose state is at rest now (as far as the implementation's rule allows). */
    void cleanUp();
}
