package dev.throttle.redis;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * Times out calls that share one bound, with one timer for all of them instead of one per call: a timer per call
 * ({@link CompletableFuture#orTimeout}) takes a lock and a heap insertion and removal in the JDK's delay queue, a
 * measurable share of a decision's client-side cost. Calls are kept in the order they were sent, so their deadlines
 * are in order too; one timer waits for the oldest pending call's deadline, fails every call past its deadline with a
 * {@link TimeoutException} (as {@code orTimeout} would), and waits again for the next one. A call that completes
 * drops the finished calls at the head, so the queue holds about the calls in flight (replies on one connection come
 * in order); no timer is pending while nothing is.
 *
 * <p><b>A slow client is not a dead server.</b> Deadlines made with {@link #telling(long, long, LongSupplier)} (the
 * decisions') fail a call past its bound only when the server has shown no sign of life for a whole bound: no answer
 * to any call has arrived in that time, and the timer itself ran on time. A loaded client (its threads starved of CPU,
 * its replies read late) still receives answers, or runs the timer late, so its calls wait on, up to a hard bound (the
 * command timeout); a stopped server answers nothing, so a call sent to it fails within two bounds of its start (at
 * its own deadline, or one bound after the last answer).
 */
final class Deadlines {

    /**
     * How late the timer may run before its lateness counts as the client's load rather than the server's silence: a
     * timer late by more than this fraction of the bound extends the calls instead of failing them.
     */
    private static final int LATE_FRACTION = 5;

    /**
     * A call that can be timed out: the future and its deadline on {@link System#nanoTime()}. It also takes one
     * listener of its outcome ({@link #listen}) without the two objects and the dependent future that
     * {@link #whenComplete} makes per call, on the path every decision takes.
     */
    abstract static class Timed<T> extends CompletableFuture<T> {
        /** The listener's state once the call completed and the listener (if any) was handed its outcome. */
        private static final Object FIRED = new Object();
        private static final VarHandle LISTENER;

        static {
            try {
                LISTENER = MethodHandles.lookup().findVarHandle(Timed.class, "listener", Object.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private long sentAt;
        private long deadline;
        private Deadlines deadlines;
        /** Null, the listener waiting for the outcome, or {@link #FIRED}. */
        @SuppressWarnings("unused") // through LISTENER
        private volatile Object listener;

        /**
         * Hands {@code action} this call's outcome once it completes, on the completing thread (at once if it has),
         * as {@code whenComplete(action)} would: the value and null, or null and the failure. One listener per call;
         * a second one goes through {@code whenComplete}.
         *
         * @param action the listener
         */
        final void listen(BiConsumer<? super T, ? super Throwable> action) {
            if (LISTENER.compareAndSet(this, null, action)) {
                return; // the completion hands it the outcome
            }
            if (LISTENER.getVolatile(this) == FIRED) {
                deliver(action);
            } else {
                whenComplete(action);
            }
        }

        @Override
        public boolean complete(T value) {
            boolean completed = super.complete(value);
            fire();
            return completed;
        }

        @Override
        public boolean completeExceptionally(Throwable failure) {
            boolean completed = super.completeExceptionally(failure);
            fire();
            return completed;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            fire();
            return cancelled;
        }

        /** Called once this call is complete (by whichever completion came first): hands the listener its outcome. */
        @SuppressWarnings("unchecked")
        private void fire() {
            Object action = LISTENER.getAndSet(this, FIRED);
            if (action != null && action != FIRED) {
                deliver((BiConsumer<? super T, ? super Throwable>) action);
            }
        }

        /**
         * Hands a completed call's outcome to {@code action}: the failure as it was completed with. What the action
         * throws stays here, as with {@code whenComplete}: the completing thread (the connection's, answering a whole
         * batch) goes on to the next call; it is logged, being a bug.
         */
        private void deliver(BiConsumer<? super T, ? super Throwable> action) {
            T value = null;
            Throwable failure = null;
            try {
                value = join();
            } catch (CompletionException wrapped) {
                failure = wrapped.getCause() != null ? wrapped.getCause() : wrapped;
            } catch (CancellationException cancelled) {
                failure = cancelled;
            }
            try {
                action.accept(value, failure);
            } catch (RuntimeException | Error thrown) {
                RedisHealth.LOGGER.log(System.Logger.Level.WARNING, "a decision's answer could not be handled", thrown);
            }
        }

        /** Drops finished calls at the head of this call's queue: call when this call completes. */
        final void untrack() {
            Deadlines owner = deadlines;
            if (owner != null) {
                owner.prune();
            }
        }
    }

    private final long boundNanos;
    /** The longest any call waits, however alive the server; equal to the bound for plain deadlines. */
    private final long hardBoundNanos;
    /** When the latest answer to any call arrived ({@link System#nanoTime()}); null for plain deadlines. */
    private final LongSupplier lastAnswer;
    /** The deadline the pending timer was set for, to tell how late it ran. */
    private volatile long armedFor;
    private final Queue<Timed<?>> pending = new ConcurrentLinkedQueue<>();
    /** Whether a timer is pending (or being set): at most one at a time. */
    private final AtomicBoolean armed = new AtomicBoolean();

    /** Deadlines that fail every call at its bound. */
    Deadlines(long boundNanos) {
        this(boundNanos, boundNanos, null);
    }

    private Deadlines(long boundNanos, long hardBoundNanos, LongSupplier lastAnswer) {
        this.boundNanos = boundNanos;
        this.hardBoundNanos = Math.max(boundNanos, hardBoundNanos);
        this.lastAnswer = lastAnswer;
    }

    /**
     * Deadlines that tell a slow client from a dead server (see the class comment).
     *
     * @param boundNanos how long a call waits while the server is silent
     * @param hardBoundNanos how long a call waits at most
     * @param lastAnswer when the latest answer to any call on the connection arrived
     */
    static Deadlines telling(long boundNanos, long hardBoundNanos, LongSupplier lastAnswer) {
        return new Deadlines(boundNanos, hardBoundNanos, lastAnswer);
    }

    long boundNanos() {
        return boundNanos;
    }

    /** Fails {@code call} with a {@link TimeoutException} unless it completes within the bound from now. */
    void track(Timed<?> call) {
        track(call, System.nanoTime());
    }

    /**
     * Fails {@code call} with a {@link TimeoutException} unless it completes within the bound from {@code nowNanos}.
     *
     * @param call the call
     * @param nowNanos a reading of {@link System#nanoTime()} taken just before, which the caller had at hand
     */
    void track(Timed<?> call, long nowNanos) {
        call.sentAt = nowNanos;
        call.deadline = nowNanos + boundNanos;
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
                armedFor = head.deadline;
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

    /**
     * Whether a call past its bound waits on: under the hard bound, with an answer within the last bound (the server
     * is alive) or a timer that ran late (the client is loaded).
     */
    private boolean mayWait(Timed<?> call, long now, boolean clientLate) {
        return lastAnswer != null && now - call.sentAt < hardBoundNanos
                && (clientLate || now - lastAnswer.getAsLong() < boundNanos);
    }

    /** The timer: fails the calls past their deadline, then waits for the next one. */
    private void expire() {
        try {
            long now = System.nanoTime();
            boolean clientLate = now - armedFor > boundNanos / LATE_FRACTION;
            Timed<?> head;
            while ((head = pending.peek()) != null) {
                if (!head.isDone() && head.deadline - now > 0L) {
                    break;
                }
                if (!head.isDone() && mayWait(head, now, clientLate)) {
                    // Alive, or the client is too loaded to tell: look again once a silent bound would have passed.
                    // Calls behind this one wait with it, their answers being due after its own.
                    head.deadline = Math.min(head.sentAt + hardBoundNanos, lastAnswer.getAsLong() + boundNanos);
                    if (head.deadline - now <= 0L) {
                        head.deadline = now + boundNanos / LATE_FRACTION;
                    }
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
