package dev.throttle.redis;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Times out calls that share one bound, with one timer for all of them instead of one per call: a timer per call
 * ({@link CompletableFuture#orTimeout}) takes a lock and a heap insertion and removal in the JDK's delay queue, a
 * measurable share of a decision's client-side cost. Calls are kept in the order they were sent, so their deadlines
 * are in order too; one timer waits for the oldest pending call's deadline, fails every call past its deadline with a
 * {@link TimeoutException} (as {@code orTimeout} would), and waits again for the next one. A call that completes
 * drops the finished calls at the head, so the queue holds about the calls in flight (replies on one connection come
 * in order); no timer is pending while nothing is.
 */
final class Deadlines {

    /** A call that can be timed out: the future and its deadline on {@link System#nanoTime()}. */
    abstract static class Timed<T> extends CompletableFuture<T> {
        private long deadline;
        private Deadlines deadlines;

        /** Drops finished calls at the head of this call's queue: call when this call completes. */
        final void untrack() {
            Deadlines owner = deadlines;
            if (owner != null) {
                owner.prune();
            }
        }
    }

    private final long boundNanos;
    private final Queue<Timed<?>> pending = new ConcurrentLinkedQueue<>();
    /** Whether a timer is pending (or being set): at most one at a time. */
    private final AtomicBoolean armed = new AtomicBoolean();

    Deadlines(long boundNanos) {
        this.boundNanos = boundNanos;
    }

    long boundNanos() {
        return boundNanos;
    }

    /** Fails {@code call} with a {@link TimeoutException} unless it completes within the bound from now. */
    void track(Timed<?> call) {
        call.deadline = System.nanoTime() + boundNanos;
        call.deadlines = this;
        pending.offer(call);
        if (call.isDone()) {
            prune(); // it completed before it was queued
        }
        if (!armed.get() && armed.compareAndSet(false, true)) {
            arm();
        }
    }

    private void prune() {
        Timed<?> head;
        while ((head = pending.peek()) != null && head.isDone()) {
            pending.remove(head);
        }
    }

    /** Sets the timer for the oldest pending call, or disarms when there is none; called while armed. */
    private void arm() {
        while (true) {
            Timed<?> head = pending.peek();
            if (head != null) {
                long delay = Math.max(0L, head.deadline - System.nanoTime());
                Executor timer = CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS, Runnable::run);
                timer.execute(this::expire);
                return;
            }
            armed.set(false);
            // A call queued after the peek saw the flag still set: arm for it.
            if (pending.isEmpty() || !armed.compareAndSet(false, true)) {
                return;
            }
        }
    }

    /** The timer: fails the calls past their deadline, then waits for the next one. */
    private void expire() {
        try {
            long now = System.nanoTime();
            Timed<?> head;
            while ((head = pending.peek()) != null) {
                if (!head.isDone() && head.deadline - now > 0L) {
                    break;
                }
                pending.remove(head);
                head.completeExceptionally(new TimeoutException());
            }
        } finally {
            arm();
        }
    }
}
