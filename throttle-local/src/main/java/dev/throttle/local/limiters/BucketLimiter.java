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
import java.util.concurrent.locks.LockSupport;

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

    static {
        try {
            TAT = MethodHandles.lookup().findVarHandle(BucketLimiter.class, "tat", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Immutable parameters, swapped whole on reconfiguration. */
    private static final class Params {
        final LimitSpec spec;
        final long capacity;
        final long interval;
        /** How far ahead of now {@code tat} may be after a grant (meter: C·T). */
        final long tolerance;
        /** Shaping only: the longest wait for a slot. */
        final long maxQueueDelay;
        final boolean shaping;

        Params(LimitSpec spec, long capacity, long interval, boolean shaping, long maxQueueDelay) {
            this.spec = spec;
            this.capacity = capacity;
            this.interval = interval;
            this.shaping = shaping;
            this.maxQueueDelay = maxQueueDelay;
            this.tolerance = capacity * interval;
        }

        /** The parameters of a bucket spec; any other spec is refused. */
        static final SpecVisitor<Params> OF = new SpecVisitor<>("a TokenBucket or LeakyBucket") {
            @Override
            public Params tokenBucket(TokenBucket bucket) {
                return new Params(bucket, bucket.capacity(), bucket.refill().intervalNanos(), false, 0L);
            }

            @Override
            public Params leakyBucket(LeakyBucket bucket) {
                return new Params(bucket, bucket.capacity(), bucket.outflow().intervalNanos(),
                        bucket.mode() == LeakyBucket.Mode.SHAPING, bucket.maxDelay().toNanos());
            }
        };
    }

    private volatile Params params;
    @SuppressWarnings("unused") // accessed through TAT
    private volatile long tat;

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
        this.params = spec.accept(Params.OF);
        this.tat = ticker.read();
    }

    @Override
    public LimitSpec spec() {
        return params.spec;
    }

    /**
     * Changes the rate, capacity or mode at run time. The state carries over in permits: the permits the bucket is
     * short of full (or the queue holds) stay so, and drain at the new rate from now on. A decision racing the
     * change is taken with either the old or the new parameters.
     *
     * @param spec the new spec, a {@link TokenBucket} or {@link LeakyBucket}
     * @throws IllegalArgumentException if the spec is null or of another algorithm
     */
    @Override
    public void reconfigure(LimitSpec spec) {
        Arguments.requireNonNull("spec", spec);
        Params next = spec.accept(Params.OF);
        Params previous = params;
        params = next;
        long now = ticker.read();
        for (;;) {
            long current = (long) TAT.getVolatile(this);
            long ahead = current - now;
            if (ahead <= 0) {
                return; // at rest: nothing owed at any rate
            }
            // Whole permits owed, rounded up, and bounded like a debt: converting never grants a permit nor overflows.
            long owed = (ahead + previous.interval - 1) / previous.interval;
            long converted = owed > Arguments.MAX_DURATION_NANOS / next.interval
                    ? Arguments.MAX_DURATION_NANOS : owed * next.interval;
            if (TAT.compareAndSet(this, current, now + converted)) {
                return;
            }
        }
    }

    @Override
    long reserve(long permits, long now, long maxDelayNanos) {
        Params p = params;
        if (permits > p.capacity) {
            return Decisions.NEVER; // the capacity was lowered by a reconfiguration after the argument check
        }
        long cost = permits * p.interval;
        for (;;) {
            long current = (long) TAT.getVolatile(this);
            long slot = Math.max(current, now);
            long next = slot + cost;
            long wait = p.shaping ? slot - now : next - p.tolerance - now;
            if (wait <= 0) {
                if (TAT.compareAndSet(this, current, next)) {
                    return 0L;
                }
                backOff();
                continue;
            }
            long acceptable = p.shaping ? Math.min(maxDelayNanos, p.maxQueueDelay) : maxDelayNanos;
            if (wait > acceptable) {
                return Decisions.refused(wait);
            }
            if (TAT.compareAndSet(this, current, next)) {
                return wait;
            }
            backOff();
        }
    }

    /**
     * After losing the word to another thread: step aside for the shortest park the OS gives (tens of microseconds
     * on Linux) before trying again, as Resilience4j's rate limiter does. Retrying at once, or after a spin hint,
     * bounces the word's cache line between the contending cores on every attempt and halves the limiter's
     * aggregate throughput; parking lets the winner run uncontended meanwhile. The price is paid only by a thread
     * that lost a race, and its decision stays exact: it decides again on the word as it then is, at the time it read
     * (an earlier time, so never more generous). Two threads hammering one bucket: 48 ns per decision per thread
     * with the park, 94 ns without (PeerRateLimiterBenchmark.TwoThreads).
     */
    private static void backOff() {
        LockSupport.parkNanos(1L);
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
        Params p = params;
        long ahead = Math.max(0L, (long) TAT.getVolatile(this) - now);
        if (p.shaping) {
            return ahead > p.maxQueueDelay ? 0L : (p.maxQueueDelay - ahead) / p.interval + 1;
        }
        return Math.max(0L, (p.tolerance - ahead) / p.interval);
    }

    @Override
    long limit() {
        return params.capacity;
    }

    @Override
    public void adjust(long delta, long grantedAt) {
        Params p = params;
        // Debt is bounded so that tat stays far from overflow whatever a caller settles.
        long bounded = Math.max(-p.capacity, Math.min(delta, Arguments.MAX_DURATION_NANOS / p.interval));
        long shift = bounded * p.interval;
        for (;;) {
            long current = (long) TAT.getVolatile(this);
            long next = current + shift;
            if (shift < 0) {
                // A refund never moves the bucket past full: tat below now means full already.
                next = Math.max(next, Math.min(current, ticker.read()));
            }
            if (TAT.compareAndSet(this, current, next)) {
                return;
            }
        }
    }
}
