package dev.throttle.local.adaptive;

import dev.throttle.AbstractPermit;
import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A granted permit of an {@link AdaptiveConcurrencyLimiter}: the bulkhead's permit, plus what the algorithm needs
 * to learn from it (when it was granted, and the in-flight count then). The first of {@link #close()} and
 * {@link #dropped()} claims the permit by CAS, gives the slot back and reports one sample; later calls do nothing,
 * so a permit is released and counted exactly once.
 */
final class AdaptivePermit extends AbstractPermit {

    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(AdaptivePermit.class, "ended", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AdaptiveConcurrencyLimiter limiter;
    private final Permit slot;
    private final long startNanos;
    private final long inFlight;
    @SuppressWarnings("unused") // accessed through ENDED
    private volatile boolean ended;

    AdaptivePermit(AdaptiveConcurrencyLimiter limiter, Permit slot, long startNanos, long inFlight) {
        super(slot.limiter(), true, slot.permits(), 0L, slot.remaining(), slot.limit());
        this.limiter = limiter;
        this.slot = slot;
        this.startNanos = startNanos;
        this.inFlight = inFlight;
    }

    @Override
    public void close() {
        end(false);
    }

    /** Ends the use reporting overload: the limit shrinks. */
    @Override
    public void dropped() {
        end(true);
    }

    /**
     * Gives back the permits not used, as a bulkhead does; the sample is still reported when the permit ends.
     *
     * @param actualPermits the permits actually used, from 0 to {@link #permits()}
     * @throws IllegalArgumentException if {@code actualPermits} is negative or more than the permits granted
     * @throws IllegalStateException if the permit was already settled
     */
    @Override
    public void settle(long actualPermits) {
        slot.settle(actualPermits);
    }

    private void end(boolean dropped) {
        if (ENDED.compareAndSet(this, false, true)) {
            slot.close();
            limiter.record(startNanos, inFlight, dropped);
        }
    }
}
