package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A rate limiter's answer. Closing it does nothing (rate permits are not held); settling gives back or takes the
 * difference between the estimate and the permits actually used, once.
 */
final class RatePermit implements Permit {

    private static final VarHandle SETTLED;

    static {
        try {
            SETTLED = MethodHandles.lookup().findVarHandle(RatePermit.class, "settled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AbstractRateLimiter limiter;
    private final boolean granted;
    private final long permits;
    private final long retryAfterNanos;
    private final long remaining;
    private final long limit;
    private final long decidedAt;
    @SuppressWarnings("unused") // accessed through SETTLED
    private volatile boolean settled;

    RatePermit(AbstractRateLimiter limiter, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit, long decidedAt) {
        this.limiter = limiter;
        this.granted = granted;
        this.permits = permits;
        this.retryAfterNanos = retryAfterNanos;
        this.remaining = remaining;
        this.limit = limit;
        this.decidedAt = decidedAt;
    }

    @Override
    public boolean granted() {
        return granted;
    }

    @Override
    public long permits() {
        return permits;
    }

    @Override
    public long retryAfterNanos() {
        return retryAfterNanos;
    }

    @Override
    public long remaining() {
        return remaining;
    }

    @Override
    public long limit() {
        return limit;
    }

    @Override
    public String limiter() {
        return limiter.name();
    }

    @Override
    public void close() {
        // A rate permit is spent when granted; there is nothing to give back.
    }

    @Override
    public void dropped() {
        // Rate limiters do not learn from overload signals.
    }

    @Override
    public void settle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (!granted) {
            return;
        }
        if (!SETTLED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("permit of " + limiter.name() + " already settled");
        }
        if (actualPermits != permits) {
            limiter.adjust(actualPermits - permits, decidedAt);
        }
    }

    @Override
    public String toString() {
        return granted
                ? "Permit[" + limiter.name() + ": granted " + permits + ", remaining " + remaining + "/" + limit + "]"
                : "Permit[" + limiter.name() + ": refused " + permits + ", retry after "
                        + (retryAfterNanos == NEVER ? "never" : retryAfterNanos + "ns") + "]";
    }
}
