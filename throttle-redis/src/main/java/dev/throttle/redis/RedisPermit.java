package dev.throttle.redis;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Redis rate limiter's answer. Closing it does nothing (rate permits are not held). Settling takes or gives back
 * the difference between the estimate and the permits actually used, once, in one round trip; the permit keeps the
 * script's clock reading of its grant, which decides where a give-back may go (a window counter takes permits back
 * only into the window the grant was counted in, while it is current).
 */
final class RedisPermit implements Permit {

    private final RedisRateLimiter owner;
    private final String limiter;
    private final boolean granted;
    private final long permits;
    private final long retryAfterNanos;
    private final long remaining;
    private final long limit;
    private final long grantedAt;
    private final AtomicBoolean settled = new AtomicBoolean();

    RedisPermit(RedisRateLimiter owner, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit, long grantedAt) {
        this.owner = owner;
        this.limiter = owner.name();
        this.grantedAt = grantedAt;
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
     * Settles a granted permit: one round trip that charges or gives back {@code actualPermits − permits()}, with
     * the local engine's semantics for the algorithm; it returns once Redis has applied it. Settling to the estimate
     * itself costs no round trip.
     *
     * @throws IllegalArgumentException if {@code actualPermits} is negative
     * @throws IllegalStateException if the permit was already settled
     * @throws RuntimeException the Redis failure, or a timeout, if the adjustment could not be applied
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
            owner.adjustNow(actualPermits - permits, grantedAt);
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
