package dev.throttle.peers;

import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test double: delegates to a real limiter and counts every way a granted permit is ended (close, dropped, giveBack),
 * including repeated calls, so "ended exactly once" can be checked even though the real permits are idempotent.
 * Single-threaded tests only (the wrapped future relays a cancel, but a cancel racing the grant is not handled).
 */
final class EndCountingLimiter implements Limiter {

    final Limiter delegate;
    final AtomicInteger grants = new AtomicInteger();
    final AtomicInteger refusals = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();
    final AtomicInteger drops = new AtomicInteger();
    final AtomicInteger givenBack = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();

    EndCountingLimiter(Limiter delegate) {
        this.delegate = delegate;
    }

    /** Every end call on every granted permit. */
    int ends() {
        return closes.get() + drops.get() + givenBack.get();
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
        requests.incrementAndGet();
        return wrap(delegate.tryAcquire(permits));
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        requests.incrementAndGet();
        return wrap(delegate.acquire(permits, maxWait));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        requests.incrementAndGet();
        CompletableFuture<Permit> inner = delegate.acquireAsync(permits, maxWait);
        CompletableFuture<Permit> outer = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                if (cancelled) {
                    inner.cancel(mayInterruptIfRunning);
                }
                return cancelled;
            }
        };
        inner.whenComplete((permit, failure) -> {
            if (failure != null) {
                outer.completeExceptionally(failure);
            } else {
                Permit wrapped = wrap(permit);
                if (!outer.complete(wrapped)) {
                    permit.giveBack();
                }
            }
        });
        return outer;
    }

    @Override
    public long availablePermits() {
        return delegate.availablePermits();
    }

    private Permit wrap(Permit permit) {
        if (permit.granted()) {
            grants.incrementAndGet();
        } else {
            refusals.incrementAndGet();
        }
        return new Permit() {
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
            public String limiterName() {
                return permit.limiterName();
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

            @Override
            public void giveBack() {
                if (permit.granted()) {
                    givenBack.incrementAndGet();
                }
                permit.giveBack();
            }
        };
    }
}
