package dev.throttle.local.limiters;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.ObservedPermit;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.kernel.SpecText;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One spec, one limiter per key, held in a Caffeine cache that forgets a key only once its state has returned to
 * rest, so forgetting never changes a decision and memory stays bounded by the keys active recently.
 *
 * <h2>When a key is forgotten</h2>
 * <ul>
 *   <li>Rate specs ({@code restNanos() > 0}): {@code restNanos} after the key's last use, which by definition of
 *   {@code restNanos} is when even a limiter used to the full is back at rest; longer while a waiting request may
 *   still hold a reserved slot, or after a permit was settled above its estimate (the debt is kept until paid).
 *   See {@link KeyExpiry.Timed}.</li>
 *   <li>Concurrency specs ({@code restNanos() == 0}): never while one of its permits is held; a grace (default one
 *   minute, {@link LocalEngine.KeyedOptions#idleGrace()}) after its last permit is closed. See {@link KeyExpiry.Held}. The
 *   permits handed out are observed ({@link ObservedPermit}) so that the last close re-arms the expiry.</li>
 * </ul>
 * Expired keys are removed while the cache does its maintenance, on the calling threads (there is no background
 * thread), and by {@link #cleanUp()}; Caffeine's timer wheel removes an expired key within about a second of its
 * deadline (an expired key is never handed out meanwhile: a request for it builds a fresh limiter).
 *
 * <h2>The race guard</h2>
 * A request fetches its key's limiter {@code L} from the cache and then asks {@code L}. In between, {@code L} may
 * expire, be removed and be replaced by a fresh limiter {@code L'}: a grant on {@code L} would then be recorded in
 * state nobody consults any more, and {@code L'} would grant the same permits again. So every decision of a rate key
 * is confirmed after it is taken by checking that the cache still maps the key to {@code L} (one lookup, which also
 * refreshes the key's expiry now that {@code L} holds the grant); if it does not, the permits are given back to
 * {@code L} ({@code settle(0)} then {@code close()}, a courtesy since {@code L} is unreachable) and the request is
 * asked again of the current limiter. A confirmed grant was recorded in {@code L} while {@code L} was the key's
 * limiter, and {@code L} is only forgotten at rest, after that grant stopped mattering; an unconfirmed one is
 * counted against {@code L'} instead. Hence eviction never grants extra permits.
 *
 * <p>A concurrency key is guarded the other way round, before the decision: the request first counts itself as a
 * holder of the key's entry and pins it, in one {@code compute} under Caffeine's entry lock (creating the entry if
 * the key has none), and only then asks the limiter; a refusal uncounts it. A pinned entry cannot expire, so the
 * limiter asked is the key's limiter until the permit is closed, and the last close re-arms the grace, again under
 * the entry's lock, so a grant racing with it leaves the entry pinned whichever writes last. This costs Caffeine's
 * short per-entry lock on each concurrency acquisition and last close; rate keys take no lock once they exist.
 *
 * <p>{@link #allow(Object, long)} cannot give permits back (it has no permit); it needs not: the replaced limiter is
 * unreachable, and the request is simply asked again of the current one.
 *
 * <h2>Memory</h2>
 * Per key, with compressed references, roughly: the entry (24 bytes), the key's limiter (a token bucket: 96 bytes,
 * its parameters included), Caffeine's node with its expiry links (about 50 bytes) and the hash table's node and
 * slot (about 40 bytes): about 200 bytes, plus the key itself. {@code LocalKeyedLimiterTest} measures it.
 *
 * <h2>Residual window</h2>
 * The guarantees above rest on Caffeine's expiry and on threads not stalling for long: a thread descheduled for more
 * than two seconds between reading a key's expiry and writing it back can make a rate key's deadline earlier by
 * that much (see {@link KeyExpiry#READ_SLACK_NANOS}). A permit settled above its estimate after its key was
 * forgotten and replaced adds its debt to the forgotten limiter, not to the new one.
 *
 * @param <K> the key type
 */
public final class LocalKeyedLimiter<K> implements LocalKeyed<K>, ObservedPermit.Observer {

    /** The identity remapping: makes Caffeine re-run the expiry's update under the entry's lock. */
    private static final BiFunction<Object, KeyEntry, KeyEntry> SAME = (key, entry) -> entry;

    private final String name;
    private final LimitSpec spec;
    private final long capacity;
    /** How long a key's own state takes to rest after its last use (its per-key parts' for a composite). */
    private final long restNanos;
    /** The key's state is held permits (a concurrency limit among its own parts), kept while any is held. */
    private final boolean held;
    /** The key's limiters are {@link RateLimiter}s: {@link #allow(Object, long)} works. */
    private final boolean rate;
    private final Ticker ticker;
    private final Supplier<Limiter> limiters;
    private final Cache<K, KeyEntry> cache;
    private final ConcurrentMap<K, KeyEntry> map;
    /** Creates a key's entry; one instance, so fetching an existing key captures nothing. */
    private final Function<K, KeyEntry> create;
    /** Concurrency keys: counts one more holder of the key's entry, creating it if needed (see {@link #pinned}). */
    private final BiFunction<K, KeyEntry, KeyEntry> pin;

    /**
     * Creates a keyed limiter.
     *
     * @param name the name of every key's limiter
     * @param spec the spec of every key's limiter (for an all-of composite: its per-key parts are the key's own)
     * @param keyState how the key's own state rests: its rest time, and whether permits hold it
     * @param options tuning
     * @param ticker the clock of the key's limiters, also used for expiry
     * @param limiters creates a key's limiter
     * @throws IllegalArgumentException if an argument is null, or {@code limiters} refuses the spec
     */
    public LocalKeyedLimiter(String name, LimitSpec spec, KeyState keyState, LocalEngine.KeyedOptions options, Ticker ticker,
            Supplier<Limiter> limiters) {
        Arguments.requireNonNull("spec", spec);
        Arguments.requireNonNull("options", options);
        this.ticker = Arguments.requireNonNull("ticker", ticker);
        this.limiters = Arguments.requireNonNull("limiters", limiters);
        this.name = name;
        this.spec = spec;
        this.capacity = spec.capacity();
        this.restNanos = keyState.restNanos();
        this.held = keyState.held();
        // A first limiter checks the spec now rather than at the first key, and tells the limiters' kind.
        this.rate = limiters.get() instanceof RateLimiter;
        long graceNanos = Math.max(Arguments.waitNanos("idleGrace", options.idleGrace()), restNanos);
        this.cache = Caffeine.newBuilder()
                .initialCapacity(options.initialCapacity())
                .ticker(ticker::read)
                .executor(Runnable::run)
                .expireAfter(held ? new KeyExpiry.Held(graceNanos) : new KeyExpiry.Timed(restNanos))
                .build();
        this.map = cache.asMap();
        this.create = this::newEntry;
        this.pin = (key, current) -> {
            KeyEntry.Held entry = (KeyEntry.Held) (current != null ? current : newEntry(key));
            entry.acquired();
            return entry;
        };
    }

    /**
     * How a key's own state returns to rest.
     *
     * @param restNanos how long after its last use a key's state is at rest (its rate parts'), 0 or more
     * @param held whether granted permits hold it (a concurrency limit): kept while any is held, then for the
     *     options' grace, and at least {@code restNanos}
     */
    public record KeyState(long restNanos, boolean held) {
    }

    private KeyEntry newEntry(K key) {
        Limiter limiter = limiters.get();
        return held ? new KeyEntry.Held(key, limiter) : new KeyEntry.Timed(key, limiter, ticker.read());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    @Override
    public Limiter forKey(K key) {
        requireKey(key);
        return rate ? new KeyView.Rate<>(this, key) : new KeyView<>(this, key);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Allocation-free for a key already held: one cache lookup, the decision, one lookup to confirm it.
     *
     * @throws UnsupportedOperationException if the spec's limiters are not rate limiters (a concurrency permit must
     *     be closed, which a boolean cannot be: use {@link #tryAcquire(Object, long)})
     */
    @Override
    public boolean allow(K key, long permits) {
        requireKey(key);
        Arguments.requirePermits(permits, capacity);
        if (!rate) {
            throw new UnsupportedOperationException("allow needs a rate spec; " + spec
                    + " hands out permits to close: use tryAcquire");
        }
        for (;;) {
            KeyEntry entry = cache.get(key, create);
            boolean granted = ((RateLimiter) entry.limiter).allow(permits);
            if (map.get(key) == entry) {
                return granted;
            }
        }
    }

    @Override
    public Permit tryAcquire(K key, long permits) {
        requireKey(key);
        Arguments.requirePermits(permits, capacity);
        for (;;) {
            KeyEntry entry = entryFor(key, 0L);
            Permit decision;
            try {
                decision = entry.limiter.tryAcquire(permits);
            } catch (RuntimeException | Error e) {
                abandoned(key, entry);
                throw e;
            }
            Permit confirmed = confirm(key, entry, decision);
            if (confirmed != null) {
                return confirmed;
            }
        }
    }

    @Override
    public Permit acquire(K key, long permits, Duration maxWait) {
        requireKey(key);
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, capacity);
        if (maxWaitNanos == 0L) {
            return tryAcquire(key, permits);
        }
        return Acquisition.await(start(key, permits, maxWaitNanos),
                () -> RefusedPermit.of(name, permits, 0L, availablePermits(key), capacity));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(K key, long permits, Duration maxWait) {
        requireKey(key);
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, capacity);
        if (maxWaitNanos == 0L) {
            return CompletableFuture.completedFuture(tryAcquire(key, permits));
        }
        return start(key, permits, maxWaitNanos);
    }

    private CompletableFuture<Permit> start(K key, long permits, long maxWaitNanos) {
        return new KeyedAcquisition<>(this, key, permits, maxWaitNanos, ticker).start();
    }

    /**
     * The keys held now: the cache's pending maintenance runs first, so keys that expired while the limiter was idle
     * are gone (a gauge read during a quiet spell is current, not the count of the last busy moment). Costs the
     * maintenance, about the number of keys that expired since the last.
     *
     * @return the keys held
     */
    @Override
    public long estimatedSize() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    /** Runs the cache's pending maintenance now, removing the keys that expired. For tests and housekeeping. */
    @Override
    public void cleanUp() {
        cache.cleanUp();
    }

    /** The availability of a key without creating it: a key not held is at rest, its full capacity free. */
    @Override
    public long availablePermits(K key) {
        KeyEntry entry = cache.getIfPresent(key);
        return entry == null ? capacity : entry.limiter.availablePermits();
    }

    /**
     * The entry a request asks, waiting up to {@code waitNanos}. A concurrency key's entry comes counted and pinned
     * (see {@link #pinned}); the request must end in {@link #confirm} or {@link #abandoned}. A rate key waiting for a
     * reserved slot (at most {@code waitNanos} ahead) is held until that slot has come and gone back to rest; the hold
     * is written under the entry's lock, so no concurrent read can undo it.
     */
    KeyEntry entryFor(K key, long waitNanos) {
        if (held) {
            return pinned(key);
        }
        KeyEntry entry = cache.get(key, create);
        if (waitNanos > 0L) {
            ((KeyEntry.Timed) entry).holdUntil(ticker.read() + waitNanos + restNanos);
            map.computeIfPresent(key, SAME);
        }
        return entry;
    }

    /**
     * A concurrency key's entry, counted as held by one more request and therefore pinned, in one {@code compute}:
     * the expiry is evaluated under the entry's lock after the count was raised. An expired entry is absent to
     * {@code compute}, so this never pins a forgotten limiter.
     */
    private KeyEntry pinned(K key) {
        return map.compute(key, pin);
    }

    /**
     * Confirms a decision taken on {@code entry}'s limiter: the race guard described on the class.
     *
     * @return the decision to return, or null if the key has another limiter now and the request must be asked again
     */
    Permit confirm(K key, KeyEntry entry, Permit decision) {
        if (held) {
            // The entry was pinned before the decision: it is still the key's entry.
            if (!decision.granted()) {
                released(key, entry);
                return decision;
            }
            return new ObservedPermit(decision, this, entry);
        }
        if (map.get(key) == entry) {
            return decision.granted() ? new ObservedPermit(decision, this, entry) : decision;
        }
        // A refusal took nothing, but on a replaced limiter it may be wrong: it is asked again too.
        if (decision.granted()) {
            decision.giveBack();
        }
        return null;
    }

    /** A request given {@code entry} by {@link #entryFor} ended without a decision (cancelled or failed). */
    void abandoned(K key, KeyEntry entry) {
        if (held) {
            released(key, entry);
        }
    }

    /** A permit of a key ended (closed, dropped or withdrawn). */
    @Override
    public void ended(ObservedPermit permit, Object context, boolean dropped) {
        KeyEntry entry = (KeyEntry) context;
        released(key(entry), entry);
    }

    @Override
    public void withdrawn(ObservedPermit permit, Object context) {
        KeyEntry entry = (KeyEntry) context;
        released(key(entry), entry);
    }

    /** A permit of a key settled above its estimate: a rate key in debt is kept until the debt is paid. */
    @Override
    public void settled(ObservedPermit permit, Object context, long actualPermits) {
        if (actualPermits > permit.permits()) {
            KeyEntry entry = (KeyEntry) context;
            indebted(key(entry), entry, actualPermits - permit.permits());
        }
    }

    @SuppressWarnings("unchecked")
    private K key(KeyEntry entry) {
        return (K) entry.key;
    }

    /** A permit of {@code entry} ended; a concurrency key with no permit left starts its grace. */
    void released(K key, KeyEntry entry) {
        if (held && ((KeyEntry.Held) entry).released()) {
            // Re-run the expiry under the entry's lock: it reads the count again, so a grant racing with this close
            // leaves the entry pinned whichever of the two writes last.
            map.computeIfPresent(key, SAME);
        }
    }

    /**
     * A permit of {@code entry} was settled {@code debt} permits above its estimate: a rate key keeps its state until
     * the debt is paid. A debt of {@code d} takes at most {@code ceil(d / capacity)} more rest periods to pay (a
     * bucket refills its capacity per rest period, a window admits its limit per window); two more cover the state
     * before the debt and a sliding window's memory of the previous window.
     */
    void indebted(K key, KeyEntry entry, long debt) {
        if (held || restNanos == 0L) {
            return; // kept while held and for a grace of at least the rest time after
        }
        long periods = debt / capacity + (debt % capacity == 0L ? 0L : 1L);
        long extra = Math.min(periods, Arguments.MAX_DURATION_NANOS / restNanos) * restNanos;
        ((KeyEntry.Timed) entry).holdUntil(ticker.read() + 2 * restNanos + extra);
        map.computeIfPresent(key, SAME);
    }

    private static void requireKey(Object key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
    }

    /**
     * The keyed limiter for logs: its name, its spec in words and the keys whose state it holds, for example
     * {@code KeyedLimiter[per-client: sliding window 100 per 1 min per key; 42 keys held]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        long keys = cache.estimatedSize();
        return "KeyedLimiter[" + name + ": " + SpecText.describe(spec) + " per key; " + keys
                + (keys == 1L ? " key held]" : " keys held]");
    }
}
