package dev.throttle.local.limiters;

import dev.throttle.LimitSpec;
import dev.throttle.Scheduler;
import dev.throttle.SlidingLog;
import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * The exact sliding window log: a request for {@code n} permits at {@code now} is granted iff the permits granted
 * at times {@code t > now − W}, plus {@code n}, are at most the limit {@code L}. A permit granted at {@code t} stops
 * counting at {@code t + W} exactly, so no half-open interval {@code (t − W, t]} ever holds more than {@code L}
 * permits.
 *
 * <h2>State</h2>
 * Permits are numbered {@code 0, 1, 2, ...} in the order they are claimed, and permit {@code k} lives in slot
 * {@code k mod R} of a ring, {@code R} the limit rounded up to a power of two: consecutive permits are consecutive
 * words, so a scan walks one cache line per eight permits. A slot is one word, read and written whole: the time of its
 * permit (the ticker reading minus an origin a window before the first reading) shifted left past three bits, the
 * permit's generation {@code (k div R) mod 4} and a block flag (see below). Nothing else is needed to decide: a
 * permit is claimed by the CAS of its slot from the word of permit {@code k − R} (the generation before) to its own
 * word, time included. A one-permit grant is that one CAS, its only locked instruction. Memory: 8 bytes per slot, at
 * most 16 per permit of the limit (8 MiB at {@link SlidingLog#MAX_LIMIT}, a power of two); no division anywhere.
 *
 * <p>The next free number is found from two lower bounds. {@code hint} is the end of a recent claim, stored by every
 * claimer (a plain release store, no lock) once its slots are filled; a stale writer may move it back, but it is never
 * past the next free number. Usually it is the next free number, and its acquire read alone shows permit
 * {@code k − 1} filled. {@code head} only moves forward, by CAS, rarely (when a claim ends {@value #ADVANCE_EVERY} or
 * more numbers past it, or {@code R / 2} in a smaller ring). Both hold block ends only (below), so a scan never starts
 * inside a block. When the slot at the hint is taken, a scan from {@code head} (or the hint, if further) steps over
 * claimed slots (the generation of their number) to the first that still holds the generation before: the candidate.
 * Scanning from {@code head} alone, 64 numbers behind at worst, made a decision 1.5 to 2 times slower in a
 * benchmark; storing the hint only when a claim crossed a cache line, 5 % slower than at every claim.
 *
 * <h2>Why one timestamp decides</h2>
 * A claimer of number {@code k} reads the ticker only after it has seen (acquire) permit {@code k − 1}'s slot hold its
 * time, or the hint {@code k} stored after it, and then claims {@code k} by CAS from the word of permit {@code k − R},
 * which is there only while {@code k} is unclaimed: numbers are claimed in order, and times never decrease with the
 * number. So the request for {@code n}
 * permits at {@code k} fits iff every permit up to {@code j = k + n − 1 − L} (the newest that must have left the last
 * {@code L}) is out of the window, which by monotonicity is iff {@code time(j) <= now − W}; a refusal can retry after
 * {@code time(j) + W − now}, exactly. {@code j < 0}: fewer than {@code L} permits were ever logged. Each granted permit
 * {@code p} at {@code t} thus had {@code time(p − L) <= t − W}, so {@code L + 1} permits in one window {@code (T − W, T]}
 * are impossible: the newest's {@code p − L} is one of them. A refusal is taken only when slot {@code k}, read again
 * after permit {@code j}'s, still holds the same word: the next free number was {@code k} across the reading.
 *
 * <h2>Stale reads</h2>
 * Two bits of generation tell apart only four consecutive permits of a slot, so every read is pinned down by a later
 * read of {@code head}. Two rules keep the log at most {@code R} ahead of {@code head}: positions
 * {@code k .. k + n − 1} are claimed only if {@code k + n − 1 < h + R} for a value {@code h} of {@code head} read before
 * (else {@code head} is first advanced, by CAS, to {@code k}, whose predecessors were all seen claimed), and
 * {@code head} never passes a free number. Hence the next free number {@code N <= head + R} at every moment. A
 * decision at candidate {@code k} reads {@code head} again after its slots and needs {@code head <= k}: every slot it
 * read, at a number {@code q} in {@code (k − R, k + R)}, then held a permit below {@code N <= k + R}, and one that
 * was claimed, {@code q − R} at least ({@code q − 2R} when {@code q − R} waits in a block): three generations,
 * {@code q − 2R, q − R, q} (or {@code q − R, q, q + R} for a number below {@code k}), never four, so the bits are
 * unambiguous. Permit {@code j}'s slot, read after the ticker, is pinned down by what follows: the grant's CAS
 * succeeds, or the refusal finds slot {@code k} unchanged, so {@code k} was the next free number across the read and
 * slot {@code j} held {@code j} or, unfilled, {@code j − R}. Block fillers (below) check {@code head <= b + R} for a
 * block at {@code b}, else the block is complete ({@code b + R} was claimed, which needs {@code b} filled). The CASes themselves cannot succeed against a later
 * generation: a slot's time strictly grows every round ({@code time(k + R) > time(k)}: permit {@code k + R} was granted
 * at {@code t} only with {@code time(k + R − L) <= t − W}, and settling up never logs a permit at the reading of the
 * one it overwrites, see below), so the word a CAS expects never comes back once replaced.
 *
 * <h2>Requests for several permits: blocks</h2>
 * A request for {@code n > 1} permits stays all-or-nothing in one CAS: slot {@code k} goes from permit
 * {@code k − R}'s word to a block word (the flag, {@code n}, and the number's round {@code k div R} mod {@code 2^43}), which
 * claims {@code k .. k + n − 1} at once; before it, slots {@code k + 1 .. k + n − 1} must hold exactly the words of
 * their permits {@code − R} (if one is older, that permit waits in an earlier block: it is finished first). Filling
 * the block, by its claimer or by any decision that meets it (lock-free: a claimer preempted after its CAS delays
 * nobody): the tail {@code k + n − 1} first, at the claimer's reading or, for a helper, at its own reading taken after
 * it saw the block word (later than the claimer's: the block then counts longer, conservatively, and times stay
 * monotone); then {@code k + n − 2} down to {@code k + 1} with the tail's time, each by CAS from its predecessor's
 * word; last the head, by CAS from the block word. So a filled member implies every later member filled, an unfilled
 * one is found by walking back to the block word, and a claim after the block waits (helping) for its tail. A block
 * word is not a time: the only CAS from it (the head's fill) could meet the same word again only after its slot went
 * round the ring {@code 2^43} times, each round a nanosecond at least, while the filler stood still between a read
 * and the next instruction (hours).
 *
 * <h2>Limits of this engine</h2>
 * <ul>
 *   <li>No reconfiguration: the limit sizes the ring.</li>
 *   <li>Settling up ({@code adjust(+d)}) logs {@code min(d, L)} more permits at the current reading, unconditionally
 *   (debt the caller incurred), by the same claims. It stops early where the permit a claim would overwrite was logged
 *   at the same reading: then the last {@code R >= L} permits are all at that reading, and more of them would change
 *   no count, no decision and no retry time, only break the strict growth of a slot's time that keeps CASes
 *   exact.</li>
 *   <li>Giving back ({@code adjust(−d)}) is a no-op: the log cannot un-log. Back-dating the newest permits would
 *   break the time order the single-timestamp check relies on and over-admit; freeing their slots would let a claim
 *   take a number whose successors are claimed. Unused permits therefore count until they leave the window
 *   (conservative).</li>
 *   <li>It never reserves a future slot: a waiting acquisition is retried at the computed retry time.</li>
 * </ul>
 * A granted or refused decision allocates nothing.
 */
public final class SlidingLogLimiter extends AbstractRateLimiter {

    private static final VarHandle HEAD;
    private static final VarHandle HINT;
    /** Slot {@code i}: the word of the permit it holds. */
    private static final VarHandle LOG = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(SlidingLogLimiter.class, "head", long.class);
            HINT = MethodHandles.lookup().findVarHandle(SlidingLogLimiter.class, "hint", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A word's low bits: its permit's generation, {@code (k div R) mod 4}. */
    private static final long GENERATION_MASK = 3L;
    /** The flag of a block word: the head of a block not filled yet. */
    private static final long BLOCK = 4L;
    /** Where a word's time, or a block word's length, starts. */
    private static final int PAYLOAD_SHIFT = 3;
    /** A block word's length field: {@code n − 1}, below {@link SlidingLog#MAX_LIMIT}. */
    private static final int LENGTH_BITS = 20;
    private static final long LENGTH_MASK = (1L << LENGTH_BITS) - 1;
    /** Where a block word's round ({@code k div 4R}, its low 41 bits) starts. */
    private static final int ROUND_SHIFT = PAYLOAD_SHIFT + LENGTH_BITS;

    /** {@link #relation}: the slot holds permit {@code k}. */
    private static final int SAME = 0;
    /** {@link #relation}: the slot holds permit {@code k + R}: the reader is behind. */
    private static final int AFTER = 1;
    /** {@link #relation}: the slot holds permit {@code k − 2R}: permit {@code k − R} waits in a block. */
    private static final int TWO_BEFORE = 2;
    /** {@link #relation}: the slot holds permit {@code k − R}: {@code k} is unclaimed, or waits in a block. */
    private static final int BEFORE = 3;

    /** The slots' first word: permit {@code k − R} of every {@code k < R}, never granted, at time 0 (the origin). */
    private static final long NEVER_GRANTED = GENERATION_MASK;
    /** {@link #candidate} and {@link #filledWord}: the state moved, or was helped along; decide again. */
    private static final long AGAIN = -1L;
    /** How far a claim may end past {@code head} before the claimer moves it (at most {@code R / 2}). */
    private static final int ADVANCE_EVERY = 64;

    private final SlidingLog spec;
    private final int limit;
    /** {@code log2 R}: the ring holds {@code R = 2^ringBits} slots, at least the limit. */
    private final int ringBits;
    private final long ring;
    private final int ringMask;
    /** A claim ending this far past {@code head} moves it there. */
    private final long advanceEvery;
    private final long window;
    /** The ticker reading packed as time 0: one window before the first reading, so a never-granted slot is out. */
    private final long origin;
    private final long[] log;
    /** Runs after a block's claim, before its filling: a test's way to preempt a claimer there; null otherwise. */
    private final Runnable afterBlockClaim;
    /** A lower bound of the next free number, at a block end; moves only forward, by CAS. */
    @SuppressWarnings("unused") // accessed through HEAD
    private volatile long head;
    /** The end of a recent claim, at most the next free number; a plain store, may move back. */
    @SuppressWarnings("unused") // accessed through HINT
    private volatile long hint;

    /**
     * A limiter, its log empty.
     *
     * @param name the limiter's name
     * @param spec the spec
     * @param ticker the engine's clock
     * @param scheduler where waiting requests wait
     */
    public SlidingLogLimiter(String name, SlidingLog spec, Ticker ticker, Scheduler scheduler) {
        this(name, spec, ticker, scheduler, null);
    }

    /** A limiter whose block claimers run {@code afterBlockClaim} between their claim and its filling (tests). */
    SlidingLogLimiter(String name, SlidingLog spec, Ticker ticker, Scheduler scheduler, Runnable afterBlockClaim) {
        super(name, ticker, scheduler);
        this.spec = Arguments.requireNonNull("spec", spec);
        this.limit = Math.toIntExact(spec.limit());
        this.window = spec.window().toNanos();
        this.origin = ticker.read() - window;
        this.ringBits = 32 - Integer.numberOfLeadingZeros(limit - 1);
        this.ring = 1L << ringBits;
        this.ringMask = (int) ring - 1;
        this.advanceEvery = Math.max(1L, Math.min(ADVANCE_EVERY, ring / 2));
        this.log = new long[(int) ring];
        this.afterBlockClaim = afterBlockClaim;
        Arrays.fill(log, NEVER_GRANTED);
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    /** The decision reads the clock itself, after the slots: the caller's reading would only be wasted. */
    @Override
    long decideNow(long permits) {
        return reserve(permits, 0L, 0L);
    }

    /**
     * Decides from the log. The caller's reading of the ticker is not used: it was taken before the slots were read,
     * and only a reading taken after the previous permit was seen keeps times ordered by number. Waiting callers are
     * never given a reservation, so {@code maxDelayNanos} is ignored too.
     */
    @Override
    long reserve(long permits, long callerNow, long maxDelayNanos) {
        if (permits > limit) {
            return Decisions.NEVER;
        }
        return claim(permits, false);
    }

    /**
     * Claims {@code permits} numbers at a fresh reading: a decision ({@code settling} false: only if the newest permit
     * that must have left the window has; 0, or the refusal's encoded retry time) or a settlement ({@code settling}
     * true: unconditionally, as far as the class comment's limits allow; 0). One method for both, so that both find
     * their number the same way, from the hint and, once that led nowhere, by a scan from {@code head}.
     */
    private long claim(long permits, boolean settling) {
        // Whether to scan from head: after the hint led nowhere, for retrying from it could fail the same way forever.
        boolean scan = false;
        for (;;) {
            // The hint is stored after the claim ending there was filled: permit k − 1's time is behind this read.
            long k = (long) HINT.getAcquire(this);
            int index = index(k);
            long free = (long) LOG.getAcquire(log, index);
            if (scan || k == 0L || !isFree(free, k)) {
                // Not the usual case (the hint at the next free number, after a filled slot): scan from head.
                k = candidate((long) HEAD.getVolatile(this));
                if (k == AGAIN) {
                    continue;
                }
                index = index(k);
                free = (long) LOG.getAcquire(log, index);
                if (!isFree(free, k)) {
                    continue;
                }
            }
            scan = true;
            if (permits > 1 && !membersFree(k, permits)) {
                continue;
            }
            long h2 = (long) HEAD.getVolatile(this);
            if (h2 > k || !withinReach(k, permits, h2)) {
                continue; // k was claimed (head passed it), or head had to move first
            }
            long now = ticker.read();
            long claiming = permits;
            if (settling) {
                // Log only while the permit overwritten is older than now (the class comment says why no more matter).
                claiming = 0;
                while (claiming < permits && timeIn((long) LOG.getAcquire(log, index(k + claiming))) - now < 0L) {
                    claiming++;
                }
                if (claiming == 0) {
                    if ((long) LOG.getAcquire(log, index) == free) {
                        return 0L; // the last R permits, from k − R on, were all logged at this reading
                    }
                    continue;
                }
            } else {
                long j = k + permits - 1 - limit;
                if (j >= 0) {
                    long filled = index(j) == index ? free : filledWord(j); // L = R: permit j's slot is k's
                    if (filled == AGAIN) {
                        continue;
                    }
                    long time = timeIn(filled);
                    if (now - time < window) {
                        // Refuse only if k was still free after the reads: then time(j) was the time that decides.
                        if ((long) LOG.getAcquire(log, index) == free) {
                            return Decisions.refused(window - (now - time));
                        }
                        continue;
                    }
                }
            }
            if (claiming == 1) {
                if (LOG.compareAndSet(log, index, free, packed(now, k))) {
                    claimed(k + 1, h2);
                    return 0L;
                }
            } else if (LOG.compareAndSet(log, index, free, blockWord(k, claiming))) {
                if (afterBlockClaim != null && !settling) {
                    afterBlockClaim.run();
                }
                fill(k, true, now);
                claimed(k + claiming, h2);
                return 0L;
            }
            // Lost slot k to another claim: step aside, then decide again at a new reading, from the winner's hint.
            Contention.backOff();
            scan = false;
        }
    }

    /**
     * The first free number at or after a block end, with its predecessor seen filled with a time ({@code 0} has none);
     * {@link #AGAIN} if the scan met a stale slot or had to help a block along first. {@code h}: {@code head} as read.
     */
    private long candidate(long h) {
        long k = (long) HINT.getAcquire(this);
        if (k - h < 0L || k - h >= ring) {
            k = h; // a stale hint, behind head, or one head will have to catch up with first
        }
        boolean priorFilled = k == 0L;
        for (;;) {
            if (k - h > ring) {
                return AGAIN; // past where the next free number can be: head moved meanwhile
            }
            long word = (long) LOG.getAcquire(log, index(k));
            int relation = relation(word, k);
            if (relation == SAME) {
                if ((word & BLOCK) == 0L) {
                    k++;
                    priorFilled = true;
                } else {
                    k += lengthIn(word);
                    priorFilled = false;
                }
            } else if (relation == BEFORE && (word & BLOCK) == 0L) {
                break;
            } else {
                if (relation != AFTER) {
                    fillContaining(k - ring); // permit k − R waits in a block: finish it
                }
                return AGAIN;
            }
        }
        if (!priorFilled) {
            long word = (long) LOG.getAcquire(log, index(k - 1));
            if (relation(word, k - 1) != SAME || (word & BLOCK) != 0L) {
                // The tail of a block not filled yet (else a stale read): finish it, its time comes before ours.
                fillContaining(k - 1);
                return AGAIN;
            }
        }
        return k;
    }

    /**
     * Whether slots {@code k + 1 .. k + n − 1} hold exactly their permits {@code − R}, so that a block claimed at
     * {@code k} can fill them by CAS; a permit {@code − R} still waiting in an earlier block is helped along first.
     */
    private boolean membersFree(long k, long permits) {
        for (long q = k + 1, end = k + permits; q < end; q++) {
            long word = (long) LOG.getAcquire(log, index(q));
            int relation = relation(word, q);
            if (relation != BEFORE || (word & BLOCK) != 0L) {
                if (relation != SAME && relation != AFTER) {
                    fillContaining(q - ring);
                }
                return false;
            }
        }
        return true;
    }

    /**
     * Whether numbers {@code k .. k + n − 1} may be claimed while {@code head} is {@code h}, staying within {@code R}
     * of it; if not, moves {@code head} to {@code k} (all before it seen claimed, a block end) and says no.
     */
    private boolean withinReach(long k, long permits, long h) {
        if (k + permits - 1 - h < ring) {
            return true;
        }
        HEAD.compareAndSet(this, h, k);
        return false;
    }

    /**
     * After a claim ending at {@code end}, filled: the hint (released after the fill, as a decision from it assumes),
     * and {@code head} when it is far behind.
     */
    private void claimed(long end, long h) {
        HINT.setRelease(this, end);
        if (end - h >= advanceEvery) {
            HEAD.compareAndSet(this, h, end);
        }
    }

    /**
     * The word of permit {@code j}, claimed, holding its time; or, when it waits in a block, {@link #AGAIN} (never a
     * time: its block flag is set) after helping the block along, or when the slot had moved on (a stale read).
     */
    private long filledWord(long j) {
        long word = (long) LOG.getAcquire(log, index(j));
        int relation = relation(word, j);
        if (relation == SAME && (word & BLOCK) == 0L) {
            return word;
        }
        if (relation == SAME || relation == BEFORE) {
            fillContaining(j);
        }
        return AGAIN;
    }

    /** Finishes the block that permit {@code p}, claimed and not filled, belongs to: walks back to its block word. */
    private void fillContaining(long p) {
        for (long q = p, stop = Math.max(0L, p - limit); q >= stop; q--) {
            long word = (long) LOG.getAcquire(log, index(q));
            int relation = relation(word, q);
            if (relation == SAME) {
                if ((word & BLOCK) != 0L) {
                    fill(q, false, 0L);
                }
                return; // a filled slot: every later one of its block is filled
            }
            if (relation != BEFORE || (word & BLOCK) != 0L) {
                return; // not an unfilled member: a stale read
            }
        }
    }

    /**
     * Fills the block whose word is in slot {@code b} (if it still is): the tail at the claimer's reading {@code now}
     * (a helper's: a reading taken now, after the block word was seen), then the members down to {@code b + 1} with
     * the tail's time, then the head. Each read is checked against {@code head}: once it is more than {@code R} past
     * {@code b}, the block is surely complete (permit {@code b + R} needed {@code b} filled).
     */
    private void fill(long b, boolean claimer, long now) {
        int headIndex = index(b);
        long blockWord = (long) LOG.getAcquire(log, headIndex);
        if (complete(b) || relation(blockWord, b) != SAME || (blockWord & BLOCK) == 0L) {
            return;
        }
        long time = now;
        for (long p = b + lengthIn(blockWord) - 1, tail = p; p > b; p--) {
            int index = index(p);
            for (;;) {
                long word = (long) LOG.getAcquire(log, index);
                if (complete(b)) {
                    return;
                }
                int relation = relation(word, p);
                if (relation == SAME && (word & BLOCK) == 0L) {
                    if (p == tail) {
                        time = timeIn(word); // the first to fill the tail decided the block's time
                    }
                    break;
                }
                if (relation != BEFORE || (word & BLOCK) != 0L) {
                    return; // moved on: the block was filled
                }
                if (p == tail && !claimer) {
                    time = ticker.read();
                }
                if (LOG.compareAndSet(log, index, word, packed(time, p))) {
                    break;
                }
            }
        }
        LOG.compareAndSet(log, headIndex, blockWord, packed(time, b));
    }

    /** Whether {@code head} is more than {@code R} past {@code b}: then permit {@code b} and its block are filled. */
    private boolean complete(long b) {
        return (long) HEAD.getVolatile(this) - b > ring;
    }

    /**
     * Counts the logged permits still in the window, by binary search over the last {@code L} permit numbers (times
     * grow with the number). A slot not yet filled counts as in the window: it is one of the newest.
     */
    @Override
    long available(long now) {
        long next = next();
        return Math.max(0L, limit - (next - firstInWindow(next, now)));
    }

    /**
     * The time until the oldest permit in the window leaves it, and with it one more permit becomes available. Empty
     * when the window holds none (nothing more can come) or the oldest one's slot is still being filled.
     */
    @Override
    public OptionalLong refillNanos(long grantedAt) {
        long next = next();
        long now = Math.max(grantedAt, ticker.read());
        long oldest = firstInWindow(next, now);
        if (oldest >= next) {
            return OptionalLong.empty();
        }
        long word = (long) LOG.getAcquire(log, index(oldest));
        if (relation(word, oldest) != SAME || (word & BLOCK) != 0L) {
            return OptionalLong.empty();
        }
        long left = timeIn(word) + window - now;
        return left > 0L ? OptionalLong.of(left) : OptionalLong.empty();
    }

    /** The next free number, found as a decision finds it (no waiting for blocks: their numbers are claimed). */
    private long next() {
        for (;;) {
            long h = (long) HEAD.getVolatile(this);
            long k = (long) HINT.getAcquire(this);
            if (k - h < 0L || k - h >= ring) {
                k = h;
            }
            while (k - h <= ring) {
                long word = (long) LOG.getAcquire(log, index(k));
                int relation = relation(word, k);
                if (relation == SAME) {
                    k += (word & BLOCK) == 0L ? 1L : lengthIn(word);
                } else {
                    if (relation != AFTER && (long) HEAD.getVolatile(this) <= k) {
                        return k; // pinned down by head, as a decision's reads are
                    }
                    break;
                }
            }
        }
    }

    /** The number of the oldest permit still in the window, {@code next} when none is (times grow with the number). */
    private long firstInWindow(long next, long now) {
        long lo = Math.max(0L, next - limit);
        long hi = next; // the first permit in the window lies in [lo, hi]; hi = next: none
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (inWindow(mid, now)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Whether permit {@code k} may still count at {@code now}: in the window, or not (or no longer) readable. */
    private boolean inWindow(long k, long now) {
        long word = (long) LOG.getAcquire(log, index(k));
        if (relation(word, k) != SAME || (word & BLOCK) != 0L) {
            return true;
        }
        return now - timeIn(word) < window;
    }

    @Override
    long limit() {
        return limit;
    }

    /**
     * Settles an estimate. More permits used are logged now, unconditionally (at most {@code L}: the window counts no
     * more), by the claims a decision makes without its check; fewer used is a no-op, as the class comment explains.
     */
    @Override
    public void adjust(long delta, long grantedAt) {
        if (delta <= 0) {
            return;
        }
        claim(Math.min(delta, limit), true);
    }

    /** Whether {@code word} holds permit {@code k − R}'s time: slot {@code k} free, or a member of a block. */
    private boolean isFree(long word, long k) {
        return (word & (BLOCK | GENERATION_MASK)) == (((k >>> ringBits) - 1) & GENERATION_MASK);
    }

    /** Permit {@code k}'s slot. */
    private int index(long permit) {
        return (int) permit & ringMask;
    }

    /**
     * Which permit of slot {@code k mod R} a word holds, relative to {@code k}: {@link #SAME}, {@link #BEFORE},
     * {@link #TWO_BEFORE} or {@link #AFTER}, from the generations' difference mod 4.
     */
    private int relation(long word, long k) {
        return (int) ((word - (k >>> ringBits)) & GENERATION_MASK);
    }

    /** Permit {@code k}'s word for a grant at ticker reading {@code time}. */
    private long packed(long time, long k) {
        return ((time - origin) << PAYLOAD_SHIFT) | ((k >>> ringBits) & GENERATION_MASK);
    }

    /** The word that claims {@code k .. k + n − 1} as one block, its round ({@code k div R}) to 43 bits. */
    private long blockWord(long k, long permits) {
        long round = k >>> ringBits;
        return ((round >>> 2) << ROUND_SHIFT) | ((permits - 1) << PAYLOAD_SHIFT) | BLOCK | (round & GENERATION_MASK);
    }

    /** The length of the block a block word claims. */
    private static long lengthIn(long word) {
        return ((word >>> PAYLOAD_SHIFT) & LENGTH_MASK) + 1;
    }

    /** The ticker reading a word holds. */
    private long timeIn(long word) {
        return (word >>> PAYLOAD_SHIFT) + origin;
    }
}
