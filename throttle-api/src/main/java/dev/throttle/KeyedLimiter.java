package dev.throttle;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One spec, one limiter per key (client, API key, route), in bounded memory. A key's state is forgotten only once
 * it has returned to rest, so forgetting never changes a decision.
 *
 * @param <K> the key type; keys must not be null and must have consistent {@code equals} and {@code hashCode}
 */
public interface KeyedLimiter<K> {

    /**
     * The name shared by every key's limiter.
     *
     * @return the name
     */
    String name();

    /**
     * The spec every key's limiter enforces.
     *
     * @return the spec
     */
    LimitSpec spec();

    /**
     * The limiter of one key, created on first use. Hold it only for one request: state of keys at rest is
     * forgotten, and asking again is cheap.
     *
     * @param key the key
     * @return the key's limiter
     * @throws IllegalArgumentException if {@code key} is null
     */
    Limiter forKey(K key);

    /**
     * Asks for permits on one key's limiter now, without waiting.
     *
     * @param key the key
     * @param permits how many
     * @return the decision
     * @throws IllegalArgumentException if {@code key} is null or {@code permits < 1}
     */
    Permit tryAcquire(K key, long permits);

    /**
     * Asks for permits on one key's limiter, answering with a bare boolean; allocation-free for keys already known
     * and rate specs.
     *
     * @param key the key
     * @param permits how many
     * @return true if granted
     * @throws IllegalArgumentException if {@code key} is null or {@code permits < 1}
     */
    boolean allow(K key, long permits);

    /**
     * Asks for permits on one key's limiter, waiting up to {@code maxWait}; see {@link Limiter#acquire}.
     *
     * @param key the key
     * @param permits how many
     * @param maxWait how long to wait at most
     * @return the decision
     * @throws IllegalArgumentException if {@code key} is null, {@code permits < 1} or {@code maxWait} is invalid
     */
    Permit acquire(K key, long permits, Duration maxWait);

    /**
     * Asks for permits on one key's limiter without parking a thread; see {@link Limiter#acquireAsync}.
     *
     * @param key the key
     * @param permits how many
     * @param maxWait how long to wait at most
     * @return a future decision
     * @throws IllegalArgumentException if {@code key} is null, {@code permits < 1} or {@code maxWait} is invalid
     */
    CompletableFuture<Permit> acquireAsync(K key, long permits, Duration maxWait);

    /**
     * The number of keys whose state is currently held; an estimate.
     *
     * @return the number of keys held
     */
    long estimatedSize();
}
