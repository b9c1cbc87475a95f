package dev.throttle.kernel;

/**
 * A refusal, by any limiter of any engine: it holds nothing, so closing, dropping and settling it change nothing
 * (settling still checks its argument).
 */
public final class RefusedPermit extends AbstractPermit {

    /**
     * The retry time of a refusal by a limit whose permits come back when a holder releases them (a bulkhead): not a
     * known time, "as soon as a permit is released".
     */
    public static final long WHEN_RELEASED = 1L;

    private final long retryAfterNanos;
    private final boolean untilReleased;

    private RefusedPermit(String limiter, long permits, long retryAfterNanos, long remaining, long limit,
            boolean untilReleased) {
        super(limiter, permits, remaining, limit);
        this.retryAfterNanos = retryAfterNanos;
        this.untilReleased = untilReleased;
    }

    /**
     * A refusal.
     *
     * @return false
     */
    @Override
    public boolean granted() {
        return false;
    }

    /**
     * When a retry could succeed.
     *
     * @return nanoseconds, or {@link #NEVER}
     */
    @Override
    public long retryAfterNanos() {
        return retryAfterNanos;
    }

    /**
     * A refusal with a known retry time.
     *
     * @param limiter the name of the limit that refused
     * @param permits the permits asked for
     * @param retryAfterNanos when a retry could succeed: 0 or more, or {@link #NEVER}
     * @param remaining the permits available right after the decision
     * @param limit the limit the decision was made against
     * @return the refusal
     */
    public static RefusedPermit of(String limiter, long permits, long retryAfterNanos, long remaining, long limit) {
        return new RefusedPermit(limiter, permits, retryAfterNanos, remaining, limit, false);
    }

    /**
     * A refusal by a limit whose permits come back when released (a bulkhead): its retry time is
     * {@link #WHEN_RELEASED}.
     *
     * @param limiter the name of the limit that refused
     * @param permits the permits asked for
     * @param remaining the permits available right after the decision
     * @param limit the limit the decision was made against
     * @return the refusal
     */
    public static RefusedPermit untilReleased(String limiter, long permits, long remaining, long limit) {
        return new RefusedPermit(limiter, permits, WHEN_RELEASED, remaining, limit, true);
    }

    /** Nothing to end: nothing was granted. */
    @Override
    public void close() {
        // Nothing was granted.
    }

    /** Nothing to end: nothing was granted. */
    @Override
    public void dropped() {
        // Nothing was granted.
    }

    /**
     * Checks the argument; a refusal has nothing to settle.
     *
     * @param actualPermits zero or more
     * @throws IllegalArgumentException if {@code actualPermits} is negative
     */
    @Override
    public void settle(long actualPermits) {
        claimSettle(actualPermits);
    }

    /** Nothing to give back. */
    @Override
    public void withdraw() {
        // Nothing was granted.
    }

    @Override
    String retryText() {
        return untilReleased ? "retry when a permit is released" : super.retryText();
    }
}
