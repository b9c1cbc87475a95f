package dev.throttle.local.adaptive;

import dev.throttle.AbstractPermit;
import dev.throttle.Permit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A granted permit of an adaptive rate limiter that reports how the work ended: {@link #close()} as a success,
 * {@link #dropped()} as overload, once, whichever comes first. Or a refusal of a request above the current capacity.
 */
final class SteeredPermit extends AbstractPermit {

    private final SteeredRateLimiter owner;
    private final Permit granted;
    private final AtomicBoolean ended = new AtomicBoolean();

    SteeredPermit(SteeredRateLimiter owner, Permit granted) {
        super(granted.limiter(), true, granted.permits(), 0L, granted.remaining(), granted.limit());
        this.owner = owner;
        this.granted = granted;
    }

    private SteeredPermit(SteeredRateLimiter owner, long permits) {
        super(owner.name(), false, permits, NEVER, owner.availablePermits(), owner.capacityNow());
        this.owner = owner;
        this.granted = null;
        ended.set(true);
    }

    /** A refusal of a request the current capacity can never grant (a slower step has a smaller burst). */
    static Permit beyondCapacity(SteeredRateLimiter owner, long permits) {
        return new SteeredPermit(owner, permits);
    }

    @Override
    public void close() {
        if (ended.compareAndSet(false, true)) {
            granted.close();
            owner.succeeded();
        }
    }

    @Override
    public void dropped() {
        if (ended.compareAndSet(false, true)) {
            granted.dropped();
            owner.dropped();
        }
    }

    @Override
    public void settle(long actualPermits) {
        if (granted == null) {
            claimSettle(actualPermits); // checks the argument; a refusal ignores settling
            return;
        }
        granted.settle(actualPermits);
    }
}
