package dev.throttle.micrometer;

import dev.throttle.ForwardingPermit;
import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A granted permit that counts its ending by {@link #dropped()}: one object over the engine's permit, with a flag so
 * that a permit dropped twice, or dropped after being closed, counts once at most.
 */
final class MeteredPermit extends ForwardingPermit {

    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(MeteredPermit.class, "ended", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LimiterMeters meters;
    @SuppressWarnings("unused") // accessed through ENDED
    private volatile boolean ended;

    MeteredPermit(Permit delegate, LimiterMeters meters) {
        super(delegate);
        this.meters = meters;
    }

    @Override
    public void close() {
        ended = true;
        super.close();
    }

    @Override
    public void dropped() {
        if (ENDED.compareAndSet(this, false, true)) {
            meters.dropped(delegate().permits());
        }
        super.dropped();
    }
}
