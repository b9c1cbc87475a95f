package dev.throttle.kernel;

import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A base for decorators of a limiter (metering, dry runs, test doubles that count or record): every method of
 * {@link Limiter} is passed to the delegate as it is, so a subclass overrides only what it decorates and cannot
 * forget a method.
 *
 * <p>The call-wrapping defaults ({@link #call}, {@link #run}, {@link #callAsync}) are not forwarded: they stay the
 * interface's, built on {@link #tryAcquire(long)}, so they pass through whatever the subclass adds to it. Neither is
 * {@code toString}: a decorator says what it is itself.
 */
public abstract class ForwardingLimiter implements Limiter {

    private final Limiter delegate;

    /**
     * Decorates a limiter.
     *
     * @param delegate the limiter every call goes to
     * @throws IllegalArgumentException if {@code delegate} is null
     */
    protected ForwardingLimiter(Limiter delegate) {
        this.delegate = Arguments.requireNonNull("delegate", delegate);
    }

    /**
     * The decorated limiter.
     *
     * @return the limiter every call goes to
     */
    protected Limiter delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public LimitSpec spec() {
        return delegate.spec();
    }

    @Override
    public Permit tryAcquire(long permits) {
        return delegate.tryAcquire(permits);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return delegate.acquire(permits, maxWait);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        return delegate.acquireAsync(permits, maxWait);
    }

    @Override
    public long availablePermits() {
        return delegate.availablePermits();
    }
}
