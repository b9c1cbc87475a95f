package dev.throttle.local.resilience;

import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A limiter that counts the requests it is asked, to observe which layers a decorated call reached. */
final class CountingLimiter implements Limiter {

    private final Limiter delegate;
    final AtomicInteger asked = new AtomicInteger();

    CountingLimiter(Limiter delegate) {
        this.delegate = delegate;
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
        asked.incrementAndGet();
        return delegate.tryAcquire(permits);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        asked.incrementAndGet();
        return delegate.acquire(permits, maxWait);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        asked.incrementAndGet();
        return delegate.acquireAsync(permits, maxWait);
    }

    @Override
    public long availablePermits() {
        return delegate.availablePermits();
    }
}
