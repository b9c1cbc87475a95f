package dev.throttle.servlet;

import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** Wraps a real limiter and counts how its granted permits are ended: closed (success) or dropped (overload). */
final class RecordingLimiter implements Limiter {

    final Limiter delegate;
    final AtomicInteger closes = new AtomicInteger();
    final AtomicInteger drops = new AtomicInteger();

    RecordingLimiter(Limiter delegate) {
        this.delegate = delegate;
    }

    int ended() {
        return closes.get() + drops.get();
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
        return new Recorded(delegate.tryAcquire(permits));
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return new Recorded(delegate.acquire(permits, maxWait));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        return delegate.acquireAsync(permits, maxWait).thenApply(Recorded::new);
    }

    @Override
    public long availablePermits() {
        return delegate.availablePermits();
    }

    private final class Recorded implements Permit {
        private final Permit permit;

        Recorded(Permit permit) {
            this.permit = permit;
        }

        @Override
        public boolean granted() {
            return permit.granted();
        }

        @Override
        public long permits() {
            return permit.permits();
        }

        @Override
        public long retryAfterNanos() {
            return permit.retryAfterNanos();
        }

        @Override
        public long remaining() {
            return permit.remaining();
        }

        @Override
        public long limit() {
            return permit.limit();
        }

        @Override
        public String limiter() {
            return permit.limiter();
        }

        @Override
        public void close() {
            if (permit.granted()) {
                closes.incrementAndGet();
            }
            permit.close();
        }

        @Override
        public void dropped() {
            if (permit.granted()) {
                drops.incrementAndGet();
            }
            permit.dropped();
        }

        @Override
        public void settle(long actualPermits) {
            permit.settle(actualPermits);
        }
    }
}
