package dev.throttle;

/**
 * A base for decorators of a permit (a permit that also tells someone how it ended): every method of {@link Permit}
 * is passed to the delegate as it is, so a subclass overrides only what it decorates, typically {@link #close()},
 * {@link #dropped()} or {@link #settle(long)}. {@code toString} is the delegate's too: the decorated permit is what
 * the caller holds.
 */
public abstract class ForwardingPermit implements Permit {

    private final Permit delegate;

    /**
     * Decorates a permit.
     *
     * @param delegate the permit every call goes to
     * @throws IllegalArgumentException if {@code delegate} is null
     */
    protected ForwardingPermit(Permit delegate) {
        this.delegate = Arguments.requireNonNull("delegate", delegate);
    }

    /**
     * The decorated permit.
     *
     * @return the permit every call goes to
     */
    protected Permit delegate() {
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
    public String limiter() {
        return delegate.limiter();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void dropped() {
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
