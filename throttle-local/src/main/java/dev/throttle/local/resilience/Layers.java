package dev.throttle.local.resilience;

import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.ThrottledException;
import dev.throttle.Ticker;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The layers of one decorated call, fixed when it is decorated: each may be absent. Holds the steps the
 * synchronous and asynchronous chains share.
 */
final class Layers<T> {

    /** No timeout. */
    static final long NO_TIMEOUT = -1L;

    final Retry retry;
    final CircuitBreaker breaker;
    final Limiter rateLimiter;
    final Limiter bulkhead;
    final long timeoutNanos;
    final Predicate<? super Throwable> fallbackOn;
    final Function<? super Throwable, ? extends T> fallback;
    final Ticker ticker;
    final Scheduler scheduler;

    Layers(Retry retry, CircuitBreaker breaker, Limiter rateLimiter, Limiter bulkhead, long timeoutNanos,
            Predicate<? super Throwable> fallbackOn, Function<? super Throwable, ? extends T> fallback, Ticker ticker,
            Scheduler scheduler) {
        this.retry = retry;
        this.breaker = breaker;
        this.rateLimiter = rateLimiter;
        this.bulkhead = bulkhead;
        this.timeoutNanos = timeoutNanos;
        this.fallbackOn = fallbackOn;
        this.fallback = fallback;
        this.ticker = ticker;
        this.scheduler = scheduler;
    }

    /** Whether the fallback handles a failure: only exceptions, and only those its predicate accepts. */
    boolean fallsBack(Throwable failure) {
        return fallback != null && failure instanceof Exception && fallbackOn.test(failure);
    }

    /**
     * Asks the breaker for the attempt.
     *
     * @return the epoch to record the outcome in, 0 without a breaker
     * @throws CallNotPermittedException if the breaker refuses
     */
    long enterBreaker() {
        if (breaker == null) {
            return 0L;
        }
        long epoch = breaker.acquire();
        if (epoch == CircuitBreaker.DENIED) {
            throw breaker.notPermitted();
        }
        return epoch;
    }

    /**
     * Takes the rate permit and then the bulkhead slot, all or nothing: on a refusal the rate permit is refunded and
     * the breaker's permission given back (the call is not made, so it has no outcome to judge).
     *
     * @param epoch the breaker's epoch
     * @return the permits, null where there is no such layer
     * @throws ThrottledException if a limiter refuses
     */
    Permit[] takePermits(long epoch) {
        Permit rate = null;
        try {
            rate = take(rateLimiter);
            Permit slot = take(bulkhead);
            return new Permit[] {rate, slot};
        } catch (RuntimeException refused) {
            if (rate != null) {
                rate.giveBack();
            }
            if (breaker != null) {
                breaker.release(epoch);
            }
            throw refused;
        }
    }

    /** Starts timing the call for the breaker. */
    long breakerStart() {
        return breaker == null ? 0L : breaker.ticker().read();
    }

    /**
     * Ends an attempt that was made: reports its outcome (what it threw, or returned) to the breaker, then gives the
     * permits back (dropped on a timeout, so an adaptive limiter sees the overload). The permits come back even when
     * the breaker's classifier throws, which then reaches the caller.
     */
    void exit(long epoch, long start, Permit[] permits, Throwable failure, Object result) {
        Throwable cause = Failures.unwrap(failure);
        try {
            if (breaker != null) {
                long end = breaker.ticker().read();
                breaker.record(epoch, end - start, cause, result, end);
            }
        } finally {
            release(permits, cause);
        }
    }

    private static void release(Permit[] permits, Throwable cause) {
        for (int i = permits.length - 1; i >= 0; i--) {
            Permit permit = permits[i];
            if (permit == null) {
                continue;
            }
            if (cause instanceof TimeoutException) {
                permit.dropped();
            } else {
                permit.close();
            }
        }
    }

    TimeoutException timeout() {
        return new TimeoutException("the call did not complete within " + java.time.Duration.ofNanos(timeoutNanos));
    }

    private static Permit take(Limiter limiter) {
        if (limiter == null) {
            return null;
        }
        Permit permit = limiter.tryAcquire(1);
        if (!permit.granted()) {
            throw new ThrottledException(permit);
        }
        return permit;
    }
}
