package dev.throttle.local.resilience;

import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.ForwardingLimiter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A limiter that counts the requests it is asked, to observe which layers a decorated call reached. */
final class CountingLimiter extends ForwardingLimiter {

    final AtomicInteger asked = new AtomicInteger();

    CountingLimiter(Limiter delegate) {
        super(delegate);
    }

    @Override
    public Permit tryAcquire(long permits) {
        asked.incrementAndGet();
        return super.tryAcquire(permits);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        asked.incrementAndGet();
        return super.acquire(permits, maxWait);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        asked.incrementAndGet();
        return super.acquireAsync(permits, maxWait);
    }
}
