package dev.throttle.local.adaptive;

import dev.throttle.AbstractPermit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A {@link ClientSideThrottle}'s answer. A grant is counted when it ends: the requests it stands for live in one word
 * that {@link #close()} and {@link #dropped()} swap to {@link #ENDED} and {@link #settle(long)} replaces by CAS, so a
 * grant is counted exactly once, with the count it had when it ended, whatever the races.
 */
final class SrePermit extends AbstractPermit {

    /** The value of {@link #pending} once ended; refusals start ended (they were counted when refused). */
    private static final long ENDED = -1L;

    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(SrePermit.class, "pending", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ClientSideThrottle throttle;
    @SuppressWarnings("unused") // accessed through PENDING
    private volatile long pending;

    SrePermit(ClientSideThrottle throttle, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
        super(throttle.name(), granted, permits, retryAfterNanos, remaining, limit);
        this.throttle = throttle;
        this.pending = granted ? permits : ENDED;
    }

    /** Counts the grant's requests as requests and accepts: the backend accepted. Idempotent. */
    @Override
    public void close() {
        end(true);
    }

    /** Counts the grant's requests as requests only: the backend rejected them for overload. Idempotent. */
    @Override
    public void dropped() {
        end(false);
    }

    private void end(boolean accepted) {
        long requests = (long) PENDING.getAndSet(this, ENDED);
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
        if (!claimSettle(actualPermits)) {
            return;
        }
        for (;;) {
            long current = (long) PENDING.getVolatile(this);
            if (current == ENDED || PENDING.compareAndSet(this, current, actualPermits)) {
                return;
            }
        }
    }
}
