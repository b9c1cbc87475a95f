package dev.throttle.micrometer;

import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.kernel.ForwardingLimiter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A limiter that counts and times the decisions of another, and otherwise is it. The convenience methods
 * ({@code call}, {@code run}, {@code callAsync}) are the interface's, built on {@link #tryAcquire(long)}, so they are
 * counted too.
 */
class MeteredLimiter extends ForwardingLimiter {

    final DecisionMeters meters;

    MeteredLimiter(Limiter delegate, DecisionMeters meters) {
        super(delegate);
        this.meters = meters;
    }

    /** The limiter whose decisions this one counts. */
    Limiter decorated() {
        return delegate();
    }

    /** The decorator the delegate's type calls for: a rate limiter stays one, a bulkhead keeps its live state. */
    static MeteredLimiter of(Limiter delegate, DecisionMeters meters) {
        if (delegate instanceof RateLimiter) {
            return new MeteredRateLimiter((RateLimiter) delegate, meters);
        }
        if (delegate instanceof ConcurrencyStats) {
            return new MeteredConcurrencyLimiter(delegate, meters);
        }
        return new MeteredLimiter(delegate, meters);
    }

    @Override
    public Permit tryAcquire(long permits) {
        return meters.tried(delegate().tryAcquire(permits));
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        long start = meters.start();
        Permit permit = delegate().acquire(permits, maxWait);
        return meters.waited(permit, maxWait, start);
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long start = meters.start();
        return meters.pending(delegate().acquireAsync(permits, maxWait), permits, maxWait, start);
    }

    @Override
    public String toString() {
        return "Metered" + delegate();
    }
}
