package dev.throttle.redis;

import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Remembers the latest refusal of each limiter so that requests bound to be refused again are refused in this JVM,
 * without a round trip: once {@code p} permits were refused with retry time {@code R} at local time {@code T}, a
 * request for {@code p} or more permits, with a wait shorter than what remains of {@code R}, is refused until
 * {@code T + R}. {@code T} is read before the round trip, so the cached refusal ends no later than Redis's would.
 *
 * <p>Conservative: the refusal holds for the whole of {@code R} even if capacity frees up earlier, through a refund
 * (settling below the estimate) from another JVM, or a live reconfiguration. This JVM's own refunds forget the
 * limiter's entry.
 *
 * <p>Bounded: one entry per limiter (per Redis key), at most {@code maxEntries}. Expired entries are dropped when met
 * and swept when the cache is full; if it is still full, arbitrary entries are dropped (losing one only costs a
 * round trip).
 */
final class RefusalCache {

    /** The default bound on entries. */
    static final int DEFAULT_MAX_ENTRIES = 10_000;

    /** A refusal: of {@code permits} for {@code spec}, at {@code askedAt}, until {@code retryNanos} later. */
    private record Entry(LimitSpec spec, long permits, long askedAt, long retryNanos) {
        long left(long now) {
            return retryNanos - (now - askedAt);
        }
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final AtomicBoolean sweeping = new AtomicBoolean();

    RefusalCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /**
     * The time a request must still be refused, or 0 or less when it must go to Redis.
     *
     * @param key the limiter's key
     * @param spec the limiter's spec (a limiter of the same name with another spec does not share refusals)
     * @param permits the permits asked
     * @param now the local time
     */
    long refusedFor(String key, LimitSpec spec, long permits, long now) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return 0L;
        }
        long left = entry.left(now);
        if (left <= 0L) {
            entries.remove(key, entry);
            return 0L;
        }
        if (permits < entry.permits || !entry.spec.equals(spec)) {
            return 0L;
        }
        return left;
    }

    /** Records a refusal answered by Redis. Refusals that can never succeed, or with no wait, are not kept. */
    void record(String key, LimitSpec spec, long permits, long retryNanos, long askedAt) {
        if (retryNanos <= 0L || retryNanos == Permit.NEVER) {
            return;
        }
        if (entries.size() >= maxEntries && !entries.containsKey(key) && !makeRoom(askedAt)) {
            return;
        }
        entries.put(key, new Entry(spec, permits, askedAt, retryNanos));
    }

    /** Forgets a limiter's refusal (this JVM gave permits back to it). */
    void forget(String key) {
        entries.remove(key);
    }

    int size() {
        return entries.size();
    }

    /**
     * Sweeps expired entries, then, if still full, drops arbitrary ones down to 90 %. One thread sweeps at a time;
     * the others skip caching meanwhile.
     *
     * @return whether there is room now
     */
    private boolean makeRoom(long now) {
        if (!sweeping.compareAndSet(false, true)) {
            return false;
        }
        try {
            entries.values().removeIf(entry -> entry.left(now) <= 0L);
            int target = maxEntries - maxEntries / 10 - 1;
            Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
            while (entries.size() > target && it.hasNext()) {
                it.next();
                it.remove();
            }
            return entries.size() < maxEntries;
        } finally {
            sweeping.set(false);
        }
    }
}
