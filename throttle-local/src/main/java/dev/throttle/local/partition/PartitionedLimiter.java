package dev.throttle.local.partition;

import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.QueuedAcquisition;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A concurrency limit of {@code L} permits held at once, split into named partitions with guaranteed shares, each
 * usable as a {@link Limiter} ({@link #partition(String)}):
 *
 * <pre>{@code
 * PartitionedLimiter limiter = PartitionedLimiter.builder("api", 100)
 *         .partition("premium", 0.7, 50)   // first call on 70 permits
 *         .partition("standard", 0.3, 50)  // first call on 30 permits
 *         .build();                        // either may borrow what the other leaves idle
 * try (Permit permit = limiter.partition("premium").tryAcquire(1)) { ... }
 * }</pre>
 *
 * <h2>Guarantees and borrowing</h2>
 * Partition {@code p} with share {@code s_p} is guaranteed {@code g_p = floor(s_p × L)} permits (shares in
 * {@code (0, 1]}, summing to at most 1, read as exact decimals), so {@code Σ g ≤ L}. With {@code inUse_p} the permits
 * {@code p} holds, a request of {@code p} for {@code n} permits <em>borrows</em> if it takes {@code p} beyond
 * {@code g_p}. Whatever the policy, a grant keeps the global cap {@code Σ_q inUse_q + n ≤ L}, and nothing held is
 * ever taken back. What a guarantee means depends on the {@link Borrowing} policy chosen in the builder:
 * <ul>
 *   <li>{@link Borrowing#IDLE} (the default): any idle capacity may be borrowed; the only admission rule is the
 *       global cap. The guarantee is honoured by the queue: while {@code p} holds less than {@code g_p}, its
 *       waiters are served the next released permits before any request that borrows, and no request that would
 *       borrow is granted past them. So {@code p} reaches its guarantee within the time the borrowers take to
 *       release permits (never by exceeding {@code L}: a {@code tryAcquire} of {@code p} while borrowers hold all of
 *       {@code L} is refused, to be retried when a permit is released, or waits at the head of the line). Unlike
 *       Netflix concurrency-limits' partitioned limiter, which admits a partition under its share even when the
 *       global limit is reached (so the total can exceed the limit), a guarantee here never breaks the cap. A
 *       partition's ceiling, the most one request may ask, is {@code L}.</li>
 *   <li>{@link Borrowing#RESERVED}: unused guarantees are reserved; a borrowing grant must also leave
 *       {@code Σ_q max(inUse_q, g_q) ≤ L}: it borrows only capacity that is neither held nor reserved for another
 *       partition's unused guarantee. Hence, while {@code L} is not lowered below what is held, a request that keeps
 *       {@code p} within {@code g_p} is always granted at once (unless {@code p}'s own queue is not empty). The price
 *       is idle capacity: shares summing to 1 reserve all of {@code L} and make isolated bulkheads that never borrow.
 *       A partition's ceiling is {@code L − Σ_{q≠p} g_q}.</li>
 * </ul>
 *
 * <h2>Atomicity</h2>
 * All counts and the limit live in one immutable {@link PartitionState} behind one reference; a decision reads a
 * snapshot, checks the rules on it and publishes the next snapshot by a single CAS. The global cap is therefore
 * never judged apart from the partition's count (as it is in designs that check the partition and then the total
 * in two steps, where two racing requests can both pass and exceed {@code L}). It costs one small allocation per
 * decision, proportional to the number of partitions.
 *
 * <h2>Live limit</h2>
 * {@link #setLimit(long)} changes {@code L} (for an adaptive algorithm): the guarantees are recomputed from the
 * shares, nothing held is taken back; permits above a lowered limit drain as they are closed, and waiters served as
 * a raised one allows.
 *
 * <h2>Waiting</h2>
 * Each partition has its own bounded FIFO queue; timeouts run on the {@link Scheduler}; cancelling a waiter's future
 * withdraws it. Whenever permits are released (or the limit raised, or a waiter withdrawn) waiters are served in
 * this order: first the oldest head, across partitions, whose request keeps its partition within its guarantee;
 * then the oldest head of all. Serving stops at the first chosen head that cannot be granted, so a large request is
 * not starved by smaller ones behind it (a partition's head blocks its own queue, and the oldest borrower blocks the
 * other borrowers). A request that does not wait ({@code tryAcquire}, or the first attempt of an {@code acquire})
 * takes the place it would have in that order: it never passes its own partition's waiters; while another partition
 * has waiters it is refused if it would borrow, and under {@link Borrowing#IDLE} also if another partition's head
 * is within its guarantee. A waiter whose request comes to exceed its partition's ceiling (after a lowered limit) is
 * refused with {@link Permit#NEVER}.
 *
 * <p>Everything is lock-free. The whole limiter's {@link ConcurrencyStats} are the total: {@code L}, the permits held
 * by all partitions and all waiters.
 */
public final class PartitionedLimiter implements ConcurrencyStats {

    /** The retry time of a refusal: unknown, as soon as a permit is released. */
    static final long RETRY_WHEN_RELEASED = 1L;

    private static final VarHandle STATE;
    private static final VarHandle WAITING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(PartitionedLimiter.class, "state", PartitionState.class);
            WAITING = lookup.findVarHandle(PartitionedLimiter.class, "waiting", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Borrowing borrowing;
    private final Scheduler scheduler;
    private final BigDecimal[] shares;
    private final Partition[] partitions;
    private final Map<String, Partition> byName;
    private final AtomicLong arrivals = new AtomicLong();
    /** Completes one decided waiter; kept in a field so that completing a pass allocates nothing. */
    private final Consumer<QueuedAcquisition<Partition>> completer = this::completeOne;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile PartitionState state;
    /** Undecided waiters of all partitions. */
    @SuppressWarnings("unused") // accessed through WAITING
    private volatile int waiting;

    private PartitionedLimiter(Builder builder) {
        this.name = builder.name;
        this.borrowing = builder.borrowing;
        this.scheduler = builder.scheduler;
        int count = builder.names.size();
        this.shares = new BigDecimal[count];
        this.partitions = new Partition[count];
        Map<String, Partition> map = new LinkedHashMap<>();
        for (int p = 0; p < count; p++) {
            shares[p] = builder.shares.get(p);
            partitions[p] = new Partition(this, p, builder.names.get(p), shares[p].doubleValue(),
                    builder.maxQueues.get(p));
            map.put(partitions[p].partitionName(), partitions[p]);
        }
        this.byName = Collections.unmodifiableMap(map);
        this.state = PartitionState.idle(builder.limit, borrowing, Shares.guarantees(shares, builder.limit));
    }

    /**
     * Starts a partitioned limiter.
     *
     * @param name the limiter's name; partitions are named {@code name/partition}
     * @param limit the total limit {@code L}, from 1 to {@link Integer#MAX_VALUE}, and at least the number of
     *     partitions (checked by {@link Builder#build()})
     * @return a builder
     * @throws IllegalArgumentException if the name is null or empty or the limit out of range
     */
    public static Builder builder(String name, long limit) {
        return new Builder(name, limit);
    }

    /**
     * The limiter's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The borrowing policy chosen in the builder.
     *
     * @return the policy
     */
    public Borrowing borrowing() {
        return borrowing;
    }

    /**
     * The partition of a given name: a {@link Limiter} sharing this limiter's state, and a {@link ConcurrencyStats}
     * of the partition (its ceiling, what it holds, its waiters) for gauges.
     *
     * @param partitionName a name given to the builder
     * @return the partition, the same object at every call
     * @throws IllegalArgumentException if no partition has that name
     */
    public Limiter partition(String partitionName) {
        return part(partitionName);
    }

    /**
     * The permits owed to a partition now: {@code floor(share × limit)} of the current total limit (it moves with
     * {@link #setLimit(long)}). Under {@link Borrowing#RESERVED} they are always available to it at once; under
     * {@link Borrowing#IDLE}, it is served first from what borrowers release. A small share of a small limit may be
     * owed 0 and only borrows.
     *
     * @param partitionName a name given to the builder
     * @return zero or more
     * @throws IllegalArgumentException if no partition has that name
     */
    public long guarantee(String partitionName) {
        return part(partitionName).guarantee();
    }

    /** The partition of a given name, with its share and guarantee. */
    Partition part(String partitionName) {
        Arguments.requireNonNull("partitionName", partitionName);
        Partition partition = byName.get(partitionName);
        if (partition == null) {
            throw new IllegalArgumentException("partitionName = " + partitionName + " is unknown; allowed values are "
                    + byName.keySet());
        }
        return partition;
    }

    /**
     * The partitions, in the order they were built; each is a {@link Limiter} and a {@link ConcurrencyStats}.
     *
     * @return an unmodifiable list
     */
    public List<Limiter> partitions() {
        return List.of(partitions);
    }

    /** The partitions, with their shares and guarantees. */
    List<Partition> parts() {
        return List.of(partitions);
    }

    /**
     * The total limit {@code L}.
     *
     * @return one or more
     */
    @Override
    public long limit() {
        return state.limit;
    }

    /**
     * Permits held by all partitions.
     *
     * @return zero or more; above {@link #limit()} only while a lowered limit drains
     */
    @Override
    public long inFlight() {
        return state.total;
    }

    /**
     * Requests waiting in all partitions' queues.
     *
     * @return zero or more
     */
    @Override
    public int queueLength() {
        return waiting;
    }

    /**
     * Changes the total limit live. Guarantees are recomputed from the shares; nothing held is taken back (permits
     * above a lowered limit drain as they are closed, and no new permit is granted until the total is below it);
     * a raised limit serves waiters at once.
     *
     * @param limit the new {@code L}, from the number of partitions to {@link Integer#MAX_VALUE}
     * @throws IllegalArgumentException if the limit is out of range
     */
    public void setLimit(long limit) {
        Arguments.requireInRange("limit", limit, partitions.length, Integer.MAX_VALUE);
        long[] guarantees = Shares.guarantees(shares, limit);
        for (;;) {
            PartitionState current = state;
            if (STATE.compareAndSet(this, current, current.withLimit(limit, guarantees))) {
                break;
            }
        }
        serveWaiters();
    }

    /** The current snapshot of every count. */
    PartitionState state() {
        return state;
    }

    /**
     * Takes permits for a partition by CAS if the rules allow it on one snapshot. With {@code othersWaiting}, a grant
     * that would borrow is refused (borrowing never passes another partition's waiter), and under
     * {@link Borrowing#IDLE} so is one within the guarantee if another partition's head is within its own (that head
     * is older, and both are owed their guarantee: first come, first served). The waiters are read racily: they steer
     * fairness, never the cap.
     */
    boolean tryReserve(Partition partition, long permits, boolean othersWaiting) {
        int p = partition.index;
        for (;;) {
            PartitionState current = state;
            if (permits > current.available(p)) {
                return false;
            }
            if (othersWaiting && (current.borrows(p, permits)
                    || (!current.reserved && anotherHeadWithinGuarantee(partition, current)))) {
                return false;
            }
            if (STATE.compareAndSet(this, current, current.take(p, permits))) {
                return true;
            }
        }
    }

    private boolean anotherHeadWithinGuarantee(Partition partition, PartitionState current) {
        for (Partition other : partitions) {
            if (other != partition) {
                QueuedAcquisition<Partition> head = other.head();
                if (head != null && !current.borrows(other.index, head.permits())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Gives permits back and serves the waiters they may let through. Called once per permit given back. */
    void release(Partition partition, long permits) {
        giveBack(partition, permits);
        if (waiting > 0) {
            serveWaiters();
        }
    }

    void countWaiter(int delta) {
        WAITING.getAndAdd(this, delta);
    }

    /** Queues a waiter already counted in its partition's queue bound, and serves in case permits were freed. */
    CompletableFuture<Permit> enqueue(Partition partition, long permits, long maxWaitNanos) {
        QueuedAcquisition<Partition> waiter = new QueuedAcquisition<>(queue, partition, permits, 0,
                arrivals.getAndIncrement(), Ticker.system(), scheduler);
        try {
            waiter.armTimeout(maxWaitNanos);
        } catch (RuntimeException | Error rejected) {
            if (waiter.decide(QueuedAcquisition.CANCELLED)) {
                partition.uncount();
            }
            throw rejected;
        }
        partition.add(waiter);
        if (waiter.fate() != QueuedAcquisition.WAITING) {
            partition.remove(waiter); // decided (timed out, withdrawn) before it was queued
        }
        // Permits may have been released between the refused attempt and the queueing, with nobody yet to serve.
        serveWaiters();
        return waiter;
    }

    private void giveBack(Partition partition, long permits) {
        int p = partition.index;
        for (;;) {
            PartitionState current = state;
            if (STATE.compareAndSet(this, current, current.give(p, permits))) {
                return;
            }
        }
    }

    /**
     * Serves waiters in the documented order while the chosen head can be granted. Every change that could let a
     * waiter through (a release, a new waiter, a withdrawn one, a raised limit) is followed by a call, which reads
     * the state after that change, so no waiter is left behind free permits. Concurrent calls race only through
     * CASes; a call that takes permits for a head it then fails to decide gives them back and goes on.
     */
    private void serveWaiters() {
        QueuedAcquisition<Partition> first = null;
        QueuedAcquisition<Partition> last = null;
        for (;;) {
            PartitionState current = state;
            QueuedAcquisition<Partition> chosen = null;
            boolean chosenWithin = false;
            QueuedAcquisition<Partition> refused = null;
            for (Partition partition : partitions) {
                QueuedAcquisition<Partition> head = partition.head();
                if (head == null) {
                    continue;
                }
                if (head.permits() > current.ceiling(partition.index)) {
                    refused = head;
                    break;
                }
                boolean within = !current.borrows(partition.index, head.permits());
                if (chosen == null || (within && !chosenWithin)
                        || (within == chosenWithin && head.sequence() < chosen.sequence())) {
                    chosen = head;
                    chosenWithin = within;
                }
            }
            int outcome;
            if (refused != null) {
                chosen = refused;
                outcome = QueuedAcquisition.REFUSED;
            } else if (chosen == null) {
                break;
            } else if (tryReserve(chosen.owner(), chosen.permits(), false)) {
                outcome = QueuedAcquisition.GRANTED;
            } else {
                break;
            }
            if (chosen.decide(outcome)) {
                chosen.owner().leaveQueue(chosen);
                if (last == null) {
                    first = chosen;
                } else {
                    last.chain(chosen);
                }
                last = chosen;
            } else if (outcome == QueuedAcquisition.GRANTED) {
                giveBack(chosen.owner(), chosen.permits()); // it timed out or was cancelled meanwhile
            }
        }
        complete(first);
    }

    /** Completes the waiters one pass decided, outside of it, since completing runs the callers' callbacks. */
    private void complete(QueuedAcquisition<Partition> first) {
        QueuedAcquisition.forEachDecided(first, completer);
    }

    private void completeOne(QueuedAcquisition<Partition> waiter) {
        waiter.cancelTask();
        Partition partition = waiter.owner();
        if (waiter.fate() == QueuedAcquisition.GRANTED) {
            waiter.grant(partition.granted(waiter.permits())); // a waiter cancelled meanwhile withdraws it
        } else {
            waiter.refuse(partition.refused(waiter.permits(), Permit.NEVER));
        }
    }

    /** Times out and withdraws the waiters of every partition. */
    private final QueuedAcquisition.Queue<Partition> queue = new QueuedAcquisition.Queue<>() {
        @Override
        public void timedOut(QueuedAcquisition<Partition> waiter) {
            if (waiter.decide(QueuedAcquisition.TIMED_OUT)) {
                waiter.owner().leaveQueue(waiter);
                serveWaiters(); // a head that times out may have blocked others
                waiter.refuse(waiter.owner().refused(waiter.permits(), RETRY_WHEN_RELEASED));
            }
        }

        @Override
        public void withdrawn(QueuedAcquisition<Partition> waiter) {
            if (waiter.decide(QueuedAcquisition.CANCELLED)) {
                waiter.owner().leaveQueue(waiter);
                serveWaiters();
            }
        }
    };

    /**
     * The limiter for logs: its name, its total limit and borrowing policy, what each partition holds against its
     * guarantee, and the requests waiting, for example {@code PartitionedLimiter[api: concurrency 10, idle borrowing;
     * premium 7 in use (guarantee 7), standard 2 in use (guarantee 3); 1 waiting]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        PartitionState current = state;
        StringJoiner text = new StringJoiner(", ", "PartitionedLimiter[" + name + ": concurrency " + current.limit
                + (borrowing == Borrowing.RESERVED ? ", unused guarantees reserved; " : ", idle borrowing; "),
                "; " + waiting + " waiting]");
        for (Partition partition : partitions) {
            text.add(partition.partitionName() + " " + current.inUse(partition.index) + " in use (guarantee "
                    + current.guarantees[partition.index] + ")");
        }
        return text.toString();
    }

    /**
     * How the partitions of a {@link PartitionedLimiter} may use capacity beyond their guarantees. In both policies the
     * total limit {@code L} is never exceeded and nothing held is ever taken back; they differ in what a guarantee
     * promises. With {@code g_p} a partition's guarantee and {@code inUse_p} what it holds:
     */
    public enum Borrowing {

        /**
         * Idle capacity is lent to whoever asks (the default). A request is granted iff {@code Σ inUse + n ≤ L}, so
         * shares summing to 1 (premium 70 %, standard 30 %) still let standard take all of {@code L} while premium is
         * idle. A partition's guarantee is then a <em>priority</em>, not a reservation: while it holds less than
         * {@code g_p}, its waiters are served the next released permits before any request that borrows, and requests
         * that would borrow are refused while it waits; so its guarantee becomes available within the time the
         * borrowers take to release their permits, never by exceeding {@code L} and never by revoking a permit. The
         * price: a partition below its guarantee that finds {@code L} held by borrowers is refused by the partition's
         * {@code tryAcquire} (retry when a permit is released) and waits if it asked to, at the head of
         * the line. A partition's ceiling, the most one request may ask, is {@code L}.
         *
         * <p>Netflix concurrency-limits' partitioned limiter instead admits a partition under its share even when the
         * global limit is reached, so its total in flight can exceed the limit. Here it cannot.
         */
        IDLE,

        /**
         * Unused guarantees are reserved: a partition may go beyond {@code g_p} only so that afterwards
         * {@code Σ_q max(inUse_q, g_q) ≤ L}, borrowing only capacity no guarantee reserves. A request within the
         * partition's unused guarantee is then always granted at once (unless its own queue is not empty, or a lowered
         * limit is still draining); the price is capacity left idle: shares summing to 1 make isolated bulkheads that
         * never borrow. A partition's ceiling is {@code L} less the others' guarantees.
         */
        RESERVED
    }

    /**
     * Builds a {@link PartitionedLimiter}. Each setter checks its argument at once; {@link #build()} checks the
     * whole (at least one partition, shares summing to at most 1, a limit of at least one permit per partition).
     */
    public static final class Builder {
        private final String name;
        private final long limit;
        private final List<String> names = new ArrayList<>();
        private final List<BigDecimal> shares = new ArrayList<>();
        private final List<Integer> maxQueues = new ArrayList<>();
        private Scheduler scheduler = Scheduler.shared();
        private Borrowing borrowing = Borrowing.IDLE;

        private Builder(String name, long limit) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name must not be null or empty");
            }
            this.name = name;
            this.limit = Arguments.requireInRange("limit", limit, 1, Integer.MAX_VALUE);
        }

        /**
         * Adds a partition whose requests do not wait (a queue of 0).
         *
         * @param partitionName a name unique in this limiter
         * @param share the guaranteed share of the total limit, in {@code (0, 1]}
         * @return this builder
         * @throws IllegalArgumentException if the name is null, empty or taken, or the share out of range
         */
        public Builder partition(String partitionName, double share) {
            return partition(partitionName, share, 0);
        }

        /**
         * Adds a partition.
         *
         * @param partitionName a name unique in this limiter
         * @param share the guaranteed share of the total limit, in {@code (0, 1]}
         * @param maxQueue the most requests of this partition waiting at once, from 0 to {@link Integer#MAX_VALUE}
         * @return this builder
         * @throws IllegalArgumentException if the name is null, empty or taken, or the share or queue out of range
         */
        public Builder partition(String partitionName, double share, int maxQueue) {
            if (partitionName == null || partitionName.isEmpty()) {
                throw new IllegalArgumentException("partitionName must not be null or empty");
            }
            if (names.contains(partitionName)) {
                throw new IllegalArgumentException("partitionName = " + partitionName + " is a duplicate; names "
                        + names + " are taken");
            }
            BigDecimal exact = Shares.requireShare("share", share);
            Arguments.requireInRange("maxQueue", maxQueue, 0, Integer.MAX_VALUE);
            names.add(partitionName);
            shares.add(exact);
            maxQueues.add(maxQueue);
            return this;
        }

        /**
         * Sets where waiters' timeouts run; {@link Scheduler#shared()} by default.
         *
         * @param scheduler the scheduler
         * @return this builder
         * @throws IllegalArgumentException if it is null
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
            return this;
        }

        /**
         * Sets how partitions may use capacity beyond their guarantees; {@link Borrowing#IDLE} by default.
         *
         * @param borrowing the policy
         * @return this builder
         * @throws IllegalArgumentException if it is null
         */
        public Builder borrowing(Borrowing borrowing) {
            this.borrowing = Arguments.requireNonNull("borrowing", borrowing);
            return this;
        }

        /**
         * Builds the limiter.
         *
         * @return a new limiter, nothing held
         * @throws IllegalArgumentException if there is no partition, the shares sum to more than 1, or the limit is
         *     below the number of partitions
         */
        public PartitionedLimiter build() {
            Arguments.requireInRange("partitions", names.size(), 1, Integer.MAX_VALUE);
            Shares.requireSumAtMostOne(shares.toArray(new BigDecimal[0]));
            Arguments.requireInRange("limit", limit, names.size(), Integer.MAX_VALUE);
            return new PartitionedLimiter(this);
        }
    }
}
