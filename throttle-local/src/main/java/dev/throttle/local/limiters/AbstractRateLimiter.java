package dev.throttle.local.limiters;

import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.Durations;
import dev.throttle.kernel.RatePermit;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.kernel.SpecText;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The shared machinery of the local rate limiters: argument checks, permits, waiting. A subclass supplies one
 * lock-free decision, {@link #reserve(long, long, long)}, over its own packed state, and takes back or charges
 * settled permits ({@link RatePermit.Account}).
 *
 * <p>Waiting is the kernel's {@link Acquisition}: it never spins and never takes a thread per waiter. Algorithms
 * that can reserve a future slot (the buckets) return the wait and the permit is granted when it elapses; the others
 * refuse with the exact time until they could succeed, and the request is decided again then, until its deadline.
 */
public abstract class AbstractRateLimiter implements RateLimiter, RatePermit.Account {

    private final String name;
    /** The engine's clock. */
    final Ticker ticker;
    private final Scheduler scheduler;

    AbstractRateLimiter(String name, Ticker ticker, Scheduler scheduler) {
        this.name = Arguments.requireNonNull("name", name);
        this.ticker = Arguments.requireNonNull("ticker", ticker);
        this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
    }

    /**
     * The lock-free decision: grants {@code permits} now, or reserves them for a slot at most {@code maxDelayNanos}
     * ahead, or refuses. Must change no state when it refuses.
     *
     * @param permits 1 to the capacity
     * @param now the ticker's reading for this decision
     * @param maxDelayNanos the longest acceptable wait for a reserved slot; 0 for an immediate decision
     * @return a decision encoded as {@link Decisions} describes
     */
    abstract long reserve(long permits, long now, long maxDelayNanos);

    /**
     * Whether a refused waiting request should be retried at the refusal's retry time. Engines that reserve future
     * slots say no: their refusal already means no slot within the caller's wait exists.
     */
    boolean retriesRefusals() {
        return true;
    }

    /** The permits a request could have at {@code now}. */
    abstract long available(long now);

    /** The limit reported in permits (window limit, bucket capacity). */
    abstract long limit();

    /**
     * Takes {@code delta} more permits ({@code delta > 0}, possibly into debt) or gives {@code -delta} back
     * ({@code delta < 0}); used to settle estimates and to undo reservations. A give-back never lands in a later
     * window than the one its permits were counted in (that would over-admit there): engines drop it when unsure.
     *
     * @param delta permits to take (positive) or give back (negative)
     * @param grantedAt the ticker's reading of the decision that granted the permits
     */
    @Override
    public abstract void adjust(long delta, long grantedAt);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public abstract LimitSpec spec();

    @Override
    public final boolean allow(long permits) {
        Arguments.requirePermits(permits, spec().capacity());
        return decideNow(permits) == 0L;
    }

    /**
     * An immediate decision on the fast path. An engine whose decision must read the clock itself (at a point its
     * ordering argument fixes) overrides this, so the fast path reads the clock once.
     */
    long decideNow(long permits) {
        return reserve(permits, ticker.read(), 0L);
    }

    @Override
    public final Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, spec().capacity());
        long now = ticker.read();
        return permitFor(reserve(permits, now, 0L), permits, now);
    }

    @Override
    public final long availablePermits() {
        return available(ticker.read());
    }

    @Override
    public final Permit acquire(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec().capacity());
        if (maxWaitNanos == 0) {
            return tryAcquire(permits);
        }
        // An interrupt withdraws: either the cancel wins and anything reserved is given back, or the grant won.
        return Acquisition.await(new Waiting(permits, maxWaitNanos).start(),
                () -> refused(permits, 0L, ticker.read()));
    }

    @Override
    public final CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec().capacity());
        if (maxWaitNanos == 0) {
            return CompletableFuture.completedFuture(tryAcquire(permits));
        }
        return new Waiting(permits, maxWaitNanos).start();
    }

    /**
     * The permit of an immediate decision taken at {@code now}.
     *
     * @param decision the decision, as {@link Decisions} encodes it
     * @param permits the permits asked for
     * @param now the reading it was taken at
     * @return a grant or a refusal
     */
    final Permit permitFor(long decision, long permits, long now) {
        if (Decisions.granted(decision)) {
            return new RatePermit(name, permits, available(now), limit(), this, now);
        }
        return refused(permits, Decisions.retryAfterNanos(decision), now);
    }

    private Permit refused(long permits, long retryAfterNanos, long now) {
        return RefusedPermit.of(name, permits, retryAfterNanos, available(now), limit());
    }

    /**
     * The limiter for logs: its name, its spec in words and what it could grant now, for example
     * {@code Limiter[api: token bucket 10, 100/s; 7 available]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        long now = ticker.read();
        return "Limiter[" + name + ": " + SpecText.describe(spec()) + "; " + available(now) + " available]";
    }

    /**
     * One waiting request: a reservation of a future slot, granted when it comes, or a refusal decided again at its
     * retry time, until the deadline.
     */
    private final class Waiting extends Acquisition {

        Waiting(long permits, long maxWaitNanos) {
            super(permits, deadlineAfter(ticker, maxWaitNanos), ticker, scheduler);
        }

        @Override
        protected void attempt() {
            long now = ticker.read();
            long decision = AbstractRateLimiter.this.reserve(permits, now, left(now));
            if (decision == 0L) {
                grant(permitFor(decision, permits, now));
            } else if (Decisions.granted(decision)) {
                // The grant takes effect at its slot: a give-back finds it by that time (see BucketLimiter.adjusted).
                reserve(new RatePermit(name, permits, available(now), limit(), AbstractRateLimiter.this,
                        now + decision), decision);
            } else {
                Permit refusal = permitFor(decision, permits, now);
                // A bucket's refusal already means no slot within the wait: answered at once, never retried.
                retry(refusal, retriesRefusals() ? Decisions.retryAfterNanos(decision) : Permit.NEVER, now, true);
            }
        }
    }

    /** For subclasses' {@code toString}: a span as text. */
    static String text(long nanos) {
        return Durations.text(nanos);
    }
}
