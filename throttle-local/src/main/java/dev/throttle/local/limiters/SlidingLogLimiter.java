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
 * A counter {@code head} of the permits ever granted, and a ring of {@code R} slots, {@code R} the limit rounded up to
 * a power of two: permit number {@code k} lives in the slot of {@code k mod R} as one word, the time of its grant and
 * its generation {@code (k div R) mod 4} packed together, so that a slot is always read and written whole. A request
 * for {@code n} permits takes the {@code n} consecutive numbers {@code head .. head + n − 1} in one CAS on
 * {@code head}, then writes their slots. Memory: 8 bytes per slot, at most 16 per permit of the limit (8 MiB at
 * {@link SlidingLog#MAX_LIMIT}, a power of two); cost of a grant: one CAS on {@code head} plus one CAS per permit on
 * its slot, and no division (the ring's size is a power of two).
 *
 * <p>Consecutive permits lie in different cache lines: {@code k mod R} is spread over eight stripes of the ring
 * ({@code k mod 8} picks the stripe, {@code (k div 8) mod (R/8)} the slot in it), so two threads granting one after
 * the other write different lines, while each stripe is still walked in order (one line per eight of its permits).
 *
 * <h2>Why one timestamp decides</h2>
 * Each decision reads {@code head} (volatile) <em>before</em> the ticker, and claims with a CAS from the value it
 * read. A claim that succeeds after another's read {@code head} after that CAS, hence read the monotonic ticker
 * after the other read it: times never decrease with the permit number. With {@code s = head}, the request fits iff
 * every permit up to {@code j = s + n − L − 1} (the newest that must have left the last {@code L}) is out of the
 * window, which by monotonicity is iff {@code time(j) <= now − W}; a refusal can retry after
 * {@code time(j) + W − now}, exactly. {@code j < 0}: fewer than {@code L} permits were ever granted.
 *
 * <h2>Slots written after the claim, and helped</h2>
 * Between its CAS and its write, a claimer may be preempted for a long while. A decision that needs its permit does
 * not wait for it: every later permit was claimed after it, so the time of any later permit already written bounds
 * its time from above. When that bound has left the window, so has the permit: the decision writes the bound into
 * the permit's slot itself (by CAS: the first of the claimer and its helpers to write the slot wins, and the others
 * leave it) and goes on. A bound is never earlier than the true time, so a helped slot only ever counts a permit for
 * longer, never shorter. A decision refuses without knowing the time only when every permit from {@code j} to the
 * newest is claimed and unwritten (more requests stalled mid-write at once than the limit holds), conservatively,
 * retry after 1 µs; and when a bound written by a helper with a later clock reading makes a permit look younger than
 * it was, in the narrow race between two decisions taken at the same moment.
 *
 * <p>Before a claim, the slots it overwrites (permits {@code s − R .. s + n − 1 − R}, all no later than {@code j}) are
 * written, by their claimers or by helpers. So each slot goes through its permits in order, one generation at a time; a reader that finds a slot of the
 * generation before the one it needs knows the permit is unwritten, and any other generation means the log moved on
 * (checked against {@code head}, read again after the slot). A claimer writes its slot by CAS, only over its
 * predecessor's word, so a late writer never buries a newer permit.
 *
 * <h2>Limits of this engine</h2>
 * <ul>
 *   <li>No reconfiguration: the limit is the ring's size.</li>
 *   <li>Settling up ({@code adjust(+d)}) logs {@code min(d, L)} more permits at the current time, even beyond the
 *   limit (debt the caller incurred), writing any slot it overwrites that is still unwritten with its own reading
 *   (later than that permit's).</li>
 *   <li>Giving back ({@code adjust(−d)}) is a no-op: the log cannot un-log. Back-dating the newest permits would
 *   break the time order the single-timestamp check relies on and over-admit; rolling {@code head} back suffers
 *   ABA against concurrent claimers. Unused permits therefore count until they leave the window (conservative).</li>
 *   <li>It never reserves a future slot: a waiting acquisition is retried at the computed retry time.</li>
 * </ul>
 * A granted or refused decision allocates nothing.
 */
public final class SlidingLogLimiter extends AbstractRateLimiter {

    private static final VarHandle HEAD;
    /** Slot {@code i}: the time of the permit it holds, shifted left past its generation. */
    private static final VarHandle LOG = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(SlidingLogLimiter.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A slot's low bits: its permit's generation, {@code (k div R) mod 4}. */
    private static final int GENERATION_BITS = 2;
    private static final long GENERATION_MASK = (1L << GENERATION_BITS) - 1;
    /**
     * The slots' first value: permit {@code k − R} of every {@code k < R}, a permit that never was, of generation
     * {@code −1 mod 4} and time 0, which is a window before the first reading (see {@link #origin}).
     */
    private static final long NEVER_GRANTED = GENERATION_MASK;
    /** How often a decision re-reads an unwritten slot that no later permit bounds, before refusing. */
    private static final int SPINS = 100;
    /** The retry time of a conservative refusal: the missing write is normally nanoseconds away. */
    private static final long UNWRITTEN_RETRY_NANOS = 1_000L;
    /** {@link #timeOf(long, long, long)}: the log moved on while it was read; decide again. */
    private static final long MOVED = Long.MIN_VALUE;
    /** {@link #timeOf(long, long, long)}: the permit is unwritten and nothing tells whether it has left. */
    private static final long UNKNOWN = Long.MIN_VALUE + 1;

    private final SlidingLog spec;
    private final int limit;
    /** {@code log2 R}: the ring holds {@code R = 2^ringBits} slots, at least the limit. */
    private final int ringBits;
    /** {@code log2} of the number of stripes (8, or {@code R} when the ring is smaller). */
    private final int stripeBits;
    /** The slots of a stripe, minus one. */
    private final int rowMask;
    private final long window;
    /** The ticker reading packed as time 0: one window before the first reading, so a never-granted slot is out. */
    private final long origin;
    private final long[] log;
    @SuppressWarnings("unused") // accessed through HEAD
    private volatile long head;

    /**
     * A limiter, its log empty.
     *
     * @param name the limiter's name
     * @param spec the spec
     * @param ticker the engine's clock
     * @param scheduler where waiting requests wait
     */
    public SlidingLogLimiter(String name, SlidingLog spec, Ticker ticker, Scheduler scheduler) {
        super(name, ticker, scheduler);
        this.spec = Arguments.requireNonNull("spec", spec);
        this.limit = Math.toIntExact(spec.limit());
        this.window = spec.window().toNanos();
        this.origin = ticker.read() - window;
        this.ringBits = 32 - Integer.numberOfLeadingZeros(limit - 1);
        this.stripeBits = Math.min(3, ringBits);
        this.rowMask = (1 << (ringBits - stripeBits)) - 1;
        this.log = new long[1 << ringBits];
        Arrays.fill(log, NEVER_GRANTED);
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    /** The decision reads the clock itself, after {@code head}: the caller's reading would only be wasted. */
    @Override
    long decideNow(long permits) {
        return reserve(permits, 0L, 0L);
    }

    /**
     * Decides from the log. The caller's reading of the ticker is not used: it was taken before {@code head} was
     * read, and only a reading taken after it keeps times ordered by permit number. Waiting callers are never
     * given a reservation, so {@code maxDelayNanos} is ignored too.
     */
    @Override
    long reserve(long permits, long callerNow, long maxDelayNanos) {
        if (permits > limit) {
            return Decisions.NEVER;
        }
        for (;;) {
            long s = (long) HEAD.getVolatile(this);
            long now = ticker.read();
            long j = s + permits - limit - 1;
            if (j >= 0) {
                long time = timeOf(j, s, now);
                if (time == MOVED) {
                    continue;
                }
                if (time == UNKNOWN || now - time < window) {
                    // Refuse only if no claim overtook the reads: then the time read was permit j's.
                    if ((long) HEAD.getVolatile(this) == s) {
                        return Decisions.refused(time == UNKNOWN ? UNWRITTEN_RETRY_NANOS : window - (now - time));
                    }
                    continue;
                }
                // Permit j has left, and the older ones this claim overwrites with it: their slots must be written.
                long overwritten = s + permits - 1 - log.length; // the newest; permit j is written already
                if (!writeUnwritten(Math.max(0L, s - log.length), Math.min(j - 1, overwritten), s, time)) {
                    continue;
                }
            }
            if (HEAD.compareAndSet(this, s, s + permits)) {
                write(s, permits, now);
                return 0L;
            }
            // Lost head to another claim: step aside, then decide again from the new head at a new reading.
            Contention.backOff();
        }
    }

    /**
     * The time of claimed permit {@code j}, read while {@code head} is {@code s}: written by its claimer, or bounded
     * from above by a later permit's when that proves it out of the window (the bound is then written for it); else,
     * after a brief spin, {@link #UNKNOWN}.
     * {@link #MOVED} when {@code head} moved meanwhile.
     */
    private long timeOf(long j, long s, long now) {
        int index = index(j);
        long generation = generation(j);
        for (int spins = 0; ; spins++) {
            long value = (long) LOG.getAcquire(log, index);
            if ((long) HEAD.getVolatile(this) != s) {
                return MOVED;
            }
            if ((value & GENERATION_MASK) == generation) {
                return timeIn(value);
            }
            long upper = writtenTime(j + 1, s);
            if (upper == MOVED) {
                return MOVED;
            }
            if (upper != UNKNOWN && now - upper >= window) {
                LOG.compareAndSet(log, index, value, packed(upper, j)); // lost to its claimer: also written
                return upper;
            }
            if (spins == SPINS) {
                return UNKNOWN;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * The time of the first written permit of {@code from .. end − 1} (a helped one's bound, no earlier than its
     * time): {@link #UNKNOWN} if none is written, {@link #MOVED} if a slot holds a newer permit than the one looked for.
     */
    private long writtenTime(long from, long end) {
        for (long k = from; k < end; k++) {
            long value = (long) LOG.getAcquire(log, index(k));
            long generation = generation(k);
            if ((value & GENERATION_MASK) == generation) {
                return timeIn(value);
            }
            if ((value & GENERATION_MASK) != ((generation - 1) & GENERATION_MASK)) {
                return MOVED;
            }
        }
        return UNKNOWN;
    }

    /**
     * Writes {@code time} (no earlier than theirs) for the permits {@code from .. to} whose claimers have not written
     * them yet, while {@code head} is {@code s}; false if it moved.
     */
    private boolean writeUnwritten(long from, long to, long s, long time) {
        for (long k = from; k <= to; k++) {
            int index = index(k);
            long generation = generation(k);
            for (;;) {
                long value = (long) LOG.getAcquire(log, index);
                if ((long) HEAD.getVolatile(this) != s) {
                    return false;
                }
                if ((value & GENERATION_MASK) == generation
                        || LOG.compareAndSet(log, index, value, packed(time, k))) {
                    break;
                }
            }
        }
        return true;
    }

    /**
     * Counts the logged permits still in the window, by binary search over the last {@code L} permit numbers (times
     * grow with the number). A slot not yet written counts as in the window: it is one of the newest.
     */
    @Override
    long available(long now) {
        long h = (long) HEAD.getVolatile(this);
        return Math.max(0L, limit - (h - firstInWindow(h, now)));
    }

    /**
     * The time until the oldest permit in the window leaves it, and with it one more permit becomes available. Empty
     * when the window holds none (nothing more can come) or the oldest one's slot is still being written.
     */
    @Override
    public OptionalLong refillNanos(long grantedAt) {
        long h = (long) HEAD.getVolatile(this);
        long now = Math.max(grantedAt, ticker.read());
        long oldest = firstInWindow(h, now);
        if (oldest >= h) {
            return OptionalLong.empty();
        }
        long value = (long) LOG.getAcquire(log, index(oldest));
        if ((value & GENERATION_MASK) != generation(oldest)) {
            return OptionalLong.empty();
        }
        long left = timeIn(value) + window - now;
        return left > 0L ? OptionalLong.of(left) : OptionalLong.empty();
    }

    /** The number of the oldest permit still in the window, {@code h} when none is (times grow with the number). */
    private long firstInWindow(long h, long now) {
        long lo = Math.max(0L, h - limit);
        long hi = h; // the first permit in the window lies in [lo, hi]; hi = h: none
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

    @Override
    long limit() {
        return limit;
    }

    /**
     * Settles an estimate. More permits used are logged now, unconditionally (at most {@code L}: the window counts no
     * more), writing the reading for any overwritten permit still unwritten (it was claimed before the reading, so
     * its own time is no later); fewer used is a no-op, as the class comment explains.
     */
    @Override
    public void adjust(long delta, long grantedAt) {
        if (delta <= 0) {
            return;
        }
        long permits = Math.min(delta, limit);
        for (;;) {
            long s = (long) HEAD.getVolatile(this);
            long now = ticker.read();
            if (writeUnwritten(Math.max(0L, s - log.length), s + permits - 1 - log.length, s, now)
                    && HEAD.compareAndSet(this, s, s + permits)) {
                write(s, permits, now);
                return;
            }
        }
    }

    /**
     * Writes the slots of the permits {@code first .. first + permits − 1} claimed at {@code now}: each by CAS from the
     * word it read, and only if that word is of the generation before and of a time no later than {@code now}. So a
     * claimer preempted before its write never overwrites what was written meanwhile: its predecessor's word helped
     * (a bound, the permit's own generation), or a later permit's (of the same bits only {@code 4R} numbers on, and
     * then a window later at least, unless logged by settling at the same reading, when the time is the same anyway).
     */
    private void write(long first, long permits, long now) {
        for (long k = first, end = first + permits; k < end; k++) {
            int index = index(k);
            long before = (generation(k) - 1) & GENERATION_MASK;
            long mine = packed(now, k);
            for (;;) {
                long value = (long) LOG.getAcquire(log, index);
                if ((value & GENERATION_MASK) != before || timeIn(value) > now
                        || LOG.compareAndSet(log, index, value, mine)) {
                    break;
                }
            }
        }
    }

    /** Whether permit {@code k} may still count at {@code now}: in the window, or not (or no longer) readable. */
    private boolean inWindow(long k, long now) {
        long value = (long) LOG.getAcquire(log, index(k));
        if ((value & GENERATION_MASK) != generation(k)) {
            return true;
        }
        return now - timeIn(value) < window;
    }

    /** Permit {@code k}'s slot: stripe {@code k mod 8}, row {@code (k div 8) mod (R/8)} of it. */
    private int index(long permit) {
        int k = (int) permit; // the low bits are all that count: R divides 2^32
        return ((k & ((1 << stripeBits) - 1)) << (ringBits - stripeBits)) | ((k >>> stripeBits) & rowMask);
    }

    private long generation(long permit) {
        return (permit >>> ringBits) & GENERATION_MASK;
    }

    /** Permit {@code k}'s slot word for a grant at ticker reading {@code time}. */
    private long packed(long time, long k) {
        return ((time - origin) << GENERATION_BITS) | generation(k);
    }

    /** The ticker reading a slot word holds. */
    private long timeIn(long value) {
        return (value >>> GENERATION_BITS) + origin;
    }
}
