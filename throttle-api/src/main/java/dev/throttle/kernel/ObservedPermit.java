package dev.throttle.kernel;

import dev.throttle.Permit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Another permit whose end someone must learn of: a keyed limiter (a concurrency key may be forgotten once its last
 * permit ends; a key in debt is kept), a metered limiter (overload is counted), an adaptive rate limiter (success and
 * overload steer its rate). Every method goes to the observed permit first; its end is then reported to the
 * {@link Observer} once, whichever of {@link #close()}, {@link #dropped()} or a withdrawal comes first.
 */
public final class ObservedPermit implements Permit {

    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(ObservedPermit.class, "ended", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Learns how an observed permit ended. */
    public interface Observer {

        /**
         * The permit ended; called once, after the observed permit's own end.
         *
         * @param permit the observed permit
         * @param context the value given with it
         * @param dropped whether it ended reporting overload
         */
        void ended(ObservedPermit permit, Object context, boolean dropped);

        /**
         * The permit was settled, after the observed permit's own settle succeeded.
         *
         * @param permit the observed permit
         * @param context the value given with it
         * @param actualPermits the argument of the settle
         */
        default void settled(ObservedPermit permit, Object context, long actualPermits) {
        }

        /**
         * The grant was withdrawn before its caller held it; called instead of {@link #ended}, once. Defaults to
         * nothing: a withdrawn grant is no outcome.
         *
         * @param permit the observed permit
         * @param context the value given with it
         */
        default void withdrawn(ObservedPermit permit, Object context) {
        }
    }

    private final Permit delegate;
    private final Observer observer;
    private final Object context;
    @SuppressWarnings("unused") // accessed through ENDED
    private volatile boolean ended;

    /**
     * Observes a permit.
     *
     * @param delegate the permit observed; every call goes to it
     * @param observer told of its end
     * @param context handed to the observer with it (a key's entry), or null
     */
    public ObservedPermit(Permit delegate, Observer observer, Object context) {
        this.delegate = delegate;
        this.observer = observer;
        this.context = context;
    }

    /**
     * The permit observed.
     *
     * @return the delegate
     */
    public Permit delegate() {
        return delegate;
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
    public String limiterName() {
        return delegate.limiterName();
    }

    @Override
    public void close() {
        delegate.close();
        if (ENDED.compareAndSet(this, false, true)) {
            observer.ended(this, context, false);
        }
    }

    @Override
    public void dropped() {
        delegate.dropped();
        if (ENDED.compareAndSet(this, false, true)) {
            observer.ended(this, context, true);
        }
    }

    @Override
    public void settle(long actualPermits) {
        delegate.settle(actualPermits);
        observer.settled(this, context, actualPermits);
    }

    /** Withdraws the observed permit and tells the observer, once. */
    void withdraw() {
        Permits.withdraw(delegate);
        if (ENDED.compareAndSet(this, false, true)) {
            observer.withdrawn(this, context);
        }
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
