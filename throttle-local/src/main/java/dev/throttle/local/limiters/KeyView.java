package dev.throttle.local.limiters;

import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.SpecText;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One key of a keyed limiter, seen as a {@link Limiter}: every request goes through the keyed limiter, so it is
 * guarded against the key being forgotten and replaced, however long the view is kept.
 */
class KeyView<K> implements Limiter {

    final LocalKeyed<K> owner;
    final K key;

    KeyView(LocalKeyed<K> owner, K key) {
        this.owner = owner;
        this.key = key;
    }

    @Override
    public String name() {
        return owner.name();
    }

    @Override
    public LimitSpec spec() {
        return owner.spec();
    }

    @Override
    public Permit tryAcquire(long permits) {
        return owner.tryAcquire(key, permits);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return owner.acquire(key, permits, maxWait);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        return owner.acquireAsync(key, permits, maxWait);
    }

    @Override
    public long availablePermits() {
        return owner.availablePermits(key);
    }

    /**
     * The key's limiter for logs, for example {@code Limiter[per-client for alice: sliding window 100 per 1 min; 97
     * available]}; a key whose state is not held (new, or forgotten at rest) has the whole capacity available.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Limiter[" + owner.name() + " for " + key + ": " + SpecText.describe(owner.spec()) + "; "
                + owner.availablePermits(key) + " available]";
    }

    /** The view of a key whose limiter is a rate limiter, with its allocation-free fast path. */
    static final class Rate<K> extends KeyView<K> implements dev.throttle.RateLimiter {

        Rate(LocalKeyed<K> owner, K key) {
            super(owner, key);
        }

        @Override
        public boolean allow(long permits) {
            return owner.allow(key, permits);
        }
    }
}
