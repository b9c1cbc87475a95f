package dev.throttle.kernel;

import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One request that may wait for its permits: the acquisition kernel every limiter of every engine waits with. It is
 * the future its caller holds, so a waiting request costs one object.
 *
 * <p>A limiter says how to make one decision ({@link #attempt()}); the decision ends in one outcome, now or later
 * (a Redis round trip):
 * <ul>
 *   <li>{@link #grant(Permit)}: the permits are the caller's;</li>
 *   <li>{@link #reserve(Permit, long)}: the permits are set aside for a slot that comes later (a bucket's), granted
 *   then;</li>
 *   <li>{@link #retry(Permit, long, long, boolean)}: refused, decided again when the refusal says a retry could
 *   succeed, while that falls before the deadline; else the refusal is the answer;</li>
 *   <li>{@link #follow(CompletableFuture, BiConsumer)}: another acquisition decides first (a part of a composite that
 *   cannot tell when it will grant, a key's limiter, a fallback limiter);</li>
 *   <li>{@link #refuse(Permit)} or {@link #fail(Throwable)}: the final answer.</li>
 * </ul>
 * Waiting never parks a thread: retries and reserved slots run on the {@link Scheduler}. Cancelling the future
 * withdraws the request: the pending retry is cancelled, a reserved slot and a followed acquisition are given back,
 * and a grant that arrives afterwards is withdrawn ({@link Permits#withdraw(Permit)}); a reservation is resolved
 * exactly once, granted or given back, by one atomic swap.
 *
 * <p>A request queued in a limiter (a bulkhead's waiter) is a {@link QueuedAcquisition}: the limiter decides it, the
 * kernel times it out and withdraws it.
 */
public abstract class Acquisition extends CompletableFuture<Permit> {

    private static final VarHandle RESERVED;
    private static final VarHandle TASK;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RESERVED = lookup.findVarHandle(Acquisition.class, "reserved", Permit.class);
            TASK = lookup.findVarHandle(Acquisition.class, "task", Scheduler.Cancellable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The permits asked for. */
    protected final long permits;
    /** The clock reading after which the request stops waiting. */
    protected final long deadline;
    /** The clock the deadline is read on. */
    protected final Ticker clock;
    private final Scheduler scheduler;
    /** The pending retry, reserved slot or timeout. */
    @SuppressWarnings("unused") // accessed through TASK
    private volatile Scheduler.Cancellable task;
    /** A grant set aside for a slot that has not come yet; swapped out once, by whoever resolves it. */
    @SuppressWarnings("unused") // accessed through RESERVED
    private volatile Permit reserved;
    /** Another acquisition this one waits on. */
    private volatile CompletableFuture<Permit> following;

    /**
     * A request for {@code permits} that waits at most until {@code deadline} on {@code clock}.
     *
     * @param permits the permits asked for
     * @param deadline the clock reading after which it stops waiting
     * @param clock the clock of the deadline and of the retry times
     * @param scheduler where retries, reserved slots and timeouts wait
     */
    protected Acquisition(long permits, long deadline, Ticker clock, Scheduler scheduler) {
        this.permits = permits;
        this.deadline = deadline;
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /**
     * The deadline of a request that waits up to {@code maxWaitNanos} from now, saturated rather than overflowing.
     *
     * @param clock the clock
     * @param maxWaitNanos the wait, 0 or more
     * @return the deadline
     */
    public static long deadlineAfter(Ticker clock, long maxWaitNanos) {
        return deadlineAfter(clock.read(), maxWaitNanos);
    }

    /**
     * The deadline of a request that waits up to {@code maxWaitNanos} from a reading already taken, saturated rather
     * than overflowing: for an engine that uses the same reading for its first decision.
     *
     * @param now a reading of the request's clock
     * @param maxWaitNanos the wait, 0 or more
     * @return the deadline
     */
    public static long deadlineAfter(long now, long maxWaitNanos) {
        long deadline = now + maxWaitNanos;
        return deadline - now < 0 ? Long.MAX_VALUE : deadline;
    }

    /**
     * Makes the first decision and returns this future.
     *
     * @return this acquisition
     */
    public final Acquisition start() {
        attemptNow();
        return this;
    }

    /**
     * Makes one decision and ends it in one outcome (possibly later, from another thread). Never called once the
     * acquisition is complete. An exception it throws fails the acquisition.
     */
    protected abstract void attempt();

    /**
     * Called when the caller withdraws the request (cancels the future), after the kernel cancelled what it waits on:
     * a queued request leaves its queue here. Default: nothing.
     */
    protected void onWithdraw() {
    }

    /**
     * The time left until the deadline at {@code now}.
     *
     * @param now a reading of the clock
     * @return nanoseconds, 0 or more
     */
    public final long left(long now) {
        return Math.max(0L, deadline - now);
    }

    private void attemptNow() {
        if (isDone()) {
            return;
        }
        try {
            attempt();
        } catch (RuntimeException | Error failure) {
            fail(failure);
        }
    }

    /**
     * Ends the request with a grant; if it was withdrawn meanwhile, the grant is withdrawn.
     *
     * @param granted the grant
     */
    public final void grant(Permit granted) {
        if (!super.complete(granted)) {
            Permits.withdraw(granted);
        }
    }

    /**
     * Sets a grant aside for a slot {@code delayNanos} from now, and grants it then; if the request is withdrawn
     * first, the grant is withdrawn instead.
     *
     * @param granted the grant, whose permits are already taken for the slot
     * @param delayNanos the time until the slot, 1 or more
     */
    public final void reserve(Permit granted, long delayNanos) {
        RESERVED.setVolatile(this, granted);
        schedule(this::deliverReserved, delayNanos);
        if (isDone()) {
            withdrawReservation(); // withdrawn before the reservation was visible to the withdrawal
        }
    }

    private void deliverReserved() {
        Permit granted = (Permit) RESERVED.getAndSet(this, null);
        if (granted != null) {
            grant(granted);
        }
    }

    private void withdrawReservation() {
        Permit granted = (Permit) RESERVED.getAndSet(this, null);
        if (granted != null) {
            Permits.withdraw(granted);
        }
    }

    /**
     * Whether a refusal should be decided again rather than answered: a known retry time ({@code exact}) is retried
     * if it falls before the deadline; a hint (a bulkhead's "when released") is retried while any time is left.
     *
     * @param retryAfterNanos the refusal's retry time, or {@link Permit#NEVER}
     * @param askedAt the clock reading the decision was asked at
     * @param exact whether the retry time is exact rather than a hint
     * @return true if a retry is worth scheduling
     */
    public final boolean canRetry(long retryAfterNanos, long askedAt, boolean exact) {
        long left = deadline - askedAt;
        return retryAfterNanos != Permit.NEVER && left > 0L && (!exact || retryAfterNanos <= left);
    }

    /**
     * Decides again after the refusal's retry time (a hint is capped at the deadline), or answers with the refusal
     * when it cannot come in time ({@link #canRetry}).
     *
     * @param refusal the refusal
     * @param retryAfterNanos its retry time, or {@link Permit#NEVER}
     * @param askedAt the clock reading the decision was asked at
     * @param exact whether the retry time is exact rather than a hint
     * @return true if a retry was scheduled, false if the refusal was the answer
     */
    public final boolean retry(Permit refusal, long retryAfterNanos, long askedAt, boolean exact) {
        if (!canRetry(retryAfterNanos, askedAt, exact)) {
            refuse(refusal);
            return false;
        }
        long at = askedAt + Math.min(retryAfterNanos, deadline - askedAt);
        schedule(this::attemptNow, Math.max(0L, at - clock.read()));
        return true;
    }

    /**
     * Decides again after {@code delayNanos}.
     *
     * @param delayNanos 0 or more
     */
    public final void retryIn(long delayNanos) {
        schedule(this::attemptNow, delayNanos);
    }

    /**
     * Decides again now, on the calling thread (a decision that found its limiter replaced).
     */
    public final void retryNow() {
        attemptNow();
    }

    /**
     * Ends the request with a refusal.
     *
     * @param refusal the refusal
     */
    public final void refuse(Permit refusal) {
        super.complete(refusal);
    }

    /**
     * Ends the request with a failure (an engine's error).
     *
     * @param failure the failure
     */
    public final void fail(Throwable failure) {
        completeExceptionally(failure);
    }

    /**
     * Waits on another acquisition, which cancelling this one cancels; {@code then} runs when it completes and ends
     * in an outcome of this acquisition, as {@link #attempt()} does. It runs even when this acquisition was withdrawn
     * meanwhile, so that it can undo what it set up for the other one: the outcome methods then withdraw a grant and
     * otherwise do nothing.
     *
     * @param other the acquisition to wait on
     * @param then what to do with its answer: its permit, or its failure (a {@link CancellationException} when it
     *     was cancelled)
     */
    public final void follow(CompletableFuture<Permit> other, BiConsumer<Permit, Throwable> then) {
        following = other;
        if (isDone()) {
            other.cancel(false); // withdrawn before the wait was visible to the withdrawal
        }
        other.whenComplete((permit, failure) -> {
            try {
                then.accept(permit, failure == null ? null : unwrap(failure));
            } catch (RuntimeException | Error error) {
                if (permit != null) {
                    Permits.withdraw(permit);
                }
                fail(error);
            }
        });
    }

    /**
     * Ends the request with a failure unless it is a cancellation (of an acquisition this one followed: this one was
     * withdrawn, or somebody else cancelled the other, which this one does not repeat).
     *
     * @param failure the failure
     */
    public final void failUnlessCancelled(Throwable failure) {
        if (!(failure instanceof CancellationException)) {
            fail(failure);
        }
    }

    /**
     * Runs {@code task} after {@code delayNanos} on the scheduler, replacing any pending task of this acquisition;
     * cancelled when the request is withdrawn.
     *
     * @param task what to run
     * @param delayNanos 0 or more
     */
    public final void schedule(Runnable task, long delayNanos) {
        TASK.setVolatile(this, scheduler.schedule(task, delayNanos));
        if (isCancelled()) {
            cancelTask(); // withdrawn before the task was visible to the withdrawal
        }
    }

    /** Cancels the pending task, if any. */
    public final void cancelTask() {
        Scheduler.Cancellable pending = (Scheduler.Cancellable) TASK.getVolatile(this);
        if (pending != null) {
            pending.cancel();
        }
    }

    /** Withdraws the request: everything it waits on is cancelled or given back. */
    private void withdraw() {
        cancelTask();
        withdrawReservation();
        CompletableFuture<Permit> other = following;
        if (other != null) {
            other.cancel(false);
        }
        onWithdraw();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Withdraws the request: see the class description.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            withdraw();
        }
        return cancelled;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The acquisition's own outcomes never come through here: a value completed by anyone else ends the request,
     * which is withdrawn as {@link #cancel(boolean)} does.
     */
    @Override
    public boolean complete(Permit value) {
        boolean completed = super.complete(value);
        if (completed) {
            withdraw();
        }
        return completed;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Withdraws the request, as {@link #cancel(boolean)} does: whoever ends it with a failure (a caller's
     * {@code orTimeout}, a {@link CancellationException}) no longer waits for its permits.
     */
    @Override
    public boolean completeExceptionally(Throwable failure) {
        boolean completed = super.completeExceptionally(failure);
        if (completed) {
            withdraw();
        }
        return completed;
    }

    /**
     * Waits for a pending acquisition, as {@link dev.throttle.Limiter#acquire} promises for every engine: the caller
     * parks on the future. If the thread is interrupted, the acquisition is cancelled (which gives back anything it
     * reserved), the interrupt flag is set again and {@code withdrawn}'s refusal is returned; if the grant won the
     * race with the cancel, the grant is returned. A failure of the acquisition (an engine's error) is thrown
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

    /**
     * The failure inside {@link CompletionException} and {@link ExecutionException} wrappers.
     *
     * @param failure a failure
     * @return its innermost cause that is not a wrapper
     */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static RuntimeException unchecked(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("the acquisition failed", cause);
    }
}
