package dev.throttle.local;

import dev.throttle.Concurrency;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;

/**
 * One request queued on a {@link ConcurrencyLimiter}. Its fate is decided once, by a single CAS out of
 * {@link #WAITING}: whoever wins that CAS (the releaser granting it, the timeout, the cancellation) alone acts on it,
 * so a waiter is never both granted and withdrawn, and its permits are never counted twice.
 */
final class ConcurrencyWaiter {

    /** Queued, undecided. */
    static final int WAITING = 0;
    /** Its permits were taken for it; the future is being (or has been) completed with them. */
    static final int GRANTED = 1;
    /** Its maximum wait elapsed first. */
    static final int TIMED_OUT = 2;
    /** Its future was cancelled (or completed by someone else) first. */
    static final int CANCELLED = 3;
    /** The limit was lowered below its request: it can never be granted. */
    static final int REFUSED = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ConcurrencyWaiter.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long permits;
    final int priority;
    /** Arrival order, unique per limiter: it breaks ties so no two waiters compare equal. */
    final long sequence;
    final CompletableFuture<Permit> future = new CompletableFuture<>();
    /** The timeout task; set before the waiter is published in the queue. */
    volatile Scheduler.Cancellable timeout;
    /**
     * Links the waiters one drain resolved, to complete them after it: written and read only by the thread whose
     * CAS decided this waiter, so it needs no synchronisation and the chain allocates nothing.
     */
    ConcurrencyWaiter nextResolved;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    ConcurrencyWaiter(long permits, int priority, long sequence) {
        this.permits = permits;
        this.priority = priority;
        this.sequence = sequence;
    }

    int state() {
        return (int) STATE.getVolatile(this);
    }

    /** Decides this waiter's fate; true for the one caller that moved it out of {@link #WAITING}. */
    boolean decide(int outcome) {
        return STATE.compareAndSet(this, WAITING, outcome);
    }

    void cancelTimeout() {
        Scheduler.Cancellable task = timeout;
        if (task != null) {
            task.cancel();
        }
    }

    /**
     * The order in which waiters are served: the first in this order is served first.
     *
     * @param order the spec's queue order
     * @return a total order (ties broken by arrival)
     */
    static Comparator<ConcurrencyWaiter> servingOrder(Concurrency.QueueOrder order) {
        switch (order) {
            case LIFO:
                return (a, b) -> Long.compare(b.sequence, a.sequence);
            case PRIORITY:
                return (a, b) -> {
                    int byPriority = Integer.compare(b.priority, a.priority);
                    return byPriority != 0 ? byPriority : Long.compare(a.sequence, b.sequence);
                };
            case FIFO:
            default:
                return (a, b) -> Long.compare(a.sequence, b.sequence);
        }
    }
}
