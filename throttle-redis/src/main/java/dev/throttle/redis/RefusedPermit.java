package dev.throttle.redis;

import dev.throttle.Arguments;
import dev.throttle.Permit;

/** A refusal by a concurrency limit or a composite: it holds nothing, so closing and settling do nothing. */
final class RefusedPermit implements Permit {

    private final String limiter;
    private final long permits;
    private final long retryAfterNanos;
    private final long remaining;
    private final long limit;

    RefusedPermit(String limiter, long permits, long retryAfterNanos, long remaining, long limit) {
        this.limiter = limiter;
        this.permits = permits;
        this.retryAfterNanos = retryAfterNanos;
        this.remaining = remaining;
        this.limit = limit;
    }

    @Override
    public boolean granted() {
        return false;
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
        // Nothing was granted.
    }

    @Override
    public void dropped() {
        // Nothing was granted.
    }

    @Override
    public void settle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
    }

    @Override
    public String toString() {
        return "Permit[" + limiter + ": refused " + permits + ", retry after "
                + (retryAfterNanos == NEVER ? "never" : retryAfterNanos + "ns") + "]";
    }
}
