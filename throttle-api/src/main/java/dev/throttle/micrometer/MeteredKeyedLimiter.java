package dev.throttle.micrometer;

import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A keyed limiter whose decisions, for every key, are counted under the keyed limiter's one name: the key never
 * reaches a tag, so the number of series stays fixed however many keys come and go.
 *
 * @param <K> the key type
 */
final class MeteredKeyedLimiter<K> implements KeyedLimiter<K> {

    final KeyedLimiter<K> delegate;
    final DecisionMeters meters;

    MeteredKeyedLimiter(KeyedLimiter<K> delegate, DecisionMeters meters) {
        this.delegate = delegate;
        this.meters = meters;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public LimitSpec spec() {
        return delegate.spec();
    }

    @Override
    public Limiter forKey(K key) {
        return MeteredLimiter.of(delegate.forKey(key), meters);
    }

    @Override
    public Permit tryAcquire(K key, long permits) {
        return meters.tried(delegate.tryAcquire(key, permits));
    }

    @Override
    public boolean allow(K key, long permits) {
        return meters.allowed(delegate.allow(key, permits), permits);
    }

    @Override
    public Permit acquire(K key, long permits, Duration maxWait) {
        long start = meters.start();
        Permit permit = delegate.acquire(key, permits, maxWait);
        return meters.waited(permit, maxWait, start);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(K key, long permits, Duration maxWait) {
        long start = meters.start();
        return meters.pending(delegate.acquireAsync(key, permits, maxWait), permits, maxWait, start);
    }

    @Override
    public long estimatedSize() {
        return delegate.estimatedSize();
    }

    @Override
    public String toString() {
        return "Metered" + delegate;
    }
}
