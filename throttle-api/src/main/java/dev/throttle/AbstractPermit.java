package dev.throttle;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A base for engines' permits: the values fixed at the decision, and the once-only settle guard. A subclass says
 * what {@link #close()}, {@link #dropped()} and {@link #settle(long)} give back; it calls
 * {@link #claimSettle(long)} first in {@code settle} so that every engine checks the argument and the single use
 * the same way.
 */
public abstract class AbstractPermit implements Permit {

    private static final VarHandle SETTLED;

    static {
        try {
            SETTLED = MethodHandles.lookup().findVarHandle(AbstractPermit.class, "settled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String limiter;
    private final boolean granted;
    private final long permits;
    private final long retryAfterNanos;
    private final long remaining;
    private final long limit;
    @SuppressWarnings("unused") // accessed through SETTLED
    private volatile boolean settled;

    /**
     * Fixes the values of a decision.
     *
     * @param limiter the name of the limiter that decided
     * @param granted whether the permits were granted
     * @param permits the permits asked for, or held when granted
     * @param retryAfterNanos 0 when granted, else the time until a retry could succeed, or {@link #NEVER}
     * @param remaining the permits still available right after the decision
     * @param limit the limit the decision was made against
     */
    protected AbstractPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
        this.limiter = limiter;
        this.granted = granted;
        this.permits = permits;
        this.retryAfterNanos = retryAfterNanos;
        this.remaining = remaining;
        this.limit = limit;
    }

    /**
     * {@inheritDoc}
     *
     * @return true if the caller may proceed
     */
    @Override
    public final boolean granted() {
        return granted;
    }

    /**
     * {@inheritDoc}
     *
     * @return the number of permits
     */
    @Override
    public final long permits() {
        return permits;
    }

    /**
     * {@inheritDoc}
     *
     * @return nanoseconds, 0 or more, or {@link #NEVER}
     */
    @Override
    public final long retryAfterNanos() {
        return retryAfterNanos;
    }

    /**
     * {@inheritDoc}
     *
     * @return zero or more
     */
    @Override
    public final long remaining() {
        return remaining;
    }

    /**
     * {@inheritDoc}
     *
     * @return the limit
     */
    @Override
    public final long limit() {
        return limit;
    }

    /**
     * {@inheritDoc}
     *
     * @return the limiter's name
     */
    @Override
    public final String limiter() {
        return limiter;
    }

    /**
     * Checks a settle call and claims the one settle a granted permit allows. A subclass checks any tighter bound
     * of its own (a lease cannot grow) before calling this.
     *
     * @param actualPermits the argument of {@link #settle(long)}
     * @return true if the caller should apply the settlement: the permit is granted and this is its first settle;
     *     false for a refused permit, which ignores settling
     * @throws IllegalArgumentException if {@code actualPermits} is negative
     * @throws IllegalStateException if a granted permit was already settled
     */
    protected final boolean claimSettle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (!granted) {
            return false;
        }
        if (!SETTLED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("permit of " + limiter + " already settled");
        }
        return true;
    }

    /**
     * How a refusal's retry time reads in {@link #toString()}; a subclass whose retry time is not a duration (a
     * bulkhead's) says so instead.
     *
     * @return the text after "retry "
     */
    protected String retryText() {
        return retryAfterNanos == NEVER ? "never" : "after " + retryAfterNanos + "ns";
    }

    /**
     * The decision in one line, for logs: what was granted and what remains, or what was refused and when to retry.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return granted
                ? "Permit[" + limiter + ": granted " + permits + ", remaining " + remaining + "/" + limit + "]"
                : "Permit[" + limiter + ": refused " + permits + ", retry " + retryText() + "]";
    }
}
