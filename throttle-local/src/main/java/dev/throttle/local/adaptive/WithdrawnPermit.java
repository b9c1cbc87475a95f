package dev.throttle.local.adaptive;

import dev.throttle.AbstractPermit;

/**
 * The refusal returned when a waiting acquisition is withdrawn because its thread was interrupted: retry "when a
 * permit is released" (1 ns), as the bulkhead's own refusals say. Holds nothing, so ending it does nothing.
 */
final class WithdrawnPermit extends AbstractPermit {

    WithdrawnPermit(String limiter, long permits, long remaining, long limit) {
        super(limiter, false, permits, 1L, remaining, limit);
    }

    @Override
    public void close() {
        // nothing held
    }

    @Override
    public void dropped() {
        // nothing held
    }

    @Override
    public void settle(long actualPermits) {
        claimSettle(actualPermits); // checks the argument; a refusal ignores settling
    }

    @Override
    protected String retryText() {
        return "when a permit is released";
    }
}
