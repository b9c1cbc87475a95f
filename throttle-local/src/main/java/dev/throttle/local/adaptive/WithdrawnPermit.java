package dev.throttle.local.adaptive;

import dev.throttle.local.SlotPermit;

/**
 * The refusal returned when a waiting acquisition is withdrawn because its thread was interrupted: a bulkhead's
 * refusal, retry "when a permit is released" (1 ns), as the bulkhead's own refusals say. As every refused
 * {@link SlotPermit} it holds nothing, so ending it does nothing.
 */
final class WithdrawnPermit extends SlotPermit {

    WithdrawnPermit(String limiter, long permits, long remaining, long limit) {
        super(limiter, false, permits, 1L, remaining, limit);
    }

    /** Never called: a refusal starts ended, holding no slot. */
    @Override
    protected void giveBack(long permits) {
        // nothing held
    }
}
