package dev.throttle.local.limiters;

import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;

/**
 * When a keyed limiter's cache may forget a key: only once the key's state is back at rest, so that forgetting it
 * (and later building a fresh limiter) never changes a decision.
 */
final class KeyExpiry {

    /**
     * "Not while permits are held": far beyond any real run time, yet well inside Caffeine's own cap (about 146
     * years), so no deadline arithmetic overflows.
     */
    static final long PINNED_NANOS = Duration.ofDays(365L * 100).toNanos();

    /**
     * Added to a rate key's rest time. Caffeine 3.2 skips a read's new deadline when it lies within one second of the
     * current one (to save writes), and a read racing with another may lose its compare-and-set to a deadline computed
     * a moment earlier; two seconds more keeps the real deadline at or after "last use + rest" in both cases.
     */
    static final long READ_SLACK_NANOS = Duration.ofSeconds(2).toNanos();

    private KeyExpiry() {
    }

    /**
     * Expiry for specs that rest with time: {@code restNanos} (plus {@link #READ_SLACK_NANOS}) after the last
     * creation, read or update, or until the entry's hold ends if that is later. Every request reads its entry after
     * its decision (see {@link LocalKeyedLimiter}), so "untouched for restNanos" means "at rest", which is what
     * {@code restNanos} promises; waiting requests and debts extend the hold.
     */
    static final class Timed implements Expiry<Object, KeyEntry> {

        private final long keepNanos;

        Timed(long restNanos) {
            this.keepNanos = restNanos + READ_SLACK_NANOS;
        }

        private long lifetime(KeyEntry entry, long now) {
            return Math.max(keepNanos, ((KeyEntry.Timed) entry).heldFor(now));
        }

        @Override
        public long expireAfterCreate(Object key, KeyEntry entry, long currentTime) {
            return lifetime(entry, currentTime);
        }

        @Override
        public long expireAfterUpdate(Object key, KeyEntry entry, long currentTime, long currentDuration) {
            return lifetime(entry, currentTime);
        }

        @Override
        public long expireAfterRead(Object key, KeyEntry entry, long currentTime, long currentDuration) {
            return lifetime(entry, currentTime);
        }
    }

    /**
     * Expiry for concurrency specs: pinned while a permit is held, a grace once none is. Reads leave the deadline
     * alone; only updates, which Caffeine runs under the entry's lock, set it, and the keyed limiter runs one after
     * every grant and after every last close, so the last one always sees the final count (see
     * {@link LocalKeyedLimiter}).
     */
    static final class Held implements Expiry<Object, KeyEntry> {

        private final long graceNanos;

        Held(long graceNanos) {
            this.graceNanos = graceNanos;
        }

        private long lifetime(KeyEntry entry) {
            return ((KeyEntry.Held) entry).busy() ? PINNED_NANOS : graceNanos;
        }

        @Override
        public long expireAfterCreate(Object key, KeyEntry entry, long currentTime) {
            return lifetime(entry);
        }

        @Override
        public long expireAfterUpdate(Object key, KeyEntry entry, long currentTime, long currentDuration) {
            return lifetime(entry);
        }

        @Override
        public long expireAfterRead(Object key, KeyEntry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
