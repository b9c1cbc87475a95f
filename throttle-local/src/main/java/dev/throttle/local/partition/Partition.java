package dev.throttle.local.partition;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.HeldPermit;
import dev.throttle.kernel.QueuedAcquisition;
import dev.throttle.kernel.RefusedPermit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * One partition of a {@link PartitionedLimiter}, usable wherever a {@link Limiter} is: its permits are counted in the
 * limiter's shared state and given back into it exactly once.
 *
 * <p>Its {@link #spec()} is a FIFO {@link Concurrency} whose limit is the partition's <em>ceiling</em>, the most it
 * can hold when the others are idle: the total limit under {@link Borrowing#IDLE}, the total limit less the other
 * partitions' guarantees under {@link Borrowing#RESERVED}. The same ceiling is its {@link #limit()};
 * {@link #guarantee()} is what it is owed (see {@link Borrowing} for what "owed" means in each policy). Both move
 * with {@link PartitionedLimiter#setLimit(long)}.
 *
 * <p>{@link #tryAcquire(long)} never jumps this partition's own queue. A request that would borrow is refused while
 * any other partition has waiters, so borrowing never overtakes someone queued. A request within the partition's
 * unused guarantee ignores the other partitions' waiters under {@link Borrowing#RESERVED} (it takes only what is
 * reserved for it); under {@link Borrowing#IDLE} it is refused while another partition's oldest waiter is within its
 * own guarantee (that waiter came first). A refusal's retry time is 1 ns ("when a permit is released"), or
 * {@link Permit#NEVER} for a waiter whose request the limit was lowered below.
 */
final class Partition implements Limiter, ConcurrencyStats, HeldPermit.Holder {

    private static final VarHandle QUEUED;

    static {
        try {
            QUEUED = MethodHandles.lookup().findVarHandle(Partition.class, "queued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final PartitionedLimiter owner;
    final int index;
    private final String partitionName;
    private final String name;
    private final double share;
    private final int maxQueue;
    private final ConcurrentSkipListSet<QueuedAcquisition<Partition>> queue =
            new ConcurrentSkipListSet<>(QueuedAcquisition.servingOrder(Concurrency.QueueOrder.FIFO));
    /** Undecided waiters: counted before entering the queue, uncounted by whoever decides them. */
    @SuppressWarnings("unused") // accessed through QUEUED
    private volatile int queued;

    Partition(PartitionedLimiter owner, int index, String partitionName, double share, int maxQueue) {
        this.owner = owner;
        this.index = index;
        this.partitionName = partitionName;
        this.name = owner.name() + "/" + partitionName;
        this.share = share;
        this.maxQueue = maxQueue;
    }

    /**
     * The limiter's name and the partition's, as {@code limiter/partition}; permits carry it.
     *
     * @return the name
     */
    @Override
    public String name() {
        return name;
    }

    /**
     * The partition's own name, as given to the builder.
     *
     * @return the name
     */
    public String partitionName() {
        return partitionName;
    }

    /**
     * The share of the total limit guaranteed to this partition.
     *
     * @return a number in {@code (0, 1]}
     */
    public double share() {
        return share;
    }

    /**
     * The permits owed to this partition, {@code floor(share × limit)} of the current total limit: always available
     * at once under {@link Borrowing#RESERVED}; under {@link Borrowing#IDLE}, first served from the permits borrowers
     * release. It may be 0 for a small share of a small limit; such a partition only borrows.
     *
     * @return zero or more
     */
    public long guarantee() {
        return owner.state().guarantees[index];
    }

    /**
     * A FIFO concurrency spec with the partition's current ceiling as its limit and its queue bound.
     *
     * @return the spec
     */
    @Override
    public Concurrency spec() {
        return new Concurrency(owner.state().ceiling(index), maxQueue, Concurrency.QueueOrder.FIFO);
    }

    /**
     * Takes permits if the partition may have them now and nobody of this partition waits; never waits.
     *
     * @param permits how many, from 1 up to the partition's ceiling
     * @return the decision
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, ceiling]}
     */
    @Override
    public Permit tryAcquire(long permits) {
        PartitionState current = owner.state();
        Arguments.requirePermits(permits, current.ceiling(index));
        if (queued == 0 && owner.tryReserve(this, permits, othersWaiting())) {
            return granted(permits);
        }
        return refused(permits, PartitionedLimiter.RETRY_WHEN_RELEASED);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return Acquisition.await(acquireAsync(permits, maxWait),
                () -> refused(permits, PartitionedLimiter.RETRY_WHEN_RELEASED));
    }

    /**
     * Asks for permits, queueing in this partition's FIFO queue if they cannot be had now; no thread is parked. The
     * future completes with a granted permit, or a refused one when the queue is full, {@code maxWait} is zero or
     * elapses, or the limit is lowered below the request. Cancelling it withdraws the request; a permit granted to a
     * future found cancelled is given back.
     *
     * @param permits how many, from 1 up to the partition's ceiling
     * @param maxWait how long to wait at most; zero means do not wait
     * @return a future decision; it never completes exceptionally except when cancelled
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, ceiling]} or {@code maxWait} is null,
     *     negative or longer than {@link dev.throttle.LimitSpec#MAX_DURATION}
     */
    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, owner.state().ceiling(index));
        if (queued == 0 && owner.tryReserve(this, permits, othersWaiting())) {
            return CompletableFuture.completedFuture(granted(permits));
        }
        if (maxWaitNanos == 0L || !enterQueue()) {
            return CompletableFuture.completedFuture(refused(permits, PartitionedLimiter.RETRY_WHEN_RELEASED));
        }
        return owner.enqueue(this, permits, maxWaitNanos);
    }

    /**
     * What this partition could be granted now, waiters aside: the free part of the total limit, and under
     * {@link Borrowing#RESERVED} no more than its unused guarantee plus the capacity nobody has reserved.
     *
     * @return zero or more
     */
    @Override
    public long availablePermits() {
        return owner.state().available(index);
    }

    /**
     * The partition's ceiling: the most it could hold now if the other partitions were idle (the total limit, less
     * their guarantees under {@link Borrowing#RESERVED}). See {@link #guarantee()} for what it is owed.
     *
     * @return one or more
     */
    @Override
    public long limit() {
        return owner.state().ceiling(index);
    }

    /**
     * Permits this partition holds now.
     *
     * @return zero or more
     */
    @Override
    public long inFlight() {
        return owner.state().inUse(index);
    }

    /**
     * Requests waiting in this partition's queue.
     *
     * @return zero up to its queue bound
     */
    @Override
    public int queueLength() {
        return queued;
    }

    void release(long permits) {
        owner.release(this, permits);
    }

    /** Whether another partition has waiters; a racy read, which only steers fairness, never the cap. */
    private boolean othersWaiting() {
        return owner.queueLength() > queued;
    }

    /** Counts a new waiter if the queue has room. */
    private boolean enterQueue() {
        for (;;) {
            int current = (int) QUEUED.getVolatile(this);
            if (current >= maxQueue) {
                return false;
            }
            if (QUEUED.compareAndSet(this, current, current + 1)) {
                owner.countWaiter(1);
                return true;
            }
        }
    }

    /** Takes a waiter that failed to be scheduled out of the count; it never entered the queue. */
    void uncount() {
        QUEUED.getAndAdd(this, -1);
        owner.countWaiter(-1);
    }

    void add(QueuedAcquisition<Partition> waiter) {
        queue.add(waiter);
    }

    void remove(QueuedAcquisition<Partition> waiter) {
        queue.remove(waiter);
    }

    /** Takes a decided waiter out of the count and the queue; only the thread that decided it calls this. */
    void leaveQueue(QueuedAcquisition<Partition> waiter) {
        uncount();
        queue.remove(waiter);
    }

    /** The oldest undecided waiter, or null; decided heads not yet removed are removed on the way. */
    QueuedAcquisition<Partition> head() {
        for (;;) {
            QueuedAcquisition<Partition> head;
            try {
                head = queue.isEmpty() ? null : queue.first();
            } catch (NoSuchElementException emptiedMeanwhile) {
                head = null;
            }
            if (head == null || head.fate() == QueuedAcquisition.WAITING) {
                return head;
            }
            queue.remove(head);
        }
    }

    Permit granted(long permits) {
        PartitionState current = owner.state();
        return new HeldPermit(name, permits, current.available(index), current.ceiling(index), this, 0L, 0L);
    }

    Permit refused(long permits, long retryAfterNanos) {
        PartitionState current = owner.state();
        return retryAfterNanos == PartitionedLimiter.RETRY_WHEN_RELEASED
                ? RefusedPermit.untilReleased(name, permits, current.available(index), current.ceiling(index))
                : RefusedPermit.of(name, permits, retryAfterNanos, current.available(index), current.ceiling(index));
    }

    /** A permit of this partition ended: its permits go back into the shared state. */
    @Override
    public void ended(HeldPermit permit, long held, boolean dropped) {
        if (held > 0L) {
            release(held);
        }
    }

    /** A permit settled below its grant gives the difference back now. */
    @Override
    public void shrunk(HeldPermit permit, long released) {
        release(released);
    }

    /**
     * The partition for logs: its name, its guarantee and ceiling, the permits it holds and its waiters, for example
     * {@code Limiter[api/premium: partition guaranteed 7 of concurrency 10, ceiling 10, queue 50; 7 in use, 1
     * waiting]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        PartitionState current = owner.state();
        return "Limiter[" + name + ": partition guaranteed " + current.guarantees[index] + " of concurrency "
                + current.limit + ", ceiling " + current.ceiling(index)
                + (maxQueue == 0 ? ", no queue" : ", queue " + maxQueue) + "; " + current.inUse(index) + " in use, "
                + queued + " waiting]";
    }
}
