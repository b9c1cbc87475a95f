package dev.throttle.redis;

import dev.throttle.AbstractPermit;

/** A refusal by a concurrency limit or a composite: it holds nothing, so closing and settling do nothing. */
final class RefusedPermit extends AbstractPermit {

    RefusedPermit(String limiter, long permits, long retryAfterNanos, long remaining, long limit) {
        super(limiter, false, permits, retryAfterNanos, remaining, limit);
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
        claimSettle(actualPermits); // checks the argument; a refusal has nothing to settle
    }
}
