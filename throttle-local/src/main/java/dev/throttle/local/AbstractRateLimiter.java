package dev.throttle.local;

import dev.throttle.Acquisitions;
import dev.throttle.Arguments;
import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared machinery of the local rate limiters: argument checks, permits, waiting. A subclass supplies one
 * lock-free decision, {@link #reserve(long, long, long)}, over its own packed state.
 *
 * <p>Waiting never spins and never takes a thread per waiter. Algorithms that can reserve a future slot (the
 * buckets) return the wait and the permit completes when it elapses; the others refuse with the exact time until
 * they could succeed, and the request is retried then, until its deadline.
 */
abstract class AbstractRateLimiter implements RateLimiter {

    private final String name;
    final Ticker ticker;
    private final Scheduler scheduler;

    AbstractRateLimiter(String name, Ticker ticker, Scheduler scheduler) {
        this.name = Arguments.requireNonNull("name", name);
        this.ticker = Arguments.requireNonNull("ticker", ticker);
        this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
    }

    /**
     * The lock-free decision: grants {@code permits} now, or reserves them for a slot at most {@code maxDelayNanos}
     * ahead, or refuses. Must change no state when it refuses.
     *
     * @param permits 1 to the capacity
     * @param now the ticker's reading for this decision
     * @param maxDelayNanos the longest acceptable wait for a reserved slot; 0 for an immediate decision
     * @return a decision encoded as {@link Decisions} describes
     */
    abstract long reserve(long permits, long now, long maxDelayNanos);

    /**
     * Whether a refused waiting request should be retried at the refusal's retry time. Engines that reserve future
     * slots say no: their refusal already means no slot within the caller's wait exists.
     */
    boolean retriesRefusals() {
        return true;
    }

    /** The permits a request could have at {@code now}. */
    abstract long available(long now);

    /** The limit reported in permits (window limit, bucket capacity). */
    abstract long limit();

    /**
     * Takes {@code delta} more permits ({@code delta > 0}, possibly into debt) or gives {@code -delta} back
     * ({@code delta < 0}); used to settle estimates and to undo reservations. A give-back never lands in a later
     * window than the one its permits were counted in (that would over-admit there): engines drop it when unsure.
     *
     * @param delta permits to take (positive) or give back (negative)
     * @param grantedAt the ticker's reading of the decision that granted the permits
     */
    abstract void adjust(long delta, long grantedAt);

    @Override
    public final String name() {
        return name;
    }

    @Override
    public abstract LimitSpec spec();

    @Override
    public final boolean allow(long permits) {
        Arguments.requirePermits(permits, spec().capacity());
        return decideNow(permits) == 0L;
    }

    /**
     * An immediate decision on the fast path. An engine whose decision must read the clock itself (at a point its
     * ordering argument fixes) overrides this, so the fast path reads the clock once.
     */
    long decideNow(long permits) {
        return reserve(permits, ticker.read(), 0L);
    }

    @Override
    public final Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, spec().capacity());
        long now = ticker.read();
        return permitFor(reserve(permits, now, 0L), permits, now);
    }

    @Override
    public final long availablePermits() {
        return available(ticker.read());
    }

    @Override
    public final Permit acquire(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec().capacity());
        if (maxWaitNanos == 0) {
            return tryAcquire(permits);
        }
        // An interrupt withdraws: either the cancel wins and anything reserved is given back, or the grant won.
        return Acquisitions.await(acquireAsync(permits, maxWaitNanos), () -> refused(permits, 0L, ticker.read()));
    }

    @Override
    public final CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec().capacity());
        return acquireAsync(permits, maxWaitNanos);
    }

    private CompletableFuture<Permit> acquireAsync(long permits, long maxWaitNanos) {
        long now = ticker.read();
        long deadline = now + maxWaitNanos;
        long decision = reserve(permits, now, maxWaitNanos);
        if (decision == 0L || !canWait(decision, now, deadline)) {
            return CompletableFuture.completedFuture(permitFor(decision, permits, now));
        }
        Waiter waiter = new Waiter(permits, deadline);
        waiter.await(decision);
        return waiter.future;
    }

    /** A reservation, or a refusal worth retrying: its retry time falls before the deadline. */
    private boolean canWait(long decision, long now, long deadline) {
        if (Decisions.granted(decision)) {
            return true;
        }
        if (!retriesRefusals()) {
            return false;
        }
        long retryAfter = Decisions.retryAfterNanos(decision);
        return retryAfter != Permit.NEVER && retryAfter <= deadline - now;
    }

    final Permit permitFor(long decision, long permits, long now) {
        if (Decisions.granted(decision)) {
            return new RatePermit(this, true, permits, 0L, available(now), limit(), now);
        }
        return refused(permits, Decisions.retryAfterNanos(decision), now);
    }

    private Permit refused(long permits, long retryAfterNanos, long now) {
        return new RatePermit(this, false, permits, retryAfterNanos, available(now), limit(), now);
    }

    /**
     * One asynchronous acquisition: waits for its reserved slot, or retries at each computed retry time. A
     * reservation is resolved exactly once: granted when its slot comes, or given back when the future is
     * cancelled first.
     */
    private final class Waiter {
        private static final int NOTHING_RESERVED = 0;
        private static final int RESERVED = 1;
        private static final int RESOLVED = 2;

        final CompletableFuture<Permit> future = new CompletableFuture<>();
        private final long permits;
        private final long deadline;
        private final AtomicInteger reservation = new AtomicInteger(NOTHING_RESERVED);
        private volatile Scheduler.Cancellable task;
        private volatile long reservedAt;

        Waiter(long permits, long deadline) {
            this.permits = permits;
            this.deadline = deadline;
            future.whenComplete((permit, failure) -> {
                if (future.isCancelled()) {
                    withdraw();
                }
            });
        }

        /** Acts on a decision that is either a reservation or a refusal with a retry time before the deadline. */
        void await(long decision) {
            if (Decisions.granted(decision)) {
                reservedAt = ticker.read();
                reservation.set(RESERVED);
                task = scheduler.schedule(this::grantReserved, decision);
            } else {
                task = scheduler.schedule(this::retry, Decisions.retryAfterNanos(decision));
            }
            if (future.isCancelled()) {
                // The cancel hook may have run before the task or the reservation were visible to it.
                withdraw();
            }
        }

        private void withdraw() {
            Scheduler.Cancellable pending = task;
            if (pending != null) {
                pending.cancel();
            }
            if (reservation.compareAndSet(RESERVED, RESOLVED)) {
                adjust(-permits, reservedAt);
            }
        }

        private void grantReserved() {
            if (reservation.compareAndSet(RESERVED, RESOLVED)) {
                long now = ticker.read();
                Permit permit = new RatePermit(AbstractRateLimiter.this, true, permits, 0L, available(now), limit(),
                        reservedAt);
                if (!future.complete(permit)) {
                    adjust(-permits, reservedAt);
                }
            }
        }

        private void retry() {
            if (future.isDone()) {
                return;
            }
            long now = ticker.read();
            long left = Math.max(0L, deadline - now);
            long decision = reserve(permits, now, left);
            if (decision == 0L) {
                if (!future.complete(permitFor(decision, permits, now))) {
                    adjust(-permits, now);
                }
            } else if (canWait(decision, now, deadline)) {
                await(decision);
            } else {
                future.complete(permitFor(decision, permits, now));
            }
        }
    }
}
