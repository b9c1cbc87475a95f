package dev.throttle.local.resilience;

import dev.throttle.Permit;
import dev.throttle.Scheduler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A decorated asynchronous call: fallback, retry, circuit breaker, rate limiter, bulkhead, timeout, the call. See
 * {@link Decorators} for the order's reasons. No thread waits: retries and timeouts are scheduled.
 */
final class AsyncChain<T> implements Supplier<CompletableFuture<T>> {

    private final Layers<T> layers;
    private final Supplier<? extends CompletionStage<T>> call;

    AsyncChain(Layers<T> layers, Supplier<? extends CompletionStage<T>> call) {
        this.layers = layers;
        this.call = call;
    }

    @Override
    public CompletableFuture<T> get() {
        CompletableFuture<T> outcome = layers.retry == null ? attempt() : layers.retry.callAsync(this::attempt);
        if (layers.fallback == null) {
            return outcome;
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        outcome.whenComplete((value, failure) -> {
            if (failure == null) {
                result.complete(value);
                return;
            }
            Throwable cause = Failures.unwrap(failure);
            try {
                // The predicate is the caller's code too: if it throws, the future fails with that, as the
                // synchronous chain would throw it, instead of never completing.
                if (layers.fallsBack(cause)) {
                    result.complete(layers.fallback.apply(cause));
                } else {
                    result.completeExceptionally(cause);
                }
            } catch (Throwable fallbackFailure) {
                result.completeExceptionally(fallbackFailure);
            }
        });
        // Cancelling the caller's future cancels the chain's, which stops the retries, as without a fallback.
        result.whenComplete((value, failure) -> outcome.cancel(false));
        return result;
    }

    private CompletableFuture<T> attempt() {
        long epoch;
        Permit[] permits;
        try {
            epoch = layers.enterBreaker();
            permits = layers.takePermits(epoch);
        } catch (RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        Attempt attempt = new Attempt(epoch, layers.breakerStart(), permits);
        boolean timed = layers.timeoutNanos != Layers.NO_TIMEOUT;
        // The deadline counts from the attempt's start, as in the synchronous chain: a supplier that works before
        // handing over its stage (builds a request, resolves a name) spends the attempt's time too.
        long start = timed ? layers.ticker.read() : 0L;
        CompletionStage<T> stage;
        try {
            stage = call.get();
            if (stage == null) {
                throw new NullPointerException("the call supplied a null stage");
            }
        } catch (Throwable failure) {
            attempt.finish(null, failure);
            return attempt.result;
        }
        if (timed) {
            long left = layers.timeoutNanos - (layers.ticker.read() - start);
            if (left <= 0L) {
                attempt.finish(null, layers.timeout()); // the supplier alone used the whole time
                return attempt.result;
            }
            attempt.timer = layers.scheduler.schedule(() -> attempt.finish(null, layers.timeout()), left);
        }
        stage.whenComplete(attempt::finish);
        return attempt.result;
    }

    /**
     * One attempt in flight: the first of its stage and its timer to finish it wins. The breaker and the permits are
     * settled before the attempt's future completes, so the retry's next attempt sees them settled.
     */
    private final class Attempt {
        final long epoch;
        final long start;
        final Permit[] permits;
        final CompletableFuture<T> result = new CompletableFuture<>();
        final AtomicBoolean finished = new AtomicBoolean();
        volatile Scheduler.Cancellable timer;

        Attempt(long epoch, long start, Permit[] permits) {
            this.epoch = epoch;
            this.start = start;
            this.permits = permits;
        }

        void finish(T value, Throwable failure) {
            if (!finished.compareAndSet(false, true)) {
                return; // the stage after its timeout, or the timeout after the stage
            }
            Scheduler.Cancellable pending = timer;
            if (pending != null) {
                pending.cancel();
            }
            try {
                layers.exit(epoch, start, permits, failure, value);
            } catch (Throwable classifierFailure) {
                // The permits are back (exit gives them back first); the breaker's classifier threw, and the
                // attempt fails with that, as the synchronous chain would throw it.
                result.completeExceptionally(classifierFailure);
                return;
            }
            if (failure != null) {
                result.completeExceptionally(Failures.unwrap(failure));
            } else {
                result.complete(value);
            }
        }
    }
}
