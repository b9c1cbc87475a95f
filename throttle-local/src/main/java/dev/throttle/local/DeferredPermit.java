package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shadow limiter's grant of a request its delegate is still deciding. It is granted at once; when the delegate's
 * own permit arrives, what the caller did meanwhile (settle, close, dropped) is done to it, once, whichever side
 * comes second. A refusal arriving holds nothing and needs nothing.
 */
final class DeferredPermit implements Permit {

    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final int DROPPED = 2;

    private final String limiter;
    private final long permits;
    private final long remaining;
    private final long limit;
    private volatile Permit arrived;
    private final AtomicInteger end = new AtomicInteger(OPEN);
    private final AtomicBoolean settleAsked = new AtomicBoolean();
    private volatile long settledTo = -1L;
    private final AtomicBoolean settleDone = new AtomicBoolean();
    private final AtomicBoolean endDone = new AtomicBoolean();

    DeferredPermit(String limiter, long permits, long remaining, long limit) {
        this.limiter = limiter;
        this.permits = permits;
        this.remaining = remaining;
        this.limit = limit;
    }

    /** The delegate's decision arrived. */
    void arrived(Permit permit) {
        arrived = permit;
        applyPending();
    }

    /**
     * Does to the arrived permit what the caller asked. Both sides write first and then call this, through volatile
     * fields, so at least one of them sees both the permit and the request; the flags make each act happen once.
     */
    private void applyPending() {
        Permit permit = arrived;
        if (permit == null || !permit.granted()) {
            return;
        }
        long settle = settledTo;
        if (settle >= 0L && settleDone.compareAndSet(false, true)) {
            permit.settle(settle);
        }
        int ended = end.get();
        if (ended != OPEN && endDone.compareAndSet(false, true)) {
            if (ended == CLOSED) {
                permit.close();
            } else {
                permit.dropped();
            }
        }
    }

    @Override
    public boolean granted() {
        return true;
    }

    @Override
    public long permits() {
        return permits;
    }

    @Override
    public long retryAfterNanos() {
        return 0L;
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
    public String limiter() {
        return limiter;
    }

    @Override
    public void close() {
        if (end.compareAndSet(OPEN, CLOSED)) {
            applyPending();
        }
    }

    @Override
    public void dropped() {
        if (end.compareAndSet(OPEN, DROPPED)) {
            applyPending();
        }
    }

    @Override
    public void settle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (!settleAsked.compareAndSet(false, true)) {
            throw new IllegalStateException("permit of " + limiter + " already settled");
        }
        settledTo = actualPermits;
        applyPending();
    }

    @Override
    public String toString() {
        return "Permit[" + limiter + ": granted " + permits + " in a dry run, decision " + arrived + "]";
    }
}
