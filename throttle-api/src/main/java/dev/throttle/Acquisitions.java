package dev.throttle;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Blocking on an asynchronous acquisition, the way {@link Limiter#acquire} promises it for every engine: the caller
 * parks on the future; an interrupt withdraws the request and sets the interrupt flag again.
 */
public final class Acquisitions {

    private Acquisitions() {
    }

    /**
     * Waits for a pending acquisition. If the thread is interrupted, the acquisition is cancelled (which gives back
     * anything it reserved), the interrupt flag is set again and {@code withdrawn}'s refusal is returned; if the grant
     * won the race with the cancel, the grant is returned. A failure of the acquisition (an engine's error) is thrown
     * unwrapped when it is unchecked.
     *
     * @param pending the acquisition
     * @param withdrawn makes the refusal returned after an interrupt
     * @return the decision
     */
    public static Permit await(CompletableFuture<Permit> pending, Supplier<Permit> withdrawn) {
        try {
            return pending.get();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            if (pending.cancel(false)) {
                return withdrawn.get();
            }
            return join(pending);
        } catch (ExecutionException failure) {
            throw unchecked(failure.getCause());
        } catch (CancellationException cancelled) {
            throw new IllegalStateException("the acquisition was cancelled by another party", cancelled);
        }
    }

    /**
     * Waits for a future without interruption, throwing its failure unwrapped when it is unchecked.
     *
     * @param future the future
     * @param <T> its value's type
     * @return its value
     */
    public static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException failure) {
            throw unchecked(failure.getCause());
        }
    }

    private static RuntimeException unchecked(Throwable cause) {
        if (cause instanceof CompletionException || cause instanceof ExecutionException) {
            return unchecked(cause.getCause());
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("the acquisition failed", cause);
    }
}
