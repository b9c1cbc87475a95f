package dev.throttle.local.resilience;

import dev.throttle.Scheduler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * One asynchronous call under a {@link Retry}: runs an attempt, and on a retryable outcome schedules the next one
 * on the scheduler; no thread waits. Attempts never overlap (the next is scheduled only when the previous has
 * completed), so the attempt counter is only ever written by one thread at a time; it is volatile because
 * successive attempts run on different threads.
 */
final class AsyncRetry<T> {

    private final Retry retry;
    private final Supplier<? extends CompletionStage<T>> task;
    private final Scheduler scheduler;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private volatile int attempt;
    private volatile Scheduler.Cancellable pending;
    /** A retry withdrawn from the budget and scheduled, not yet run nor given back: one of the two claims it. */
    private final AtomicBoolean retryScheduled = new AtomicBoolean();

    AsyncRetry(Retry retry, Supplier<? extends CompletionStage<T>> task, Scheduler scheduler) {
        this.retry = retry;
        this.task = task;
        this.scheduler = scheduler;
    }

    CompletableFuture<T> start() {
        // Cancelling (or completing) the caller's future stops a retry waiting on the scheduler, and gives back what
        // it took from the budget: a retry not made is not spent.
        result.whenComplete((value, failure) -> {
            Scheduler.Cancellable waiting = pending;
            if (waiting != null) {
                waiting.cancel();
            }
            if (retryScheduled.compareAndSet(true, false)) {
                retry.refund();
            }
        });
        attempt();
        return result;
    }

    /** A scheduled retry's run: the attempt, unless the caller's future completed while it waited. */
    private void retryNow() {
        if (retryScheduled.compareAndSet(true, false)) {
            attempt();
        }
    }

    private void attempt() {
        if (result.isDone()) {
            return;
        }
        attempt++;
        CompletionStage<T> stage;
        try {
            stage = task.get();
            if (stage == null) {
                throw new NullPointerException("the task supplied a null stage");
            }
        } catch (Throwable failure) {
            onOutcome(null, failure);
            return;
        }
        stage.whenComplete(this::onOutcome);
    }

    private void onOutcome(T value, Throwable failure) {
        if (result.isDone()) {
            return;
        }
        try {
            decide(value, failure);
        } catch (Throwable broken) {
            // A throwing retryOn or retryOnResult predicate, a failing budget or a scheduler that refuses the retry:
            // the sync call would throw it to its caller, so the future fails with it. Without this, the stage's
            // whenComplete would swallow it and the caller's future would never complete.
            result.completeExceptionally(broken);
        }
    }

    /** Completes the call with this attempt's outcome, or schedules the next attempt. */
    private void decide(T value, Throwable failure) {
        if (failure != null) {
            Throwable cause = Failures.unwrap(failure);
            long delay = retry.delayAfterFailure(attempt, cause);
            if (delay == Retry.GIVE_UP) {
                result.completeExceptionally(cause);
            } else {
                schedule(delay);
            }
        } else {
            long delay = retry.delayAfterResult(attempt, value);
            if (delay == Retry.GIVE_UP) {
                result.complete(value);
            } else {
                schedule(delay);
            }
        }
    }

    private void schedule(long delay) {
        // Always through the scheduler, even for no delay: a long run of retries never deepens the stack.
        retryScheduled.set(true);
        pending = scheduler.schedule(this::retryNow, delay);
        if (result.isDone()) {
            pending.cancel(); // completed (cancelled) before pending was set, so its hook could not cancel it
            if (retryScheduled.compareAndSet(true, false)) {
                retry.refund();
            }
        }
    }
}
