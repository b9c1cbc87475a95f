package dev.throttle.redis;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Redis rate limiter's answer. Closing it does nothing (rate permits are not held). Settling to a different count
 * is not supported yet by the Redis engine.
 */
final class RedisPermit implements Permit {

    private final String limiter;
    private final boolean granted;
    private final long permits;
    private final long retryAfterNanos;
    private final long remaining;
    private final long limit;
    private final AtomicBoolean settled = new AtomicBoolean();

    RedisPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long remaining, long limit) {
        this.limiter = limiter;
        this.granted = granted;
        this.permits = permits;
        this.retryAfterNanos = retryAfterNanos;
        this.remaining = remaining;
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
        return remaining;
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
     * Settling to the estimate itself is accepted; any other count needs a settle script, not written yet.
     *
     * @throws UnsupportedOperationException if {@code actualPermits} differs from the permits granted
     */
    @Override
    public void settle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (!granted) {
            return;
        }
        if (!settled.compareAndSet(false, true)) {
            throw new IllegalStateException("permit of " + limiter + " already settled");
        }
        if (actualPermits != permits) {
            throw new UnsupportedOperationException("the Redis engine cannot settle permits yet");
        }
    }

    @Override
    public String toString() {
        return granted
                ? "Permit[" + limiter + ": granted " + permits + ", remaining " + remaining + "/" + limit + "]"
                : "Permit[" + limiter + ": refused " + permits + ", retry after "
                        + (retryAfterNanos == NEVER ? "never" : retryAfterNanos + "ns") + "]";
    }
}
