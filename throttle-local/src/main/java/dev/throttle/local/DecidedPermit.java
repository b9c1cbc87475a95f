package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The values every local permit carries, fixed at the decision, and the once-only guard of
 * {@link Permit#settle(long)}. Subclasses say what closing, dropping and settling give back.
 */
abstract class DecidedPermit implements Permit {

    private static final VarHandle SETTLED;

    static {
        try {
            SETTLED = MethodHandles.lookup().findVarHandle(DecidedPermit.class, "settled", boolean.class);
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

    DecidedPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long remaining, long limit) {
        this.limiter = limiter;
        this.granted = granted;
        this.permits = permits;
        this.retryAfterNanos = retryAfterNanos;
        this.remaining = remaining;
        this.limit = limit;
    }

    @Override
    public final boolean granted() {
        return granted;
    }

    @Override
    public final long permits() {
        return permits;
    }

    @Override
    public final long retryAfterNanos() {
        return retryAfterNanos;
    }

    @Override
    public final long remaining() {
        return remaining;
    }

    @Override
    public final long limit() {
        return limit;
    }

    @Override
    public final String limiter() {
        return limiter;
    }

    /**
     * Checks a settle call and claims the one settle a granted permit allows.
     *
     * @param actualPermits the argument of {@link #settle(long)}
     * @return true if the caller should apply the settlement: the permit is granted and this is its first settle
     * @throws IllegalArgumentException if {@code actualPermits} is negative
     * @throws IllegalStateException if a granted permit was already settled
     */
    final boolean claimSettle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (!granted) {
            return false;
        }
        if (!SETTLED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("permit of " + limiter + " already settled");
        }
        return true;
    }

    /** How a refusal's retry time reads in {@link #toString()}. */
    String retryText() {
        return retryAfterNanos == NEVER ? "never" : "after " + retryAfterNanos + "ns";
    }

    @Override
    public String toString() {
        return granted
                ? "Permit[" + limiter + ": granted " + permits + ", remaining " + remaining + "/" + limit + "]"
                : "Permit[" + limiter + ": refused " + permits + ", retry " + retryText() + "]";
    }
}
