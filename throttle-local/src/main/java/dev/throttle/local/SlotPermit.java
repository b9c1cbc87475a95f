package dev.throttle.local;

import dev.throttle.Arguments;

/**
 * The base of the engine's permits that lease slots (a bulkhead's, a partition's). Not for applications: it is
 * public only so that the engine's subpackages can extend it. A granted one gives its slots back exactly once: the
 * slots it still holds live in one word that {@link #close()} swaps to {@link #ENDED} and {@link #settle(long)}
 * lowers by CAS, so a racing close and settle never give back more than was taken.
 */
public abstract class SlotPermit extends HeldPermit {

    /**
     * Fixes the values of a decision; a grant holds its {@code permits} slots, a refusal none.
     *
     * @param limiter the name of the limiter that decided
     * @param granted whether the permits were granted
     * @param permits the permits asked for, or held when granted
     * @param retryAfterNanos 0 when granted, else {@link #NEVER} or any positive value: a slot comes back when a
     *     holder releases it, not at a known time
     * @param remaining the permits still available right after the decision
     * @param limit the limit the decision was made against
     */
    protected SlotPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
        super(limiter, granted, permits, retryAfterNanos, remaining, limit);
    }

    /**
     * Gives slots back to whoever granted them; called once per slot at most.
     *
     * @param permits the slots given back, 1 or more
     */
    protected abstract void giveBack(long permits);

    /** Gives back the slots still held. Idempotent. */
    @Override
    public final void close() {
        long wasHeld = end();
        if (wasHeld > 0) {
            giveBack(wasHeld);
        }
    }

    /** A slot lease does not adapt to overload by itself: the same as {@link #close()}. */
    @Override
    public final void dropped() {
        close();
    }

    /**
     * Gives back the permits not used. A lease cannot go into debt (a slot is either held or not), so using more
     * than the grant is refused rather than taken. Settling a permit already closed changes nothing.
     *
     * @param actualPermits the permits actually used, from 0 to {@link #permits()}
     * @throws IllegalArgumentException if {@code actualPermits} is negative or more than the permits granted
     * @throws IllegalStateException if the permit was already settled
     */
    @Override
    public final void settle(long actualPermits) {
        if (granted()) {
            Arguments.requireInRange("actualPermits", actualPermits, 0L, permits());
        }
        if (!claimSettle(actualPermits)) {
            return;
        }
        long wasHeld = replaceHeld(actualPermits);
        if (wasHeld > actualPermits) {
            giveBack(wasHeld - actualPermits);
        }
    }

    /**
     * A slot comes back when a holder releases it, not at a known time.
     *
     * @return "never", or "when a permit is released"
     */
    @Override
    protected final String retryText() {
        return retryAfterNanos() == NEVER ? "never" : "when a permit is released";
    }
}
