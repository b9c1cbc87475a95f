package dev.throttle.local.limiters;

import dev.throttle.LimitSpec;
import dev.throttle.Scheduler;
import dev.throttle.SlidingLog;
import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.OptionalLong;

/**
 * The exact sliding window log: a request for {@code n} permits at {@code now} is granted iff the permits granted
 * at times {@code t > now − W}, plus {@code n}, are at most the limit {@code L}. A permit granted at {@code t} stops
 * counting at {@code t + W} exactly, so no half-open interval {@code (t − W, t]} ever holds more than {@code L}
 * permits.
 *
 * <h2>State</h2>
 * A counter {@code head} of the permits ever granted, and a ring of {@code L} slots, one per permit: permit number
 * {@code k} lives in slot {@code k mod L}, as the pair (stamp {@code k + 1}, time of its grant). A request for
 * {@code n} permits takes the {@code n} consecutive numbers {@code head .. head + n − 1} in one CAS on {@code head},
 * then writes their slots. Memory: 16 bytes per permit of the limit (16 MiB at {@link SlidingLog#MAX_LIMIT}); cost
 * of a grant: one CAS plus {@code n} slot writes and {@code n} stamp checks.
 *
 * <h2>Why one timestamp decides</h2>
 * Each decision reads {@code head} (volatile) <em>before</em> the ticker, and claims with a CAS from the value it
 * read. A claim that succeeds after another's read {@code head} after that CAS, hence read the monotonic ticker
 * after the other read it: times never decrease with the permit number. With {@code s = head}, the request fits iff
 * every permit up to {@code j = s + n − L − 1} (the newest that must have left the last {@code L}) is out of the
 * window, which by monotonicity is iff {@code time(j) <= now − W}; a refusal can retry after
 * {@code time(j) + W − now}, exactly. {@code j < 0}: fewer than {@code L} permits were ever granted.
 *
 * <h2>Slots written after the claim</h2>
 * Between its CAS and its writes, a winner's slots still hold the permits {@code L} numbers older. The stamp tells
 * them apart: the writer stores the time, then the stamp, both with release semantics; a reader acquires the stamp,
 * then the time, and trusts the time only if the stamp is exactly {@code k + 1}. The release on the time also orders
 * the writer's CAS before it, so a reader that saw a newer permit's time (the slot being overwritten under it) sees
 * {@code head} moved: its CAS fails, or its refusal, re-validated against {@code head}, is retried.
 *
 * <p>A claim also waits for every slot it will overwrite ({@code s − L .. j}) to carry its final stamp, so the
 * writes to one slot are strictly ordered and a slow writer can never bury a newer permit under an older one. If a
 * needed slot stays unwritten after a brief spin (its writer was descheduled between its CAS and its stores), the
 * request is refused conservatively, retry after 1 µs: never over-admitting. Such a refusal can only be spurious if
 * the writer stalls for a whole window.
 *
 * <h2>Limits of this engine</h2>
 * <ul>
 *   <li>No reconfiguration: the limit is the ring's size.</li>
 *   <li>Settling up ({@code adjust(+d)}) logs {@code min(d, L)} more permits at the current time, even beyond the
 *   limit (debt the caller incurred). It waits, spinning, for the writers of the slots it overwrites.</li>
 *   <li>Giving back ({@code adjust(−d)}) is a no-op: the log cannot un-log. Back-dating the newest permits would
 *   break the time order the single-timestamp check relies on and over-admit; rolling {@code head} back suffers
 *   ABA against concurrent claimers. Unused permits therefore count until they leave the window (conservative).</li>
 *   <li>It never reserves a future slot: a waiting acquisition is retried at the computed retry time.</li>
 * </ul>
 * A granted or refused decision allocates nothing.
 */
public final class SlidingLogLimiter extends AbstractRateLimiter {

