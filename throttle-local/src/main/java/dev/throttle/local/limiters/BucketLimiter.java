package dev.throttle.local.limiters;

import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecVisitor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local engine's {@link TokenBucket} and {@link LeakyBucket} (meter and shaping queue), as the generic cell rate
 * algorithm (GCRA): the whole state is
 * one word, the theoretical arrival time {@code tat}, the moment the bucket would be full again (meter) or the
 * queue empty (shaping). Each decision is one CAS on it.
 *
 * <p>With {@code T} the interval per permit and {@code C} the capacity, a request for {@code n} permits at time
 * {@code now} would move {@code tat} to {@code max(tat, now) + n·T}. It fits when its earliest allowed time is not in
 * the future:
 * <ul>
 *   <li>meter: {@code newTat − C·T <= now} (at most {@code C} permits' worth of time ahead);</li>
 *   <li>shaping: the request's slot {@code max(tat, now)} is now; waiting callers accept a slot up to the queue's
 *   maximum delay ahead.</li>
 * </ul>
 * A request that may wait reserves its future slot in the same CAS, so waiting callers are served in slot order.
 */
public final class BucketLimiter extends AbstractRateLimiter implements Reconfigurable, DecidesAt {

    private static final VarHandle TAT;
    private static final VarHandle REGIME;

    static {
        try {
            TAT = MethodHandles.lookup().findVarHandle(Regime.class, "tat", long.class);
            REGIME = MethodHandles.lookup().findVarHandle(BucketLimiter.class, "regime", Regime.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The {@code tat} of a regime a reconfiguration has replaced: no decision is taken on it any more. */
    private static final long RETIRED = Long.MIN_VALUE;

    /**
     * One set of parameters and the state decided under them. The parameters and {@code tat} live together so that
     * every decision is taken with the parameters its {@code tat} was built with: a reconfiguration retires the
     * regime (its {@code tat} becomes {@link #RETIRED} in one CAS, after which no decision can use it) and publishes
     * its successor, whose {@code tat} is the retired one converted to the new parameters. A decision that finds its
     * regime retired moves on to the successor (helping publish it), so no thread ever waits for a reconfiguration.
     */
    private static final class Regime {
        final LimitSpec spec;
        final long capacity;
        final long interval;
        /** How far ahead of now {@code tat} may be after a grant (meter: C·T). */
        final long tolerance;
        /** Shaping only: the longest wait for a slot. */
        final long maxQueueDelay;
        final boolean shaping;
        @SuppressWarnings("unused") // accessed through TAT
        volatile long tat;
        /**
         * The latest time a grant of this regime was reserved to take effect at, after waiting for it: a give-back
         * must not reopen a waiter's slot before then (see {@link #adjusted}). Raised before the reservation's CAS,
         * so a give-back that sees the reservation sees this too.
         */
        final AtomicLong waitingUntil = new AtomicLong(Long.MIN_VALUE);
        /**
         * The regime that replaces this one; written before the CAS that retires this one, so read after seeing
         * {@link #RETIRED} it is the right one.
         */
        Regime successor;

        Regime(LimitSpec spec, long capacity, long interval, boolean shaping, long maxQueueDelay) {
            this.spec = spec;
            this.capacity = capacity;
            this.interval = interval;
            this.shaping = shaping;
            this.maxQueueDelay = maxQueueDelay;
            this.tolerance = capacity * interval;
        }

        /** These parameters with a state. */
        Regime startingAt(long tat) {
            Regime regime = new Regime(spec, capacity, interval, shaping, maxQueueDelay);
            regime.tat = tat;
            return regime;
        }

        /** The parameters of a bucket spec; any other spec is refused. */
        static final SpecVisitor<Regime> OF = new SpecVisitor<>("a TokenBucket or LeakyBucket") {
            @Override
            public Regime tokenBucket(TokenBucket bucket) {
                return new Regime(bucket, bucket.capacity(), bucket.refill().intervalNanos(), false, 0L);
            }

            @Override
            public Regime leakyBucket(LeakyBucket bucket) {
                return new Regime(bucket, bucket.capacity(), bucket.outflow().intervalNanos(),
                        bucket.mode() == LeakyBucket.Mode.SHAPING, bucket.maxDelay().toNanos());
            }
        };
    }

    @SuppressWarnings("FieldMayBeFinal") // accessed through REGIME
    private volatile Regime regime;
    /** Reconfigurations take turns (they are rare); decisions never take it. */
    private final Object reconfiguring = new Object();

    /**
     * A bucket, full.
     *
     * @param name the limiter's name
     * @param spec a {@link TokenBucket} or a {@link LeakyBucket}
     * @param ticker the engine's clock
     * @param scheduler where waiting requests wait
     * @throws IllegalArgumentException if the spec is of another algorithm
     */
    public BucketLimiter(String name, LimitSpec spec, Ticker ticker, Scheduler scheduler) {
        super(name, ticker, scheduler);
        this.regime = spec.accept(Regime.OF).startingAt(ticker.read());
    }

    @Override
    public LimitSpec spec() {
        return regime.spec;
    }

    /**
     * Changes the rate, capacity or mode at run time. The state carries over in permits: the permits the bucket is
     * short of full (or the queue holds), fraction included, stay so, and drain at the new rate from now on. Lowering
     * the capacity below that shortfall leaves the bucket in debt: an emptied bucket of 100 lowered to 10 is 100
     * short of its new full, so it grants again only once 91 permits have come back at the new rate, never more
     * than either the old or the new spec would have let through. Every decision is taken
     * wholly with the old parameters (before the change) or wholly with the new ones (after it), never with one
     * parameter set on a state built by the other.
     *
     * @param spec the new spec, a {@link TokenBucket} or {@link LeakyBucket}
     * @throws IllegalArgumentException if the spec is null or of another algorithm
     */
    @Override
    public void reconfigure(LimitSpec spec) {
        Arguments.requireNonNull("spec", spec);
        Regime next = spec.accept(Regime.OF);
        synchronized (reconfiguring) {
            Regime previous = current(regime);
            long now = ticker.read();
            for (;;) {
                long tat = (long) TAT.getVolatile(previous);
                Regime successor = next.startingAt(converted(tat, now, previous, next));
                // Waiters keep their slots across the change (conservatively: their times are not converted).
                successor.waitingUntil.set(previous.waitingUntil.get());
                previous.successor = successor;
                if (TAT.compareAndSet(previous, tat, RETIRED)) {
                    REGIME.compareAndSet(this, previous, successor);
                    return;
                }
            }
        }
    }

    /**
     * A state in the next regime's terms: at rest stays at rest; otherwise the permits owed, fraction included, are
     * owed at the new interval: {@code ahead · next / previous} nanoseconds, rounded up to the nanosecond (so
     * converting never grants a permit) and bounded like a debt (so it never overflows). The fraction matters: a
     * bucket 900 ms into refilling a 1 s permit still waits 100 ms after an identical spec is applied, and applying
     * one again and again (an adaptive rate switching often) never holds the refill back. Rounding up to whole
     * permits, as this once did, lost up to one permit of refill per reconfiguration.
     */
    private static long converted(long tat, long now, Regime previous, Regime next) {
        long ahead = tat - now;
        if (ahead <= 0) {
            return tat; // at rest: nothing owed at any rate
        }
        if (ahead / previous.interval >= Arguments.MAX_DURATION_NANOS / next.interval) {
            return now + Arguments.MAX_DURATION_NANOS;
        }
        // Below the bound the quotient is under 2^63, so WideMath's precondition holds.
        long owed = WideMath.mulDivCeil(ahead, next.interval, previous.interval);
        return now + Math.min(Arguments.MAX_DURATION_NANOS, owed);
    }

    /** The live regime from {@code seen} on: a retired one's successor, published here if it is not yet. */
    private Regime current(Regime seen) {
        Regime r = seen;
        while ((long) TAT.getVolatile(r) == RETIRED) {
            Regime successor = r.successor;
            REGIME.compareAndSet(this, r, successor);
            r = successor;
        }
        return r;
    }

    @Override
    long reserve(long permits, long now, long maxDelayNanos) {
        Regime r = regime;
        for (;;) {
            if (permits > r.capacity) {
                return Decisions.NEVER; // the capacity was lowered by a reconfiguration after the argument check
            }
            long cost = permits * r.interval;
            long current = (long) TAT.getVolatile(r);
            if (current == RETIRED) {
                r = current(r);
                continue;
            }
            long slot = Math.max(current, now);
            long next = slot + cost;
            long wait = r.shaping ? slot - now : next - r.tolerance - now;
            if (wait <= 0) {
                if (TAT.compareAndSet(r, current, next)) {
                    return 0L;
                }
                backOff();
                continue;
            }
            long acceptable = r.shaping ? Math.min(maxDelayNanos, r.maxQueueDelay) : maxDelayNanos;
            if (wait > acceptable) {
                return Decisions.refused(wait);
            }
            r.waitingUntil.accumulateAndGet(now + wait, Math::max);
            if (TAT.compareAndSet(r, current, next)) {
                return wait;
            }
            backOff();
        }
    }

    /**
     * After losing the word to another thread ({@link Contention#backOff()}): the retry decides on the word as it then
     * is, at the time it read (an earlier time, so never more generous).
     */
    private static void backOff() {
        Contention.backOff();
    }

    @Override
    public boolean allowAt(long permits, long now) {
        Arguments.requirePositive("permits", permits);
        return reserve(permits, now, 0L) == 0L;
    }

    @Override
    public Permit tryAcquireAt(long permits, long now) {
        Arguments.requirePositive("permits", permits);
        return permitFor(reserve(permits, now, 0L), permits, now);
    }

    /** A refusal means no slot within the caller's wait (or the queue's delay) exists: retrying cannot help. */
    @Override
    boolean retriesRefusals() {
        return false;
    }

    @Override
    long available(long now) {
        Regime r = current(regime);
        long tat = (long) TAT.getVolatile(r);
        if (tat == RETIRED) {
            return available(now); // reconfigured while reading: read the successor
        }
        long ahead = Math.max(0L, tat - now);
        if (r.shaping) {
            return ahead > r.maxQueueDelay ? 0L : (r.maxQueueDelay - ahead) / r.interval + 1;
        }
        return Math.max(0L, (r.tolerance - ahead) / r.interval);
    }

    /**
     * The time until the bucket holds one more permit than now: the next refill of an interval per permit. Empty for
     * a full bucket (nothing more can come) and for a shaping queue (whose grants wait rather than refill).
     */
    @Override
    public OptionalLong refillNanos(long grantedAt) {
        Regime r = current(regime);
        long tat = (long) TAT.getVolatile(r);
        if (tat == RETIRED) {
            return refillNanos(grantedAt); // reconfigured while reading: read the successor
        }
        long now = Math.max(grantedAt, ticker.read());
        long ahead = Math.max(0L, tat - now);
        if (r.shaping || ahead == 0L) {
            return OptionalLong.empty();
        }
        long credit = r.tolerance - ahead; // the permits available now, in intervals, and part of the next one
        return OptionalLong.of(credit < 0L ? -credit + r.interval : r.interval - credit % r.interval);
    }

    @Override
    long limit() {
        return regime.capacity;
    }

    @Override
    public void adjust(long delta, long grantedAt) {
        Regime r = regime;
        for (;;) {
            long current = (long) TAT.getVolatile(r);
            if (current == RETIRED) {
                r = current(r);
                continue;
            }
            long next = adjusted(current, delta, grantedAt, ticker, r.waitingUntil.get(), r.shaping, r.tolerance,
                    r.interval, r.capacity);
            if (next == current || TAT.compareAndSet(r, current, next)) {
                return;
            }
        }
    }

    /**
     * A bucket's theoretical arrival time after taking {@code delta} more permits ({@code delta > 0}, a debt) or
     * giving {@code -delta} back, for this limiter and {@link KeyedBucketLimiter}'s entries.
     *
     * <p>The state is one time, the end of the last grant scheduled, so a give-back can only take time off its end.
     * That is right while no grant waits for its slot (the permits go back to the bucket at once, debt or not), and
     * for the last grant scheduled (its slot is undone). Otherwise the grant's slot lies between those of grants still
     * waiting: taking time off the end would hand the next request the slot of one of them, two grants in one slot, a
     * burst above the capacity. Such a give-back is dropped instead: its slot stays unused, which never over-admits.
     *
     * @param current the state
     * @param delta permits to take (positive) or give back (negative)
     * @param grantedAt when the grant took effect: its decision's reading, or its slot's for a waiting reservation
     * @param clock the limiter's clock, read only for a give-back (a debt needs no reading)
     * @param waitingUntil the latest time a waiting grant was reserved for, read after {@code current}
     * @param shaping whether the bucket is a shaping queue (a grant waits for its slot's start)
     * @param tolerance how far ahead of now the state may be for a grant at once (a bucket's capacity, in time)
     * @param interval the time of one permit
     * @param capacity the most permits a give-back returns at once
     * @return the new state; {@code current} when nothing changes
     */
    static long adjusted(long current, long delta, long grantedAt, Ticker clock, long waitingUntil, boolean shaping,
            long tolerance, long interval, long capacity) {
        // Debt is bounded so that tat stays far from overflow whatever a caller settles.
        long bounded = Math.max(-capacity, Math.min(delta, Arguments.MAX_DURATION_NANOS / interval));
        long shift = bounded * interval;
        if (shift >= 0) {
            return current + shift;
        }
        // The last grant scheduled takes effect at its slot's start (a shaping queue) or at its end less the
        // tolerance (a bucket): a give-back of exactly that grant, from that time, undoes it.
        boolean lastScheduled = shaping ? current + shift == grantedAt : current - tolerance == grantedAt;
        long now = clock.read();
        if (waitingUntil > now && !lastScheduled) {
            return current;
        }
        // A refund never moves the bucket past full: tat below now means full already.
        return Math.max(current + shift, Math.min(current, now));
    }
}
