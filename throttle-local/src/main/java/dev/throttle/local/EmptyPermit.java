package dev.throttle.local;

import dev.throttle.Arguments;
import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A permit that holds nothing in any limiter: a refusal made up without asking one (a withdrawn wait), or a grant
 * that takes nothing (a shadow limiter's). Closing, dropping and settling it change nothing.
 */
final class EmptyPermit implements Permit {

    private static final VarHandle SETTLED;

    static {
        try {
            SETTLED = MethodHandles.lookup().findVarHandle(EmptyPermit.class, "settled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String limiter;
    private final boolean granted;
    private final long permits;
    private final long retryAfterNanos;
    private final long remaining;
    private final long limit;
    @SuppressWarnings("unused") // accessed through SETTLED
    private volatile boolean settled;

    private EmptyPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
        this.limiter = limiter;
        this.granted = granted;
        this.permits = permits;
        this.retryAfterNanos = retryAfterNanos;
        this.remaining = remaining;
        this.limit = limit;
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
    public boolean granted() {
        return granted;
    }

    @Override
    public long permits() {
        return permits;
    }

    @Override
    public long retryAfterNanos() {
        return retryAfterNanos;
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
        // Holds nothing.
    }

    @Override
    public void dropped() {
        // Holds nothing.
    }

    @Override
    public void settle(long actualPermits) {
        Arguments.requireNonNegative("actualPermits", actualPermits);
        if (granted && !SETTLED.compareAndSet(this, false, true)) {
            throw new IllegalStateException("permit of " + limiter + " already settled");
        }
    }

    @Override
    public String toString() {
        return "Permit[" + limiter + ": " + (granted ? "granted " : "refused ") + permits + ", holding nothing]";
    }
}
