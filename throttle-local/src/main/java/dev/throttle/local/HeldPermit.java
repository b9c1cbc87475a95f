package dev.throttle.local;

import dev.throttle.AbstractPermit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The base of the engine's permits that hold a count until they end (slots of a bulkhead or a partition, requests
 * of a client-side throttle). Not for applications: it is public only so that the engine's subpackages can extend it.
 *
 * <p>What a permit still holds lives in one word. Ending swaps it to {@link #ENDED} and settling replaces it by CAS
 * unless it has ended, so whatever the races between close, dropped and settle, the subclass sees the count end
 * exactly once, with the value it had then. A refusal starts ended: it holds nothing.
 */
public abstract class HeldPermit extends AbstractPermit {

    /** The value of the held word once ended; refusals start ended. */
    protected static final long ENDED = -1L;

    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(HeldPermit.class, "held", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through HELD
    private volatile long held;

    /**
     * Fixes the values of a decision; a grant holds its {@code permits}, a refusal nothing.
     *
     * @param limiter the name of the limiter that decided
     * @param granted whether the permits were granted
     * @param permits the permits asked for, or held when granted
     * @param retryAfterNanos 0 when granted, else the time until a retry could succeed, or {@link #NEVER}
     * @param remaining the permits still available right after the decision
     * @param limit the limit the decision was made against
     */
    protected HeldPermit(String limiter, boolean granted, long permits, long retryAfterNanos, long remaining,
            long limit) {
        super(limiter, granted, permits, retryAfterNanos, remaining, limit);
        this.held = granted ? permits : ENDED;
    }

    /**
     * Ends the permit: the one caller that gets a value other than {@link #ENDED} acts on what it held.
     *
     * @return what the permit held, or {@link #ENDED} if it had already ended
     */
    protected final long end() {
        return (long) HELD.getAndSet(this, ENDED);
    }

    /**
     * Replaces what the permit holds, unless it has already ended (then its count is final).
     *
     * @param actual the new count, zero or more
     * @return what the permit held before, or {@link #ENDED} if it had already ended and nothing changed
     */
    protected final long replaceHeld(long actual) {
        for (;;) {
            long current = (long) HELD.getVolatile(this);
            if (current == ENDED || HELD.compareAndSet(this, current, actual)) {
                return current;
            }
        }
    }
}
