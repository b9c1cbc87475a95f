package dev.throttle.micrometer;

import dev.throttle.ConcurrencyStats;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A limiter that counts and times the decisions of another, and otherwise is it. The convenience methods
 * ({@code call}, {@code run}, {@code callAsync}) are the interface's, built on {@link #tryAcquire(long)}, so they are
 * counted too.
 */
class MeteredLimiter implements Limiter {

    final Limiter delegate;
    final LimiterMeters meters;

    MeteredLimiter(Limiter delegate, LimiterMeters meters) {
        this.delegate = delegate;
        this.meters = meters;
    }

    /** The decorator the delegate's type calls for: a rate limiter stays one, a bulkhead keeps its live state. */
    static MeteredLimiter of(Limiter delegate, LimiterMeters meters) {
        if (delegate instanceof RateLimiter) {
            return new MeteredRateLimiter((RateLimiter) delegate, meters);
        }
        if (delegate instanceof ConcurrencyStats) {
            return new MeteredConcurrencyLimiter(delegate, meters);
        }
        return new MeteredLimiter(delegate, meters);
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
        return meters.tried(delegate.tryAcquire(permits));
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        long start = meters.start();
        Permit permit = delegate.acquire(permits, maxWait);
        return meters.waited(permit, maxWait, start);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long start = meters.start();
        return metered(delegate.acquireAsync(permits, maxWait), meters, permits, maxWait, start);
    }

    /**
     * The caller's side of an engine's pending acquisition: completes with the counted (and, when granted, wrapped)
     * permit. The caller holds this future, not the engine's: its cancel (or any early completion) must still reach
     * the engine, which withdraws the request and gives back what it reserved.
     */
    static CompletableFuture<Permit> metered(CompletableFuture<Permit> pending, LimiterMeters meters, long permits,
            Duration maxWait, long start) {
        CompletableFuture<Permit> result = new CompletableFuture<>();
        result.whenComplete((ignored, failure) -> {
            if (failure != null) {
                pending.cancel(false);
            }
        });
        pending.whenComplete((permit, failure) -> {
            if (failure != null) {
                meters.failed(failure, permits, start);
                result.completeExceptionally(failure);
            } else if (result.isDone()) {
                meters.failed(new CancellationException(), permits, start);
                giveBack(permit);
            } else {
                // Counted before the caller sees the permit, so a caller reading the meters on completion sees it.
                Permit counted = meters.completed(permit, maxWait, start);
                if (!result.complete(counted)) {
                    giveBack(permit); // the caller gave up in the meantime; counted as granted all the same
                }
            }
        });
        return result;
    }

    @Override
    public long availablePermits() {
        return delegate.availablePermits();
    }

    @Override
    public String toString() {
        return "Metered" + delegate;
    }

    /** Returns a grant nobody will use: settling at zero gives a rate limiter its permits back. */
    private static void giveBack(Permit permit) {
        if (!permit.granted()) {
            return;
        }
        try {
            permit.settle(0);
        } catch (RuntimeException ignored) {
            // Settling is best effort here: closing below is what a concurrency permit needs.
        }
        permit.close();
    }
}
