package dev.throttle.local.limiters;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.HeldPermit;
import dev.throttle.kernel.QueuedAcquisition;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.kernel.SpecText;
import dev.throttle.kernel.SpecVisitor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A bulkhead: at most {@code limit} permits held at once, for the {@link Concurrency} spec. A permit is held from
 * its grant until {@link Permit#close()}; a request for {@code n} permits holds {@code n}.
 *
 * <p>Requests that may wait queue, at most {@code maxQueue} of them, and are served in the spec's order: FIFO, LIFO,
 * or by priority ({@link #acquireAsync(long, Duration, int)}: higher first, FIFO among equals). A request that finds
 * the queue full is refused, except under LIFO, where it takes the place of the oldest waiter, which is refused (as
 * .NET's {@code QueueProcessingOrder.NewestFirst} does). The first waiter in that order is served first even when a
 * smaller one behind it would fit, so large requests are never starved; and {@link #tryAcquire(long)} never takes
 * permits while anyone waits.
 *
 * <p>Everything is lock-free. The permits in use are one word, taken and given back by CAS. Waiters sit in a
 * lock-free ordered set; whoever frees permits, queues a waiter or withdraws one then serves the queue: it takes the
 * head's permits by CAS, then decides the head's fate by one CAS on the waiter's own state
 * ({@link QueuedAcquisition}), which the waiter's timeout and cancellation race for too. The loser of that race gives
 * back what it took, so a permit is never lost or counted twice. Futures are completed after the queue has been
 * served, so user callbacks never run in the middle of it; a future found cancelled after its grant gives its
 * permits back.
 *
 * <p>A refusal's {@link Permit#retryAfterNanos()} is 1 nanosecond: a bulkhead cannot know when a permit will be
 * released, so it means "retry when a permit is released" (or wait with {@link #acquire(long, Duration)}); it is
 * {@link Permit#NEVER} only for a request above the limit.
 */
public final class ConcurrencyLimiter extends PaddedInUse implements Limiter, Reconfigurable, ConcurrencyStats,
        HeldPermit.Holder, QueuedAcquisition.Queue<ConcurrencyLimiter> {

    /**
     * Learns how each permit of a bulkhead ended: the time from its grant to its end, the permits in flight at its
     * grant, and whether it was dropped (an adaptive limit's sample). A withdrawn grant is no sample.
     */
    public interface Sampler {
        /**
         * A granted permit ended.
         *
         * @param grantedAt the ticker's reading at the grant
         * @param inFlight the permits in flight right after the grant
         * @param dropped whether it ended reporting overload
         */
        void sample(long grantedAt, long inFlight, boolean dropped);
    }

    private static final VarHandle IN_USE;
    private static final VarHandle QUEUED;
    /** What {@link #reserve} returns when the permits do not fit. */
    private static final long NOT_RESERVED = -1L;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            IN_USE = lookup.findVarHandle(InUseWord.class, "inUse", long.class);
            QUEUED = lookup.findVarHandle(ConcurrencyLimiter.class, "queued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The spec of a reconfiguration, which must be a concurrency limit. */
    private static final SpecVisitor<Concurrency> AS_CONCURRENCY = new SpecVisitor<>("a Concurrency spec") {
        @Override
        public Concurrency concurrency(Concurrency spec) {
            return spec;
        }
    };

    private final String name;
    private final Ticker ticker;
    private final Scheduler scheduler;
    /** Told of every permit's end, or null. */
    private final Sampler sampler;
    private final ConcurrentSkipListSet<QueuedAcquisition<ConcurrencyLimiter>> queue;
    private final AtomicLong arrivals = new AtomicLong();
    /** Completes one decided waiter; kept in a field so that completing a pass allocates nothing. */
    private final Consumer<QueuedAcquisition<ConcurrencyLimiter>> completer = this::completeOne;
    private volatile Concurrency spec;
    /**
     * Waiters still undecided. Counted before a waiter enters the queue and uncounted by whoever decides it, so it
     * bounds the queue exactly and tells the fast path, in one read, whether it would barge past someone.
     */
    @SuppressWarnings("unused") // accessed through QUEUED
    private volatile int queued;

    /**
     * Creates a bulkhead.
     *
     * @param name the limiter's name
     * @param spec the limit, queue bound and queue order
     * @param ticker the engine's clock; a bulkhead's decisions do not depend on time: it times samples and waits
     * @param scheduler where waiters' timeouts run
     * @throws IllegalArgumentException if an argument is null
     */
    public ConcurrencyLimiter(String name, Concurrency spec, Ticker ticker, Scheduler scheduler) {
        this(name, spec, ticker, scheduler, null);
    }

    /**
     * Creates a bulkhead that reports how each permit ended (an adaptive limit's).
     *
     * @param name the limiter's name
     * @param spec the limit, queue bound and queue order
     * @param ticker the engine's clock: it times the samples and the waits
     * @param scheduler where waiters' timeouts run
     * @param sampler told of every permit's end; null for none
     * @throws IllegalArgumentException if an argument other than the sampler is null
     */
    public ConcurrencyLimiter(String name, Concurrency spec, Ticker ticker, Scheduler scheduler, Sampler sampler) {
        this.name = Arguments.requireNonNull("name", name);
        this.spec = Arguments.requireNonNull("spec", spec);
        this.ticker = Arguments.requireNonNull("ticker", ticker);
        this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
        this.sampler = sampler;
        this.queue = new ConcurrentSkipListSet<>(QueuedAcquisition.servingOrder(spec.order()));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Concurrency spec() {
        return spec;
    }

    /**
     * Takes permits if they are free and nobody waits for them; never waits for permits (a take that loses the count to
     * another thread's may step aside for tens of microseconds before deciding again).
     *
     * @param permits how many, from 1 up to the limit
     * @return the decision; a refusal's retry time is 1 ns, meaning "when a permit is released"
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, limit]}
     */
    @Override
    public Permit tryAcquire(long permits) {
        Concurrency current = spec;
        Arguments.requirePermits(permits, current.limit());
        if (queued == 0) {
            long inUseAfter = reserve(permits, current.limit(), true);
            if (inUseAfter != NOT_RESERVED) {
                return granted(permits, current, inUseAfter);
            }
        }
        return refused(permits);
    }

    /**
     * Takes one permit if it is free and nobody waits, without building a {@link Permit}: the allocation-free path,
     * for code that pairs every {@code true} with exactly one {@link #exit()}, as with a semaphore (a framework's
     * filter, a benchmark). Prefer {@link #tryAcquire()}: a permit cannot be given back twice, a stray {@code exit()}
     * can hand out a slot that is still in use.
     *
     * @return whether the permit was taken
     */
    public boolean tryEnter() {
        return queued == 0 && reserve(1L, spec.limit(), true) != NOT_RESERVED;
    }

    /**
     * Gives back the permit of a {@link #tryEnter()} that returned {@code true}, and serves the queue.
     *
     * @throws IllegalStateException if no permit is held, which means an {@code exit()} without its
     *     {@code tryEnter()}; nothing changes then
     */
    public void exit() {
        for (;;) {
            long current = (long) IN_USE.getVolatile(this);
            if (current <= 0L) {
                throw new IllegalStateException("exit() without a matching tryEnter(): no permit of " + name
                        + " is held");
            }
            if (IN_USE.compareAndSet(this, current, current - 1L)) {
                break;
            }
        }
        if (queued > 0) {
            serveWaiters();
        }
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return acquire(permits, maxWait, 0);
    }

    /**
     * Asks for permits, waiting up to {@code maxWait} in the queue at a given priority. If the waiting thread is
     * interrupted, the request is withdrawn, the interrupt flag is set again and a refused permit is returned (or
     * the granted one, if the grant came first).
     *
     * @param permits how many, from 1 up to the limit
     * @param maxWait how long to wait at most; zero means do not wait
     * @param priority the waiter's priority, higher served first; only the {@code PRIORITY} order uses it
     * @return the decision
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, limit]} or {@code maxWait} is null,
     *     negative or longer than {@link dev.throttle.LimitSpec#MAX_DURATION}
     */
    public Permit acquire(long permits, Duration maxWait, int priority) {
        return Acquisition.await(acquireAsync(permits, maxWait, priority), () -> refused(permits));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        return acquireAsync(permits, maxWait, 0);
    }

    /**
     * Asks for permits, queueing at a given priority if they are not free; no thread is parked while waiting. The
     * future completes with a granted permit, or with a refused one when the queue is full (under LIFO: when a newer
     * request takes its place in a full queue), when {@code maxWait} is zero, or when {@code maxWait} elapses.
     * Cancelling it withdraws the request; a permit granted to a future that turns out cancelled is given back.
     *
     * @param permits how many, from 1 up to the limit
     * @param maxWait how long to wait at most; zero means do not wait
     * @param priority the waiter's priority, higher served first; only the {@code PRIORITY} order uses it
     * @return a future decision; it never completes exceptionally except when cancelled
     * @throws IllegalArgumentException if {@code permits} is not in {@code [1, limit]} or {@code maxWait} is null,
     *     negative or longer than {@link dev.throttle.LimitSpec#MAX_DURATION}
     */
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait, int priority) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Concurrency current = spec;
        Arguments.requirePermits(permits, current.limit());
        if (queued == 0) {
            long inUseAfter = reserve(permits, current.limit(), true);
            if (inUseAfter != NOT_RESERVED) {
                return CompletableFuture.completedFuture(granted(permits, current, inUseAfter));
            }
        }
        if (maxWaitNanos == 0L || !joinQueue(current)) {
            return CompletableFuture.completedFuture(refused(permits));
        }
        QueuedAcquisition<ConcurrencyLimiter> waiter = new QueuedAcquisition<>(this, this, permits, priority,
                arrivals.getAndIncrement(), ticker, scheduler);
        try {
            waiter.armTimeout(maxWaitNanos);
        } catch (RuntimeException | Error rejected) {
            // Not queued yet: only its slot in the count must be given back.
            if (waiter.decide(QueuedAcquisition.CANCELLED)) {
                QUEUED.getAndAdd(this, -1);
            }
            throw rejected;
        }
        queue.add(waiter);
        if (waiter.fate() != QueuedAcquisition.WAITING) {
            queue.remove(waiter); // decided (timed out, withdrawn) before it was queued
        }
        // Permits may have been released between the failed attempt and the queueing, with nobody yet to serve.
        serveWaiters();
        return waiter;
    }

    /**
     * Free permits: the limit minus the permits held, or zero if the limit was lowered below them.
     *
     * @return zero or more
     */
    @Override
    public long availablePermits() {
        return Math.max(0L, spec.limit() - inUse);
    }

    /**
     * The limit of the current spec (it moves when the limiter is reconfigured).
     *
     * @return one or more
     */
    @Override
    public long limit() {
        return spec.limit();
    }

    /**
     * Requests waiting in the queue, for metrics.
     *
     * @return zero up to the spec's {@code maxQueue}
     */
    @Override
    public int queueLength() {
        return queued;
    }

    /**
     * Permits held now by granted, unclosed permits, for metrics.
     *
     * @return zero or more; above the limit only while a lowered limit drains
     */
    @Override
    public long inFlight() {
        return inUse;
    }

    /**
     * Changes the limit and queue bound live. Raising the limit serves waiters at once; lowering it takes nothing
     * back, permits in flight drain as they are closed, and waiters asking for more than the new limit are refused
     * with {@link Permit#NEVER}. A lower {@code maxQueue} keeps those already waiting.
     *
     * @param limitSpec the new spec, a {@link Concurrency} with the same queue order
     * @throws IllegalArgumentException if the spec is null, not a {@link Concurrency}, or changes the queue order (the
     *     queue is sorted by it)
     */
    @Override
    public void reconfigure(LimitSpec limitSpec) {
        Arguments.requireNonNull("spec", limitSpec);
        Concurrency newSpec = limitSpec.accept(AS_CONCURRENCY);
        Concurrency.QueueOrder order = spec.order();
        if (newSpec.order() != order) {
            throw new IllegalArgumentException("order = " + newSpec.order() + " differs from the current order "
                    + order + "; the queue order cannot change live");
        }
        spec = newSpec;
        serveWaiters();
    }

    /** Gives permits back and serves the waiters they may let through. */
    private void release(long permits) {
        IN_USE.getAndAdd(this, -permits);
        if (queued > 0) {
            serveWaiters();
        }
    }

    /**
     * Takes permits by CAS if they fit under the limit. The word is read before the first CAS, not guessed: a first CAS
     * that guesses 0 in use saves a transfer of the line between two cores when the bulkhead is empty between takes
     * (two threads: 33–42 ns a round trip against 47–52), but costs a failed locked instruction on every take of a
     * busy one (one thread, 10 permits held by others: 14.0 ns against 9.2–9.5), and a bulkhead in service is busy.
     *
     * <p>A take that loses the CAS to another thread and still fits by the witness either goes on from the witness at
     * once ({@code stepAside} false: the queue's server, which must not sleep while waiters wait for it) or steps aside
     * first ({@link Contention#backOff()}, as every rate limiter does), then decides on the word as it then is. Going
     * on at once bounces the word's line between the contending cores on every attempt; two threads taking and giving
     * back on one bulkhead (PeerConcurrencyBenchmark, {@code -t 2}): 20–21 ns a round trip with the step aside,
     * 63 ns without, Resilience4j's semaphore bulkhead 64–73 ns in the same runs. A loser whose witness shows no
     * room is refused at once: the witness is a state the word was in during the call; one that finds waiters
     * queued when it comes back is refused too, since they go first, and one that comes back after a reconfiguration
     * decides under the new limit. Either way the decision is exact.
     *
     * @param stepAside whether a lost CAS parks before deciding again
     * @return the permits in use right after taking them, which the grant reports without reading the contended word
     *     again; or {@link #NOT_RESERVED}
     */
    private long reserve(long permits, long limit, boolean stepAside) {
        long max = limit;
        long current = (long) IN_USE.getVolatile(this);
        for (;;) {
            if (current + permits > max) {
                return NOT_RESERVED;
            }
            long witness = (long) IN_USE.compareAndExchange(this, current, current + permits);
            if (witness == current) {
                return current + permits;
            }
            if (stepAside && witness + permits <= max) {
                Contention.backOff();
                if (queued != 0) {
                    return NOT_RESERVED; // waiters came meanwhile: they go first
                }
                max = spec.limit(); // and a reconfiguration meanwhile holds for this take
                witness = (long) IN_USE.getVolatile(this);
            }
            current = witness;
        }
    }

    /**
     * Counts a new waiter if the queue has room. A full LIFO queue makes room by refusing its oldest waiter: LIFO
     * exists to serve fresh requests under overload, and a full queue is overload; refusing the newcomer instead
     * would keep serving the stalest requests, whose callers are the likeliest to have given up.
     */
    private boolean joinQueue(Concurrency current) {
        while (!enterQueue(current.maxQueue())) {
            if (current.order() != Concurrency.QueueOrder.LIFO || !refuseOldest()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Refuses the oldest undecided waiter, last in LIFO serving order, and frees its place in the count.
     *
     * @return false if there was none to refuse (an empty queue, or one whose waiters are counted but not yet in it)
     */
    private boolean refuseOldest() {
        for (;;) {
            QueuedAcquisition<ConcurrencyLimiter> oldest = queue.isEmpty() ? null : lastOrNull();
            if (oldest == null) {
                return false;
            }
            if (oldest.decide(QueuedAcquisition.REFUSED)) {
                leaveQueue(oldest);
                oldest.cancelTask();
                oldest.refuse(refused(oldest.permits()));
                return true;
            }
            queue.remove(oldest); // decided by another thread that has not removed it yet
        }
    }

    private QueuedAcquisition<ConcurrencyLimiter> lastOrNull() {
        try {
            return queue.last();
        } catch (NoSuchElementException emptiedMeanwhile) {
            return null;
        }
    }

    /** Counts a new waiter if the queue has room. */
    private boolean enterQueue(int maxQueue) {
        for (;;) {
            int current = (int) QUEUED.getVolatile(this);
            if (current >= maxQueue) {
                return false;
            }
            if (QUEUED.compareAndSet(this, current, current + 1)) {
                return true;
            }
        }
    }

    /** Takes a decided waiter out of the count and the queue; only the thread that decided it calls this. */
    private void leaveQueue(QueuedAcquisition<ConcurrencyLimiter> waiter) {
        QUEUED.getAndAdd(this, -1);
        queue.remove(waiter);
    }

    /**
     * Serves waiters in order while the head's permits fit. Every change that could let a waiter through (a
     * release, a new waiter, a withdrawn head, a raised limit) is followed by a call, and this reads the state after
     * that change, so no waiter is left waiting behind free permits. Concurrent calls are safe: they race only
     * through CASes, and a call that takes permits for a head it then fails to decide gives them back and goes on,
     * so a concurrent call that stopped because of those permits loses nothing.
     */
    private void serveWaiters() {
        QueuedAcquisition<ConcurrencyLimiter> first = null;
        QueuedAcquisition<ConcurrencyLimiter> last = null;
        for (;;) {
            QueuedAcquisition<ConcurrencyLimiter> head = head();
            if (head == null) {
                break;
            }
            if (head.fate() != QueuedAcquisition.WAITING) {
                queue.remove(head); // decided by another thread that has not removed it yet
                continue;
            }
            long limit = spec.limit();
            int outcome;
            if (head.permits() > limit) {
                outcome = QueuedAcquisition.REFUSED;
            } else if (reserve(head.permits(), limit, false) != NOT_RESERVED) {
                outcome = QueuedAcquisition.GRANTED;
            } else {
                break; // the head blocks those behind it: no starvation of large requests
            }
            if (head.decide(outcome)) {
                leaveQueue(head);
                if (last == null) {
                    first = head;
                } else {
                    last.chain(head);
                }
                last = head;
            } else if (outcome == QueuedAcquisition.GRANTED) {
                IN_USE.getAndAdd(this, -head.permits()); // it timed out or was cancelled meanwhile
            }
        }
        complete(first);
    }

    /** Completes the waiters one pass decided, outside of it, since completing runs the callers' callbacks. */
    private void complete(QueuedAcquisition<ConcurrencyLimiter> first) {
        QueuedAcquisition.forEachDecided(first, completer);
    }

    private void completeOne(QueuedAcquisition<ConcurrencyLimiter> waiter) {
        waiter.cancelTask();
        if (waiter.fate() == QueuedAcquisition.GRANTED) {
            // A waiter cancelled meanwhile withdraws it: the slots come back.
            waiter.grant(granted(waiter.permits(), spec, inUse));
        } else {
            waiter.refuse(RefusedPermit.of(name, waiter.permits(), Permit.NEVER, available(), spec.limit()));
        }
    }

    /** The waiter's timeout: refuses it unless it was decided already. */
    @Override
    public void timedOut(QueuedAcquisition<ConcurrencyLimiter> waiter) {
        if (waiter.decide(QueuedAcquisition.TIMED_OUT)) {
            leaveQueue(waiter);
            serveWaiters(); // a head that times out may have blocked smaller waiters behind it
            waiter.refuse(refused(waiter.permits()));
        }
    }

    /** The waiter's caller gave up: withdraws it unless it was decided already. */
    @Override
    public void withdrawn(QueuedAcquisition<ConcurrencyLimiter> waiter) {
        if (waiter.decide(QueuedAcquisition.CANCELLED)) {
            leaveQueue(waiter);
            serveWaiters();
        }
    }

    /** The first waiter in serving order, or null. */
    private QueuedAcquisition<ConcurrencyLimiter> head() {
        if (queue.isEmpty()) {
            return null;
        }
        try {
            return queue.first();
        } catch (NoSuchElementException emptiedMeanwhile) {
            return null;
        }
    }

    /**
     * A grant. A permit taken and closed in one compiled method costs no allocation (see {@link HeldPermit}), as long
     * as this stays small enough to inline and passes the permit to nothing that keeps it.
     *
     * @param inUseAfter the permits in use right after the grant: its in-flight sample and what remains
     */
    private Permit granted(long permits, Concurrency current, long inUseAfter) {
        // Only a sampled bulkhead reads the clock: a latency sample needs its grant's time.
        long grantedAt = sampler == null ? 0L : ticker.read();
        return new HeldPermit(name, permits, Math.max(0L, current.limit() - inUseAfter), current.limit(), this,
                grantedAt, inUseAfter);
    }

    /** A refusal: "when a permit is released", or never for a request above the limit (lowered meanwhile). */
    private Permit refused(long permits) {
        Concurrency current = spec;
        long available = Math.max(0L, current.limit() - inUse);
        return permits > current.limit()
                ? RefusedPermit.of(name, permits, Permit.NEVER, available, current.limit())
                : RefusedPermit.untilReleased(name, permits, available, current.limit());
    }

    private long available() {
        return Math.max(0L, spec.limit() - inUse);
    }

    /** A permit ended: its slots come back, and a sampled bulkhead learns how it went. */
    @Override
    public void ended(HeldPermit permit, long held, boolean dropped) {
        if (held > 0L) {
            release(held);
        }
        if (sampler != null) {
            sampler.sample(permit.grantedAt(), permit.tag(), dropped);
        }
    }

    /** A permit settled below its grant gives the difference back now. */
    @Override
    public void shrunk(HeldPermit permit, long released) {
        release(released);
    }

    /** A grant its caller never held: its slots come back, and it is no sample. */
    @Override
    public void withdrawn(HeldPermit permit, long held) {
        if (held > 0L) {
            release(held);
        }
    }

    /**
     * The limiter for logs: its name, its spec in words, the permits held and the requests waiting, for example
     * {@code Limiter[db: concurrency 20; 3 in use, 0 waiting]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Limiter[" + name + ": " + SpecText.describe(spec) + "; " + inUse + " in use, " + queued + " waiting]";
    }
}
