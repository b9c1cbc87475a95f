package dev.throttle.local;

import dev.throttle.AbstractPermit;
import dev.throttle.Permit;

/**
 * A permit that holds nothing in any limiter: a refusal made up without asking one (a withdrawn wait), or a grant
 * that takes nothing (a shadow limiter's). Closing, dropping and settling it change nothing.
 */
final class EmptyPermit extends AbstractPermit {

    private EmptyPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
        super(limiter, granted, permits, retryAfterNanos, remaining, limit);
    }

    /** A grant that holds nothing. */
    static Permit granted(String limiter, long permits, long remaining, long limit) {
        return new EmptyPermit(limiter, true, permits, 0L, remaining, limit);
    }

    /** A refusal with no retry time: the request was withdrawn, not judged. */
    static Permit refused(String limiter, long permits, long remaining, long limit) {
        return new EmptyPermit(limiter, false, permits, 0L, remaining, limit);
    }

    @Override
    public void close() {
        // Holds nothing.
    }

    @Override
    public void dropped() {
        // Holds nothing.
    }

    @Override
    public void settle(long actualPermits) {
        claimSettle(actualPermits);
    }

    @Override
    public String toString() {
        return "Permit[" + limiter() + ": " + (granted() ? "granted " : "refused ") + permits() + ", holding nothing]";
    }
}
