package dev.throttle.local.resilience;

import dev.throttle.Permit;
import java.util.concurrent.Callable;

/**
 * A decorated synchronous call: fallback, retry, circuit breaker, rate limiter, bulkhead, timeout, the call. See
 * {@link Decorators} for the order's reasons. Holds no per-call state, so it can be called by many threads.
 */
final class SyncChain<T> implements Callable<T> {

    private final Layers<T> layers;
    private final Callable<T> call;

    SyncChain(Layers<T> layers, Callable<T> call) {
        this.layers = layers;
        this.call = call;
    }

    @Override
    public T call() throws Exception {
        try {
            return layers.retry == null ? attempt() : layers.retry.call(this::attempt);
        } catch (Exception failure) {
            if (layers.fallsBack(failure)) {
                return layers.fallback.apply(failure);
            }
            throw failure;
        }
    }

    private T attempt() throws Exception {
        long epoch = layers.enterBreaker();
        Permit[] permits = layers.takePermits(epoch);
        long start = layers.breakerStart();
        Throwable failure = null;
        T result = null;
        try {
            result = timed();
            return result;
        } catch (Throwable e) {
            failure = e;
            throw e;
        } finally {
            layers.exit(epoch, start, permits, failure, result);
        }
    }

    /**
     * Runs the call on this thread. A synchronous timeout does not interrupt the call: it lets it finish, then
     * replaces a result that came at or after the deadline with a {@link java.util.concurrent.TimeoutException},
     * so the breaker counts it and the retry may try again.
     */
    private T timed() throws Exception {
        if (layers.timeoutNanos == Layers.NO_TIMEOUT) {
            return call.call();
        }
        long start = layers.ticker.read();
        T result = call.call();
        if (layers.ticker.read() - start >= layers.timeoutNanos) {
            throw layers.timeout();
        }
        return result;
    }
}
