package dev.throttle.local.limiters;

import dev.throttle.Concurrency;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * TEST DOUBLE: a counting semaphore standing in for the engine's concurrency limiter until it is merged. At most
 * {@code limit} permits held at once; waiters (any number, FIFO) are served when permits are closed; refusals carry no
 * retry time (a bulkhead cannot tell when a permit frees). Simple and locked: it is not the engine's code.
 */
public final class FakeConcurrencyLimiter implements Limiter {

    private final String name;
    private final Concurrency spec;
    private long held;
    private long maxHeld;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

    private record Waiter(long permits, CompletableFuture<Permit> future) {
    }

    public FakeConcurrencyLimiter(String name, LimitSpec spec) {
        this.name = name;
        this.spec = (Concurrency) spec;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    @Override
    public synchronized Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, spec.limit());
        if (held + permits > spec.limit()) {
            return new FakePermit(false, permits, spec.limit() - held);
        }
        held += permits;
        maxHeld = Math.max(maxHeld, held);
        return new FakePermit(true, permits, spec.limit() - held);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return acquireAsync(permits, maxWait).join();
    }

    @Override
    public synchronized CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        Permit now = tryAcquire(permits);
        if (now.granted() || maxWait.isZero()) {
            return CompletableFuture.completedFuture(now);
        }
        Waiter waiter = new Waiter(permits, new CompletableFuture<>());
        waiters.add(waiter);
        waiter.future.whenComplete((p, f) -> {
            if (waiter.future.isCancelled()) {
                synchronized (this) {
                    waiters.remove(waiter);
                }
            }
        });
        return waiter.future;
    }

    @Override
    public synchronized long availablePermits() {
        return spec.limit() - held;
    }

    public synchronized long maxHeld() {
        return maxHeld;
    }

    private void release(long permits) {
        Waiter served = null;
        Permit permit = null;
        synchronized (this) {
            held -= permits;
            Waiter next = waiters.peek();
            if (next != null && held + next.permits <= spec.limit()) {
                waiters.poll();
                held += next.permits;
                maxHeld = Math.max(maxHeld, held);
                served = next;
                permit = new FakePermit(true, next.permits, spec.limit() - held);
            }
        }
        if (served != null && !served.future.complete(permit)) {
            permit.close();
        }
    }

    private final class FakePermit implements Permit {
        private final boolean granted;
        private final long permits;
        private final long remaining;
        private final AtomicBoolean closed = new AtomicBoolean();

        FakePermit(boolean granted, long permits, long remaining) {
            this.granted = granted;
            this.permits = permits;
            this.remaining = remaining;
        }

        @Override
        public boolean granted() {
            return granted;
        }

        @Override
        public long permits() {
            return permits;
        }

        @Override
        public long retryAfterNanos() {
            return 0L;
        }

        @Override
        public long remaining() {
            return remaining;
        }

        @Override
        public long limit() {
            return spec.limit();
        }

        @Override
        public String limiterName() {
            return name;
        }

        @Override
        public void close() {
            if (granted && closed.compareAndSet(false, true)) {
                release(permits);
            }
        }

        @Override
        public void dropped() {
            close();
        }

        @Override
        public void settle(long actualPermits) {
            Arguments.requireNonNegative("actualPermits", actualPermits);
        }
    }
}
