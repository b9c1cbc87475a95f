package dev.throttle.testing;

import dev.throttle.Permit;

/**
 * A base for test doubles' permits: the values of a decision, fixed at construction, and a once-only settle guard.
 * Subclasses say what closing, dropping and settling do.
 */
public abstract class SimplePermit implements Permit {

    private final String limiter;
    private final boolean granted;
    private final long permits;
    private final long retryAfterNanos;
    private final long remaining;
    private final long limit;
    private boolean settled;

    protected SimplePermit(String limiter, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
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
    public String limiterName() {
        return limiter;
    }

    /**
     * Checks a settle as the engines' permits do: non-negative, once per grant, ignored by a refusal.
     *
     * @param actualPermits the argument
     * @return true if the settle should be applied
     */
    protected synchronized boolean claimSettle(long actualPermits) {
        if (actualPermits < 0) {
            throw new IllegalArgumentException("actualPermits = " + actualPermits + " is out of range");
        }
        if (!granted) {
            return false;
        }
        if (settled) {
            throw new IllegalStateException("permit of " + limiter + " already settled");
        }
        settled = true;
        return true;
    }

    @Override
    public String toString() {
        return "Permit[" + limiter + ": " + (granted ? "granted " : "refused ") + permits + "]";
    }
}
