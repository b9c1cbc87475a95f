package dev.throttle.redis;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An answer given in this JVM without Redis: a refusal from the refusal cache, or the failure policy's grant or
 * refusal. Nothing of it is counted in Redis, so settling it has nothing to reconcile. {@link #remaining()} is
 * unknown without Redis and reported as 0.
 */
final class ShortcutPermit implements Permit {

    private final String limiter;
    private final boolean granted;
    private final long permits;
    private final long retryAfterNanos;
    private final long limit;
    private final AtomicBoolean settled = new AtomicBoolean();

    ShortcutPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long limit) {
        this.limiter = limiter;
        this.granted = granted;
        this.permits = permits;
        this.retryAfterNanos = retryAfterNanos;
        this.limit = limit;
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
        return 0L;
    }

    @Override
    public long limit() {
        return limit;
    }

    @Override
    public String limiter() {
        return limiter;
    }

    @Override
    public void close() {
        // A rate permit is spent when granted; there is nothing to give back.
    }

    @Override
    public void dropped() {
        // Rate limiters do not learn from overload signals.
    }

    /**
     * Checks the argument and the single use; a grant made without Redis took nothing from Redis, so there is
     * nothing to reconcile.
     */
    @Override
    public void settle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (granted && !settled.compareAndSet(false, true)) {
            throw new IllegalStateException("permit of " + limiter + " already settled");
        }
    }

    @Override
    public String toString() {
        return granted
                ? "Permit[" + limiter + ": granted " + permits + " without Redis]"
                : "Permit[" + limiter + ": refused " + permits + " without Redis, retry after " + retryAfterNanos
                        + "ns]";
    }
}
