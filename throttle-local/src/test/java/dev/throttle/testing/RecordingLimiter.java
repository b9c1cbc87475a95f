package dev.throttle.testing;

import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.ForwardingLimiter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a real limiter and counts how its granted permits are ended: closed (success) or dropped (overload). Every
 * call counts, so a permit ended twice shows as two ends: the integrations under test must end each permit once.
 */
public final class RecordingLimiter extends ForwardingLimiter {

    /** Calls of {@link Permit#close()} on granted permits. */
    public final AtomicInteger closes = new AtomicInteger();
    /** Calls of {@link Permit#dropped()} on granted permits. */
    public final AtomicInteger drops = new AtomicInteger();

    /**
     * Records the permits of a limiter.
     *
     * @param delegate the limiter that decides
     */
    public RecordingLimiter(Limiter delegate) {
        super(delegate);
    }

    /**
     * Every end of a granted permit so far, closed or dropped.
     *
     * @return the count
     */
    public int ended() {
        return closes.get() + drops.get();
    }

    @Override
    public Permit tryAcquire(long permits) {
        return new Recorded(super.tryAcquire(permits));
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return new Recorded(super.acquire(permits, maxWait));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        return super.acquireAsync(permits, maxWait).thenApply(Recorded::new);
    }

    private final class Recorded extends ForwardingPermit {

        Recorded(Permit permit) {
            super(permit);
        }

        @Override
        public void close() {
            if (granted()) {
                closes.incrementAndGet();
            }
            super.close();
        }

        @Override
        public void dropped() {
            if (granted()) {
                drops.incrementAndGet();
            }
            super.dropped();
        }
    }
}
