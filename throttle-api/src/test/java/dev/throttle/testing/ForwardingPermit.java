package dev.throttle.testing;

import dev.throttle.Permit;

/** A base for test doubles that decorate a permit: every method goes to the delegate unless overridden. */
public abstract class ForwardingPermit implements Permit {

    private final Permit delegate;

    protected ForwardingPermit(Permit delegate) {
        this.delegate = delegate;
    }

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
    public String limiterName() {
        return delegate.limiterName();
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
