package dev.throttle.kernel;

import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The base of the engines' permits: the values fixed at the decision, and the once-only settle guard. There are five
 * kinds, one class each, shared by every limiter of every engine:
 * <ul>
 *   <li>{@link RefusedPermit}: a refusal; it holds nothing;</li>
 *   <li>{@link RatePermit}: a rate grant, spent when granted; settling reconciles it with its limiter's account;</li>
 *   <li>{@link HeldPermit}: a grant held until it ends (a bulkhead's slots, a Redis lease, an adaptive or client-side
 *   throttle's sample), told to its {@link HeldPermit.Holder};</li>
 *   <li>{@link AllOfPermit}: the grant of an all-of composite, one part permit per limit;</li>
 *   <li>{@link ObservedPermit}: another permit whose end someone else must learn of (keyed, metered, steered
 *   limiters).</li>
 * </ul>
 * A subclass calls {@link #claimSettle(long)} first in {@code settle}, so every permit checks the argument and the
 * single use the same way.
 */
public abstract sealed class AbstractPermit implements Permit
        permits RefusedPermit, RatePermit, HeldPermit, AllOfPermit {

    private static final VarHandle SETTLED;

    static {
        try {
            SETTLED = MethodHandles.lookup().findVarHandle(AbstractPermit.class, "settled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String limiter;
    private final long permits;
    private final long remaining;
    private final long limit;
    @SuppressWarnings("unused") // accessed through SETTLED
    private volatile boolean settled;

    /**
     * Fixes the values of a decision. Whether it granted, and when a refusal could be retried, are the subclass's:
     * only a refusal stores a retry time, so a grant costs no field for it.
     *
     * @param limiter the name of the limiter that decided
     * @param permits the permits asked for, or held when granted
     * @param remaining the permits still available right after the decision
     * @param limit the limit the decision was made against
     */
    AbstractPermit(String limiter, long permits, long remaining, long limit) {
        this.limiter = limiter;
        this.permits = permits;
        this.remaining = remaining;
        this.limit = limit;
    }

    /**
     * {@inheritDoc}
     *
     * @return true if the caller may proceed
     */
    @Override
    public abstract boolean granted();

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
    public abstract long retryAfterNanos();

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
    public final String limiterName() {
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
    final boolean claimSettle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (!granted()) {
            return false;
        }
        if (!SETTLED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("permit of " + limiter + " already settled");
        }
        return true;
    }

    /**
     * Gives an unused grant back without waiting for any store, and without reporting a sample or an outcome: for a
     * grant that reached an acquisition its caller had already given up (cancelled), or that came after its decision
     * had timed out. Never throws; does nothing on a refusal, and at most once.
     */
    public abstract void withdraw();

    /**
     * Whether the one settle this permit allows was already claimed (by {@link #settle(long)} or a withdrawal).
     *
     * @return true once claimed
     */
    final boolean settleClaimed() {
        return (boolean) SETTLED.getVolatile(this);
    }

    /**
     * Claims the settle for a withdrawal: the permit is then given back whole, and a later settle is refused.
     *
     * @return true for the one caller that claimed it
     */
    final boolean claimWithdrawal() {
        return granted() && SETTLED.compareAndSet(this, false, true);
    }

    /**
     * How a refusal's retry time reads in {@link #toString()}: {@code retry after 250 ms}, or {@code can never be
     * granted} for {@link #NEVER}.
     *
     * @return the text after the permits
     */
    String retryText() {
        long retryAfterNanos = retryAfterNanos();
        return retryAfterNanos == NEVER ? "can never be granted" : "retry after " + Durations.text(retryAfterNanos);
    }

    /**
     * What a grant's {@link #toString()} adds after what is left, such as that a held grant has ended; empty by
     * default.
     *
     * @return the text, starting with a separator when not empty
     */
    String endText() {
        return "";
    }

    /**
     * The decision in one line, for logs: what was granted and what remained right after it
     * ({@code Permit[api: granted 1, 7/10 left]}), or what was refused and when to retry
     * ({@code Permit[api: refused 1, retry after 250 ms]}).
     *
     * @return the text
     */
    @Override
    public String toString() {
        return granted()
                ? "Permit[" + limiter + ": granted " + permits + ", " + remaining + "/" + limit + " left" + endText()
                        + "]"
                : "Permit[" + limiter + ": refused " + permits + ", " + retryText() + "]";
    }
}
