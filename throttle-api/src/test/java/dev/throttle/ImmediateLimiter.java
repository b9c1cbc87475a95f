package dev.throttle;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A base for test doubles that never wait: {@link #acquire} and {@link #acquireAsync} answer at once with what
 * {@link #tryAcquire(long)} decides, so a double says only how it decides.
 */
public abstract class ImmediateLimiter implements Limiter {

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return tryAcquire(permits);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        return CompletableFuture.completedFuture(tryAcquire(permits));
    }
}
