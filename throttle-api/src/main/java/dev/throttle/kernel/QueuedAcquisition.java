package dev.throttle.kernel;

import dev.throttle.Concurrency;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Comparator;
import java.util.function.Consumer;

/**
 * A request queued on a limiter that serves waiters as permits come back (a bulkhead, a partition): the limiter
 * decides it, the kernel times it out at its deadline and withdraws it when its caller cancels.
 *
 * <p>Its fate is decided once, by a single CAS out of {@link #WAITING}: whoever wins that CAS (the limiter granting
 * it, the timeout, the cancellation) alone acts on it, so a waiter is never both granted and withdrawn, and its
 * permits are never counted twice.
 *
 * @param <O> what it queues on, for the limiter to find it again (a partition)
 */
public final class QueuedAcquisition<O> extends Acquisition {

    /** Queued, undecided. */
    public static final int WAITING = 0;
    /** Its permits were taken for it; the future is being (or has been) completed with them. */
    public static final int GRANTED = 1;
    /** Its maximum wait elapsed first. */
    public static final int TIMED_OUT = 2;
    /** Its future was cancelled first. */
    public static final int CANCELLED = 3;
    /** The limit was lowered below what it could ever get: it can never be granted. */
    public static final int REFUSED = 4;

    private static final VarHandle FATE;

    static {
        try {
            FATE = MethodHandles.lookup().findVarHandle(QueuedAcquisition.class, "fate", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What the queue's limiter does when a waiter times out or is withdrawn; it decides the fate by CAS. */
    public interface Queue<O> {

        /**
         * The waiter's deadline passed.
         *
         * @param waiter the waiter
         */
        void timedOut(QueuedAcquisition<O> waiter);

        /**
         * The waiter's caller cancelled its future.
         *
         * @param waiter the waiter
         */
        void withdrawn(QueuedAcquisition<O> waiter);
    }

    private final Queue<O> queue;
    private final O owner;
    private final int priority;
    private final long sequence;
    /**
     * Links the waiters one serving pass decided, to complete them after it: written and read only by the thread
     * whose CAS decided this waiter, so it needs no synchronisation and the chain allocates nothing.
     */
    private QueuedAcquisition<O> nextDecided;
    @SuppressWarnings("unused") // accessed through FATE
    private volatile int fate;

    /**
     * A new undecided waiter; {@link #armTimeout(long)} before it is published in a queue.
     *
     * @param queue told of its timeout and withdrawal
     * @param owner what it queues on
     * @param permits the permits it asks for
     * @param priority its priority, for a priority queue (higher first)
     * @param sequence its arrival order, unique per queue (or per set of queues served together): it breaks ties so
     *     no two waiters compare equal
     * @param clock the clock of the deadline
     * @param scheduler where the timeout waits
     */
    public QueuedAcquisition(Queue<O> queue, O owner, long permits, int priority, long sequence, Ticker clock,
            Scheduler scheduler) {
        super(permits, Long.MAX_VALUE, clock, scheduler);
        this.queue = queue;
        this.owner = owner;
        this.priority = priority;
        this.sequence = sequence;
    }

    /** A queued waiter is decided by its limiter, never by attempts of its own. */
    @Override
    protected void attempt() {
        // The limiter serves the queue.
    }

    /**
     * Times the waiter out after {@code maxWaitNanos}; set before it is published in a queue.
     *
     * @param maxWaitNanos its maximum wait, 1 or more
     */
    public void armTimeout(long maxWaitNanos) {
        schedule(() -> queue.timedOut(this), maxWaitNanos);
    }

    @Override
    protected void onWithdraw() {
        queue.withdrawn(this);
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
     * Its fate so far.
     *
     * @return {@link #WAITING} or the outcome that decided it
     */
    public int fate() {
        return (int) FATE.getVolatile(this);
    }

    /**
     * Decides this waiter's fate.
     *
     * @param outcome {@link #GRANTED}, {@link #TIMED_OUT}, {@link #CANCELLED} or {@link #REFUSED}
     * @return true for the one caller that moved it out of {@link #WAITING}
     */
    public boolean decide(int outcome) {
        return FATE.compareAndSet(this, WAITING, outcome);
    }

    /**
     * Chains the next waiter the same serving pass decided; only the thread that decided this one calls it.
     *
     * @param next the waiter decided after this one
     */
    public void chain(QueuedAcquisition<O> next) {
        this.nextDecided = next;
    }

    /**
     * Acts on each waiter of a pass's chain, in order, unlinking each first (so the chain keeps nothing alive); only
     * the thread that decided them calls this.
     *
     * @param first the first waiter of the chain, or null for an empty pass
     * @param action what to do with each
     * @param <O> what the waiters queue on
     */
    public static <O> void forEachDecided(QueuedAcquisition<O> first, Consumer<QueuedAcquisition<O>> action) {
        QueuedAcquisition<O> waiter = first;
        while (waiter != null) {
            QueuedAcquisition<O> next = waiter.nextDecided;
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
    public static <O> Comparator<QueuedAcquisition<O>> servingOrder(Concurrency.QueueOrder order) {
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
