package dev.throttle.local.limiters;

import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;
import dev.throttle.local.LocalEngine;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TokenBucket} or {@link LeakyBucket} per key, each key's whole state one word inside its entry of the
 * limiter's own striped hash map: no limiter object per key, no cache bookkeeping on the hot path. The algorithm is
 * {@link BucketLimiter}'s (GCRA): a key's word is its theoretical arrival time {@code tat}, and each decision is one
 * compare-and-set on it.
 *
 * <h2>When a key is forgotten</h2>
 * A bucket is at rest (full, or its queue empty) once {@code tat <= now}, and a fresh bucket decides exactly as one at
 * rest. A key is forgotten {@link #KEEP_NANOS} after that moment: waiting requests (which reserve future slots) and
 * debts (permits settled above their estimate) push {@code tat} ahead, so they keep the key by themselves, with no
 * other record of last use.
 *
 * <h2>The race guard</h2>
 * Forgetting is a compare-and-set of the entry's word from an at-rest value to {@link #REMOVED}, taken before the
 * entry is unlinked; a decision is a compare-and-set of the same word. So a decision either lands before the removal
 * (and the removal, seeing a changed word, does not happen) or sees {@code REMOVED} and is taken again on the key's
 * current entry. No grant is ever recorded in a forgotten entry, and no second lookup confirms anything.
 *
 * <h2>The map</h2>
 * Segments chosen by the key's hash, each an array of chains of entries. Lookups take no lock: they read the chain
 * from its slot with acquire semantics and compare hash and key. New keys are inserted, forgotten keys unlinked, and
 * tables grown under the segment's lock; a lookup racing with them may miss a key, and then looks it up again under
 * the lock before creating it. Each insertion first sweeps a few slots of its segment, forgetting the keys at rest
 * there, and a segment three-quarters full sweeps all of it and grows only if it is still more than half full: memory
 * stays bounded by the keys used in the last {@code KEEP_NANOS} plus their rest, and the whole sweeps cost a few slots
 * per insertion. {@link #cleanUp()} sweeps everything.
 *
 * <h2>Memory</h2>
 * Per key, with compressed references: the entry (32 bytes: header, hash, key reference, chain link, word) and its
 * slot in the table (4 bytes at a load between 1/4 and 3/4): about 40 bytes, plus the key itself.
 *
 * @param <K> the key type
 */
public final class KeyedBucketLimiter<K> implements LocalKeyed<K> {

    /** The word of a forgotten entry: no decision is taken on it any more. */
    static final long REMOVED = Long.MIN_VALUE;

    /**
     * How long a key is kept after its bucket is back at rest: a key used now and then is not rebuilt at every use.
     * Forgetting a key at rest never changes a decision, whatever this is.
     */
    static final long KEEP_NANOS = Duration.ofSeconds(2).toNanos();

    /** Slots swept at each insertion. */
    private static final int SWEEP_SLOTS = 4;

    private static final int SEGMENT_BITS = 6;
    private static final int MIN_TABLE = 16;

    private static final VarHandle TAT;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Entry[].class);

    static {
        try {
            TAT = MethodHandles.lookup().findVarHandle(Entry.class, "tat", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final LimitSpec spec;
    private final long capacity;
    private final long interval;
    /** How far ahead of now {@code tat} may be after a grant (meter: C·T). */
    private final long tolerance;
    private final boolean shaping;
    /** Shaping only: the longest wait for a slot. */
    private final long maxQueueDelay;
    /**
     * The latest time a grant of any key was reserved to take effect at, after waiting: while it is ahead, a give-back
     * reopens no slot but the last one scheduled (see {@link BucketLimiter#adjusted}). One for all keys, so that no
     * key pays a word for it: a wait on one key holds back other keys' give-backs meanwhile, which never over-admits.
     */
    private final AtomicLong waitingUntil = new AtomicLong(Long.MIN_VALUE);
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Segment[] segments;

    /**
     * Creates a keyed bucket limiter.
     *
     * @param name the name of every key's limiter
     * @param spec a {@link TokenBucket} or a {@link LeakyBucket}
     * @param options tuning: the initial capacity (the idle grace is for concurrency keys and not used here)
     * @param ticker the engine's clock
     * @param scheduler where waiting requests wait
     * @throws IllegalArgumentException if an argument is null or the spec is not a bucket
     */
    public KeyedBucketLimiter(String name, LimitSpec spec, LocalEngine.KeyedOptions options, Ticker ticker,
            Scheduler scheduler) {
        this.name = Arguments.requireNonNull("name", name);
        this.spec = Arguments.requireNonNull("spec", spec);
        Arguments.requireNonNull("options", options);
        this.ticker = Arguments.requireNonNull("ticker", ticker);
        this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
        if (spec instanceof TokenBucket bucket) {
            this.capacity = bucket.capacity();
            this.interval = bucket.refill().intervalNanos();
            this.shaping = false;
            this.maxQueueDelay = 0L;
        } else if (spec instanceof LeakyBucket bucket) {
            this.capacity = bucket.capacity();
            this.interval = bucket.outflow().intervalNanos();
            this.shaping = bucket.mode() == LeakyBucket.Mode.SHAPING;
            this.maxQueueDelay = bucket.maxDelay().toNanos();
        } else {
            throw new IllegalArgumentException("spec = " + spec + " is not a TokenBucket or LeakyBucket");
        }
        this.tolerance = capacity * interval;
        int perSegment = Math.max(MIN_TABLE,
                Integer.highestOneBit(Math.max(1, (options.initialCapacity() >> SEGMENT_BITS) * 4 / 3)) << 1);
        this.segments = new Segment[1 << SEGMENT_BITS];
        for (int i = 0; i < segments.length; i++) {
            segments[i] = new Segment(perSegment);
        }
    }

    /** One key: its hash, the key, the next entry of its chain, and the bucket's whole state. */
    static final class Entry {
        final int hash;
        final Object key;
        volatile Entry next;
        /** The theoretical arrival time, or {@link #REMOVED}; accessed through {@code TAT}. */
        volatile long tat;

        Entry(int hash, Object key, long tat, Entry next) {
            this.hash = hash;
            this.key = key;
            this.tat = tat;
            this.next = next;
        }
    }

    /** A part of the map: lock-free lookups, writes under its lock (its monitor). */
    private static final class Segment {
        volatile Entry[] table;
        /** Entries linked; written under the lock. */
        int count;
        /** The next slot the insertions' sweep looks at. */
        int cursor;

        Segment(int size) {
            table = new Entry[size];
        }
    }

    private static int hash(Object key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        return h ^ (h >>> 13);
    }

    private Segment segmentFor(int hash) {
        return segments[hash >>> (32 - SEGMENT_BITS)];
    }

    /** The key's live entry, or null; lock-free, and may miss a key while its segment grows. */
    private static Entry find(Segment segment, Object key, int hash) {
        Entry[] table = segment.table;
        Entry e = (Entry) SLOT.getAcquire(table, hash & (table.length - 1));
        while (e != null) {
            Object k;
            if (e.hash == hash && ((k = e.key) == key || key.equals(k))) {
                return e;
            }
            e = e.next;
        }
        return null;
    }

    /** The key's entry, created at rest if it has none. */
    private Entry entry(Object key, int hash, long now) {
        Segment segment = segmentFor(hash);
        Entry e = find(segment, key, hash);
        return e != null ? e : insert(segment, key, hash, now);
    }

    private Entry insert(Segment segment, Object key, int hash, long now) {
        synchronized (segment) {
            Entry[] table = segment.table;
            int index = hash & (table.length - 1);
            for (Entry e = table[index]; e != null; e = e.next) {
                Object k;
                // Under the lock every linked entry is live: only sweeps, which hold it, remove.
                if (e.hash == hash && ((k = e.key) == key || key.equals(k))) {
                    return e;
                }
            }
            sweep(segment, now, SWEEP_SLOTS);
            if (segment.count + 1 > segment.table.length - (segment.table.length >>> 2)) {
                // Three-quarters full: sweep it all, and grow unless that brought it down to half, so the next whole
                // sweep is at least a quarter of the table's insertions away (a few slots per insertion in all).
                sweep(segment, now, segment.table.length);
                if (segment.count + 1 > segment.table.length >>> 1) {
                    grow(segment);
                }
            }
            table = segment.table;
            index = hash & (table.length - 1);
            Entry created = new Entry(hash, key, now, table[index]);
            SLOT.setRelease(table, index, created);
            segment.count++;
            return created;
        }
    }

    /** Under the segment's lock: forgets the keys at rest for {@link #KEEP_NANOS} in {@code slots} slots. */
    private static void sweep(Segment segment, long now, int slots) {
        Entry[] table = segment.table;
        int mask = table.length - 1;
        int index = segment.cursor;
        for (int i = 0; i < slots; i++, index++) {
            int slot = index & mask;
            Entry previous = null;
            for (Entry e = table[slot]; e != null; e = e.next) {
                long tat = (long) TAT.getVolatile(e);
                if (now - tat > KEEP_NANOS && TAT.compareAndSet(e, tat, REMOVED)) {
                    if (previous == null) {
                        SLOT.setRelease(table, slot, e.next);
                    } else {
                        previous.next = e.next;
                    }
                    segment.count--;
                } else {
                    previous = e;
                }
            }
        }
        segment.cursor = index & mask;
    }

    /**
     * Under the segment's lock: doubles the table, relinking the entries. A lookup still reading the old table may be
     * led along a new chain and miss its key; it then takes the lock. The links only ever point from entries not yet
     * moved to entries moved, never back, so no lookup loops.
     */
    private static void grow(Segment segment) {
        Entry[] old = segment.table;
        Entry[] table = new Entry[old.length << 1];
        int mask = table.length - 1;
        for (Entry head : old) {
            Entry e = head;
            while (e != null) {
                Entry next = e.next;
                int index = e.hash & mask;
                e.next = table[index];
                table[index] = e;
                e = next;
            }
        }
        segment.table = table;
    }

    /**
     * The GCRA decision on one entry, as {@link BucketLimiter} takes it.
     *
     * @return a decision as {@link Decisions} encodes it, or {@link #REMOVED} if the entry was forgotten
     */
    private long decide(Entry e, long permits, long now, long maxDelayNanos) {
        long cost = permits * interval;
        for (;;) {
            long current = (long) TAT.getVolatile(e);
            if (current == REMOVED) {
                return REMOVED;
            }
            long slot = Math.max(current, now);
            long next = slot + cost;
            long wait = shaping ? slot - now : next - tolerance - now;
            if (wait > 0) {
                long acceptable = shaping ? Math.min(maxDelayNanos, maxQueueDelay) : maxDelayNanos;
                if (wait > acceptable) {
                    return Decisions.refused(wait);
                }
                waitingUntil.accumulateAndGet(now + wait, Math::max); // before the CAS: see BucketLimiter
            }
            if (TAT.compareAndSet(e, current, next)) {
                return Math.max(0L, wait);
            }
            Thread.onSpinWait();
        }
    }

    /** A decision for the key, on its current entry; {@code request}, if given, remembers the entry. */
    long reserve(Object key, long permits, long now, long maxDelayNanos, Request<?> request) {
        int hash = hash(key);
        for (;;) {
            Entry e = entry(key, hash, now);
            long decision = decide(e, permits, now, maxDelayNanos);
            if (decision != REMOVED) {
                if (request != null) {
                    request.decidedOn = e;
                }
                return decision;
            }
        }
    }

    /** The permits the key could have at {@code now}, without creating it: a key not held is at rest. */
    long available(Object key, long now) {
        int hash = hash(key);
        Entry e = find(segmentFor(hash), key, hash);
        long tat = e == null ? REMOVED : (long) TAT.getVolatile(e);
        if (tat == REMOVED) {
            return shaping ? maxQueueDelay / interval + 1 : capacity;
        }
        long ahead = Math.max(0L, tat - now);
        if (shaping) {
            return ahead > maxQueueDelay ? 0L : (maxQueueDelay - ahead) / interval + 1;
        }
        return Math.max(0L, (tolerance - ahead) / interval);
    }

    /**
     * Takes {@code delta} more permits from a key's entry (a debt) or gives {@code -delta} back, as
     * {@link BucketLimiter#adjust} does. A give-back to a forgotten entry is dropped (it was at rest: full already); a
     * debt on one is charged to the key's current entry, so a debt is never lost.
     */
    void adjust(Object key, Entry decidedOn, long delta, long grantedAt) {
        Entry e = decidedOn;
        for (;;) {
            long current = (long) TAT.getVolatile(e);
            if (current == REMOVED) {
                if (delta <= 0) {
                    return;
                }
                e = entry(key, hash(key), ticker.read());
                continue;
            }
            long next = BucketLimiter.adjusted(current, delta, grantedAt, ticker, waitingUntil.get(), shaping,
                    tolerance, interval, capacity);
            if (next == current || TAT.compareAndSet(e, current, next)) {
                return;
            }
        }
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
        return new KeyView.Rate<>(this, key);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Allocation-free for a key already held: one clock reading, one lock-free lookup, one compare-and-set.
     */
    @Override
    public boolean allow(K key, long permits) {
        requireKey(key);
        Arguments.requirePermits(permits, capacity);
        long now = ticker.read();
        int hash = hash(key);
        for (;;) {
            long decision = decide(entry(key, hash, now), permits, now, 0L);
            if (decision != REMOVED) {
                return decision == 0L;
            }
        }
    }

    @Override
    public Permit tryAcquire(K key, long permits) {
        requireKey(key);
        return new Request<>(this, key).tryAcquire(permits);
    }

    @Override
    public Permit acquire(K key, long permits, Duration maxWait) {
        requireKey(key);
        return new Request<>(this, key).acquire(permits, maxWait);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(K key, long permits, Duration maxWait) {
        requireKey(key);
        return new Request<>(this, key).acquireAsync(permits, maxWait);
    }

    @Override
    public long availablePermits(K key) {
        return available(key, ticker.read());
    }

    /**
     * The keys held now, after forgetting the ones at rest for {@link #KEEP_NANOS} (see {@link #cleanUp()}).
     *
     * @return the keys held
     */
    @Override
    public long estimatedSize() {
        cleanUp();
        long size = 0;
        for (Segment segment : segments) {
            synchronized (segment) {
                size += segment.count;
            }
        }
        return size;
    }

    /** Forgets every key at rest for {@link #KEEP_NANOS} now, segment by segment. For tests and housekeeping. */
    @Override
    public void cleanUp() {
        long now = ticker.read();
        for (Segment segment : segments) {
            synchronized (segment) {
                sweep(segment, now, segment.table.length);
            }
        }
    }

    /** For tests: the entries linked now, without sweeping. */
    long linkedEntries() {
        long linked = 0;
        for (Segment segment : segments) {
            synchronized (segment) {
                linked += segment.count;
            }
        }
        return linked;
    }

    /** For tests: the slots of every segment's table. */
    long tableSlots() {
        long slots = 0;
        for (Segment segment : segments) {
            slots += segment.table.length;
        }
        return slots;
    }

    private static void requireKey(Object key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
    }

    /**
     * The keyed limiter for logs, for example {@code KeyedLimiter[per-client: token bucket 10, 5/s per key; 42 keys
     * held]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        long keys = 0;
        for (Segment segment : segments) {
            keys += segment.count;
        }
        return "KeyedLimiter[" + name + ": " + SpecText.describe(spec) + " per key; " + keys
                + (keys == 1L ? " key held]" : " keys held]");
    }

    /**
     * One request on one key, as a rate limiter: the shared machinery (permits, waiting, giving back) over the key's
     * entry. It remembers the entry its decision was taken on, so settling or withdrawing its permit adjusts that
     * entry and never a newer one built after it was forgotten. Used for one request only.
     */
    static final class Request<K> extends AbstractRateLimiter {

        private final KeyedBucketLimiter<K> owner;
        private final Object key;
        /** The entry the last decision was taken on. */
        volatile Entry decidedOn;

        Request(KeyedBucketLimiter<K> owner, Object key) {
            super(owner.name, owner.ticker, owner.scheduler);
            this.owner = owner;
            this.key = key;
        }

        @Override
        public LimitSpec spec() {
            return owner.spec;
        }

        @Override
        long reserve(long permits, long now, long maxDelayNanos) {
            return owner.reserve(key, permits, now, maxDelayNanos, this);
        }

        /** A refusal means no slot within the caller's wait (or the queue's delay) exists: retrying cannot help. */
        @Override
        boolean retriesRefusals() {
            return false;
        }

        @Override
        long available(long now) {
            return owner.available(key, now);
        }

        @Override
        long limit() {
            return owner.capacity;
        }

        @Override
        public void adjust(long delta, long grantedAt) {
            Entry e = decidedOn;
            if (e != null) {
                owner.adjust(key, e, delta, grantedAt);
            }
        }
    }
}