    private static final VarHandle HEAD;
    /** Slot {@code i}: element {@code 2i} is the stamp (permit number + 1; 0: never written), {@code 2i + 1} the time. */
    private static final VarHandle LOG = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(SlidingLogLimiter.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** How often a reader re-checks a slot whose writer has claimed it but not yet written it. */
    private static final int SPINS = 100;
    /** The retry time of a conservative refusal: the missing write is normally nanoseconds away. */
    private static final long UNWRITTEN_RETRY_NANOS = 1_000L;

    /** Outcome of a stamp check over slots. */
    private static final int WRITTEN = 0;
    private static final int UNWRITTEN = 1;
    private static final int MOVED_ON = 2;

    private final SlidingLog spec;
    private final int limit;
    private final long window;
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
        this.log = new long[2 * limit];
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
                int index = stampIndex(j);
                int state = slotState(index, j);
                if (state == WRITTEN) {
                    long age = now - (long) LOG.getAcquire(log, index + 1);
                    if (age < window) {
                        // Refuse only if no claim overtook the reads: then the time read was permit j's.
                        if ((long) HEAD.getVolatile(this) == s) {
                            return Decisions.refused(window - age);
                        }
                        continue;
                    }
                    state = rangeState(Math.max(0L, s - limit), j - 1);
                }
                if (state == MOVED_ON) {
                    continue;
                }
                if (state == UNWRITTEN) {
                    if ((long) HEAD.getVolatile(this) == s) {
                        return Decisions.refused(UNWRITTEN_RETRY_NANOS);
                    }
                    continue;
                }
            }
            if (HEAD.compareAndSet(this, s, s + permits)) {
                write(s, permits, now);
                return 0L;
            }
        }
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
        int index = stampIndex(oldest);
        if ((long) LOG.getAcquire(log, index) != oldest + 1) {
            return OptionalLong.empty();
        }
        long left = (long) LOG.getAcquire(log, index + 1) + window - now;
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
     * Settles an estimate. More permits used are logged now, unconditionally (at most {@code L}: the ring remembers no
     * more); fewer used is a no-op, as the class comment explains.
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
            int state = rangeState(Math.max(0L, s - limit), s + permits - limit - 1);
            if (state == UNWRITTEN) {
                Thread.onSpinWait(); // a writer is between its claim and its stores: it is about to finish
                continue;
            }
            if (state == WRITTEN && HEAD.compareAndSet(this, s, s + permits)) {
                write(s, permits, now);
                return;
            }
        }
    }

    /** Writes the slots of the permits {@code first .. first + permits − 1}: time first, then the stamp. */
    private void write(long first, long permits, long now) {
        int index = stampIndex(first);
        for (long k = first, end = first + permits; k < end; k++) {
            LOG.setRelease(log, index + 1, now);
            LOG.setRelease(log, index, k + 1);
            index += 2;
            if (index == log.length) {
                index = 0;
            }
        }
    }

    /** The state of the slots of permits {@code from .. to} (an empty range is written). */
    private int rangeState(long from, long to) {
        for (long k = from; k <= to; k++) {
            int state = slotState(stampIndex(k), k);
            if (state != WRITTEN) {
                return state;
            }
        }
        return WRITTEN;
    }

    /** The state of permit {@code k}'s slot, after a brief spin if its writer has not finished yet. */
    private int slotState(int index, long k) {
        long expected = k + 1;
        long stamp = (long) LOG.getAcquire(log, index);
        for (int spins = 0; stamp < expected && spins < SPINS; spins++) {
            Thread.onSpinWait();
            stamp = (long) LOG.getAcquire(log, index);
        }
        return stamp == expected ? WRITTEN : stamp < expected ? UNWRITTEN : MOVED_ON;
    }

    /** Whether permit {@code k} may still count at {@code now}: in the window, or not (or no longer) readable. */
    private boolean inWindow(long k, long now) {
        int index = stampIndex(k);
        if ((long) LOG.getAcquire(log, index) != k + 1) {
            return true;
        }
        return now - (long) LOG.getAcquire(log, index + 1) < window;
    }

    private int stampIndex(long permit) {
        return (int) (permit % limit) << 1;
    }
}
