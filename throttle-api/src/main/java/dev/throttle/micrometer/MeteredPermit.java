package dev.throttle.micrometer;

import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A granted permit that counts its ending by {@link #dropped()}: one object over the engine's permit, with a flag so
 * that a permit dropped twice, or dropped after being closed, counts once at most.
 */
final class MeteredPermit implements Permit {

    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(MeteredPermit.class, "ended", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Permit delegate;
    private final LimiterMeters meters;
    @SuppressWarnings("unused") // accessed through ENDED
    private volatile boolean ended;

    MeteredPermit(Permit delegate, LimiterMeters meters) {
        this.delegate = delegate;
        this.meters = meters;
    }

    @Override
    public boolean granted() {
        return delegate.granted();
    }

    @Override
    public long permits() {
        return delegate.permits();
    }

    @Override
    public long retryAfterNanos() {
        return delegate.retryAfterNanos();
    }

    @Override
    public long remaining() {
        return delegate.remaining();
    }

    @Override
    public long limit() {
        return delegate.limit();
    }

    @Override
    public String limiter() {
        return delegate.limiter();
    }

    @Override
    public void close() {
        ended = true;
        delegate.close();
    }

    @Override
    public void dropped() {
        if (ENDED.compareAndSet(this, false, true)) {
            meters.dropped(delegate.permits());
        }
        delegate.dropped();
    }

    @Override
    public void settle(long actualPermits) {
        delegate.settle(actualPermits);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
