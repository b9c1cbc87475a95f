package dev.throttle.local;

import dev.throttle.Concurrency;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Comparator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One request queued on one of the engine's bulkheads (a {@link ConcurrencyLimiter}, a partition). Not for
 * applications: it is public only so that the engine's subpackages can queue on it.
 *
 * <p>Its fate is decided once, by a single CAS out of {@link #WAITING}: whoever wins that CAS (the server granting
 * it, the timeout, the cancellation) alone acts on it, so a waiter is never both granted and withdrawn, and its
 * permits are never counted twice.
 *
 * @param <O> what it queues on, for the server to find again
 */
public final class Waiter<O> {

    /** Queued, undecided. */
    public static final int WAITING = 0;
    /** Its permits were taken for it; the future is being (or has been) completed with them. */
    public static final int GRANTED = 1;
    /** Its maximum wait elapsed first. */
    public static final int TIMED_OUT = 2;
    /** Its future was cancelled (or completed by someone else) first. */
    public static final int CANCELLED = 3;
    /** The limit was lowered below what it could ever get: it can never be granted. */
    public static final int REFUSED = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final O owner;
    private final long permits;
    private final int priority;
    private final long sequence;
    private final CompletableFuture<Permit> future = new CompletableFuture<>();
    /** The timeout task; set before the waiter is published in a queue. */
    private volatile Scheduler.Cancellable timeout;
    /**
     * Links the waiters one serving pass decided, to complete them after it: written and read only by the thread
     * whose CAS decided this waiter, so it needs no synchronisation and the chain allocates nothing.
     */
    private Waiter<O> nextDecided;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    /**
     * A new undecided waiter.
     *
     * @param owner what it queues on
     * @param permits the permits it asks for
     * @param priority its priority, for a priority queue (higher first)
     * @param sequence its arrival order, unique per queue (or per set of queues served together): it breaks ties so
     *     no two waiters compare equal
     */
    public Waiter(O owner, long permits, int priority, long sequence) {
        this.owner = Objects.requireNonNull(owner, "owner");
        this.permits = permits;
        this.priority = priority;
        this.sequence = sequence;
    }

    /**
     * What it queues on.
     *
     * @return the owner given at creation
     */
    public O owner() {
        return owner;
    }

    /**
     * The permits it asks for.
     *
     * @return 1 or more
     */
    public long permits() {
        return permits;
    }

    /**
     * Its arrival order.
     *
     * @return the sequence given at creation
     */
    public long sequence() {
        return sequence;
    }

    /**
     * The future its caller holds: completed with a grant or a refusal by whoever decided it.
     *
     * @return the future
     */
    public CompletableFuture<Permit> future() {
        return future;
    }

    /**
     * Keeps its timeout task, to cancel once it is decided; set before the waiter is published in a queue.
     *
     * @param task the scheduled timeout
     */
    public void timeout(Scheduler.Cancellable task) {
        this.timeout = task;
    }

    /** Cancels its timeout task, if one was set. */
    public void cancelTimeout() {
        Scheduler.Cancellable task = timeout;
        if (task != null) {
            task.cancel();
        }
    }

    /**
     * Its fate so far.
     *
     * @return {@link #WAITING} or the outcome that decided it
     */
    public int state() {
        return (int) STATE.getVolatile(this);
    }

    /**
     * Decides this waiter's fate.
     *
     * @param outcome {@link #GRANTED}, {@link #TIMED_OUT}, {@link #CANCELLED} or {@link #REFUSED}
     * @return true for the one caller that moved it out of {@link #WAITING}
     */
    public boolean decide(int outcome) {
        return STATE.compareAndSet(this, WAITING, outcome);
    }

    /**
     * Chains the next waiter the same serving pass decided; only the thread that decided this one calls it.
     *
     * @param next the waiter decided after this one
     */
    public void chain(Waiter<O> next) {
        this.nextDecided = next;
    }

    /**
     * Acts on each waiter of a pass's chain, in order, unlinking each first (so the action may queue it nowhere
     * else and the chain keeps nothing alive); only the thread that decided them calls this.
     *
     * @param first the first waiter of the chain, or null for an empty pass
     * @param action what to do with each
     * @param <O> what the waiters queue on
     */
    public static <O> void forEachDecided(Waiter<O> first, Consumer<Waiter<O>> action) {
        Waiter<O> waiter = first;
        while (waiter != null) {
            Waiter<O> next = waiter.nextDecided;
            waiter.nextDecided = null;
            action.accept(waiter);
            waiter = next;
        }
    }

    /**
     * The order in which waiters are served: the first in this order is served first.
     *
     * @param order the queue order
     * @param <O> what the waiters queue on
     * @return a total order (ties broken by arrival)
     */
    public static <O> Comparator<Waiter<O>> servingOrder(Concurrency.QueueOrder order) {
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
