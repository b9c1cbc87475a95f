package dev.throttle.local.partition;

import dev.throttle.Permit;
import dev.throttle.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;

/**
 * One request queued on a {@link Partition}. Its fate is decided once, by a single CAS out of {@link #WAITING}:
 * whoever wins it (a server granting it, the timeout, the cancellation) alone acts on it, so a waiter is never both
 * granted and withdrawn and its permits are never counted twice.
 */
final class PartitionWaiter {

    static final int WAITING = 0;
    static final int GRANTED = 1;
    static final int TIMED_OUT = 2;
    static final int CANCELLED = 3;
    /** The limit was lowered until the request exceeds what its partition could ever get. */
    static final int REFUSED = 4;

    /** Arrival order: FIFO within a partition, and "oldest first" across partitions. */
    static final Comparator<PartitionWaiter> ARRIVAL = (a, b) -> Long.compare(a.sequence, b.sequence);

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PartitionWaiter.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Partition partition;
    final long permits;
    /** Unique per limiter, from one counter shared by all partitions, so arrivals compare across partitions. */
    final long sequence;
    final CompletableFuture<Permit> future = new CompletableFuture<>();
    /** Set before the waiter is published in its queue. */
    volatile Scheduler.Cancellable timeout;
    /** Links the waiters one serving pass decided; touched only by the thread whose CAS decided this one. */
    PartitionWaiter nextDecided;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    PartitionWaiter(Partition partition, long permits, long sequence) {
        this.partition = partition;
        this.permits = permits;
        this.sequence = sequence;
    }

    int state() {
        return (int) STATE.getVolatile(this);
    }

    /** True for the one caller that moved this waiter out of {@link #WAITING}. */
    boolean decide(int outcome) {
        return STATE.compareAndSet(this, WAITING, outcome);
    }

    void cancelTimeout() {
        Scheduler.Cancellable task = timeout;
        if (task != null) {
            task.cancel();
        }
    }
}
