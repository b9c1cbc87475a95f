package dev.throttle.local.adaptive;

import dev.throttle.local.HeldPermit;

/**
 * A {@link ClientSideThrottle}'s answer. A grant is counted when it ends: the requests it stands for are the
 * {@link HeldPermit}'s held word, which {@link #close()} and {@link #dropped()} end and {@link #settle(long)}
 * replaces, so a grant is counted exactly once, with the count it had when it ended, whatever the races. Refusals
 * start ended (they were counted when refused).
 */
final class SrePermit extends HeldPermit {

    private final ClientSideThrottle throttle;

    SrePermit(ClientSideThrottle throttle, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
        super(throttle.name(), granted, permits, retryAfterNanos, remaining, limit);
        this.throttle = throttle;
    }

    /** Counts the grant's requests as requests and accepts: the backend accepted. Idempotent. */
    @Override
    public void close() {
        finish(true);
    }

    /** Counts the grant's requests as requests only: the backend rejected them for overload. Idempotent. */
    @Override
    public void dropped() {
        finish(false);
    }

    private void finish(boolean accepted) {
        long requests = end();
        if (requests > 0L) {
            throttle.ended(requests, accepted);
        }
    }

    /**
     * Sets how many requests the grant stands for when it ends (a batch that sent fewer, or more, calls). After the
     * grant ended it changes nothing: its count is already in the window.
     *
     * @param actualPermits the requests actually sent, zero or more
     * @throws IllegalArgumentException if {@code actualPermits} is negative
     * @throws IllegalStateException if the permit was already settled
     */
    @Override
    public void settle(long actualPermits) {
        if (claimSettle(actualPermits)) {
            replaceHeld(actualPermits);
        }
    }
}
