package dev.throttle.local;

/**
 * A bulkhead's answer: a {@link SlotPermit} on slots of its {@link ConcurrencyLimiter}.
 */
final class ConcurrencyPermit extends SlotPermit {

    private final ConcurrencyLimiter limiter;

    ConcurrencyPermit(ConcurrencyLimiter limiter, boolean granted, long permits, long retryAfterNanos,
            long remaining, long limit) {
        super(limiter.name(), granted, permits, retryAfterNanos, remaining, limit);
        this.limiter = limiter;
    }

    @Override
    protected void giveBack(long permits) {
        limiter.release(permits);
    }
}
