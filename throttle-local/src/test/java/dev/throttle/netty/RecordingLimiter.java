package dev.throttle.netty;

import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A limiter that counts how its granted permits end: closed (success) or dropped (overload). */
final class RecordingLimiter implements Limiter {

    final AtomicInteger closed = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    private final Limiter delegate;

    RecordingLimiter(Limiter delegate) {
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
        private final AtomicInteger ends = new AtomicInteger();

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
            if (permit.granted() && ends.getAndIncrement() == 0) {
                closed.incrementAndGet();
            }
            permit.close();
        }

        @Override
        public void dropped() {
            if (permit.granted() && ends.getAndIncrement() == 0) {
                dropped.incrementAndGet();
            }
            permit.dropped();
        }

        @Override
        public void settle(long actualPermits) {
            permit.settle(actualPermits);
        }
    }
}
