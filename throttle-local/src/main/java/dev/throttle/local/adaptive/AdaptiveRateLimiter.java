package dev.throttle.local.adaptive;

import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.Ticker;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.ObservedPermit;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.limiters.DecidesAt;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The shared machinery of the adaptive rate limiters: a token bucket of the local engine enforces the current rate
 * and is reconfigured when it moves (owed permits carry over, see the engine's token bucket); the decision path
 * claims at most one evaluation per interval with one CAS on a timestamp, and otherwise only reads a volatile.
 * Subclasses decide what an evaluation does and how a drop counts.
 */
abstract class AdaptiveRateLimiter implements RateLimiter {

    private static final VarHandle NEXT_EVALUATION;

    static {
        try {
            NEXT_EVALUATION = MethodHandles.lookup()
                    .findVarHandle(AdaptiveRateLimiter.class, "nextEvaluation", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Ticker ticker;
    private final RateLimiter bucket;
    /** The same bucket, deciding at this limiter's own clock reading. */
    private final DecidesAt decider;
    private final long maxCapacity;
    private final long intervalNanos;
    private final List<Consumer<RateSwitch>> listeners;
    private final HealthSignal.ErrorRatio outcomes;
    private final AtomicLong evaluations = new AtomicLong();
    private final AtomicLong switches = new AtomicLong();
    private final AtomicLong listenerFailures = new AtomicLong();
    @SuppressWarnings("unused") // through NEXT_EVALUATION
    private volatile long nextEvaluation;

    AdaptiveRateLimiter(AdaptiveRateLimiterBuilder<?> options, TokenBucket initial, long maxCapacity) {
        this.ticker = options.engine.ticker();
        this.bucket = options.engine.rateLimiter(options.name, initial);
        this.decider = (DecidesAt) bucket; // the local engine's token bucket
        this.maxCapacity = maxCapacity;
        this.intervalNanos = options.intervalNanos;
        this.listeners = List.copyOf(options.listeners);
        this.outcomes = options.outcomes;
        this.nextEvaluation = ticker.read() + intervalNanos;
    }

    /** Decides whether to move, from the state and the signal at {@code now}; only one thread per interval. */
    abstract void evaluate(long now);

    /** The bucket the current state wants enforced. */
    abstract TokenBucket wanted();

    /** A granted permit reported overload. */
    void onDropped(long now) {
    }

    /** Whether permits must be wrapped to see close() and dropped(). */
    boolean watchesPermits() {
        return outcomes != null;
    }

    @Override
    public final String name() {
        return bucket.name();
    }

    /**
     * {@inheritDoc}
     *
     * @return the bucket enforced now
     */
    @Override
    public final LimitSpec spec() {
        return bucket.spec();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Requests are checked against the largest capacity this limiter may ever have; a request above the current
     * capacity is refused (by {@code tryAcquire} with {@link Permit#NEVER}).
     */
    @Override
    public final boolean allow(long permits) {
        Arguments.requirePermits(permits, maxCapacity);
        long now = ticker.read();
        maybeEvaluate(now);
        return decider.allowAt(permits, now);
    }

    @Override
    public final Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, maxCapacity);
        long now = ticker.read();
        maybeEvaluate(now);
        Permit decision = decider.tryAcquireAt(permits, now);
        return decision.never() ? beyondCapacity(permits) : watched(decision);
    }

    @Override
    public final Permit acquire(long permits, Duration maxWait) {
        Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, maxCapacity);
        maybeEvaluate(ticker.read());
        if (permits > bucket.spec().capacity()) {
            return beyondCapacity(permits);
        }
        try {
            return watched(bucket.acquire(permits, maxWait));
        } catch (IllegalArgumentException lowered) {
            return beyondCapacity(permits);
        }
    }

    @Override
    public final CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, maxCapacity);
        maybeEvaluate(ticker.read());
        CompletableFuture<Permit> source;
        try {
            source = permits > bucket.spec().capacity() ? null : bucket.acquireAsync(permits, maxWait);
        } catch (IllegalArgumentException lowered) {
            source = null;
        }
        if (source == null) {
            return CompletableFuture.completedFuture(beyondCapacity(permits));
        }
        if (!watchesPermits()) {
            return source;
        }
        CompletableFuture<Permit> pending = source;
        CompletableFuture<Permit> result = pending.thenApply(this::watched);
        // Cancelling the caller's future must withdraw the bucket's reservation, as the engine's own does.
        result.whenComplete((permit, failure) -> {
            if (result.isCancelled()) {
                pending.cancel(false);
            }
        });
        return result;
    }

    @Override
    public final long availablePermits() {
        return bucket.availablePermits();
    }

    /**
     * How many evaluations ran: at most one per evaluation interval.
     *
     * @return the count
     */
    public final long evaluations() {
        return evaluations.get();
    }

    /**
     * How many times the enforced rate changed.
     *
     * @return the count
     */
    public final long switches() {
        return switches.get();
    }

    /**
     * How many times a listener threw (and was ignored).
     *
     * @return the count
     */
    public final long listenerFailures() {
        return listenerFailures.get();
    }

    /**
     * The bucket enforced now: the current rate and burst.
     *
     * @return the bucket
     */
    public final TokenBucket currentBucket() {
        return (TokenBucket) bucket.spec();
    }

    long capacityNow() {
        return bucket.spec().capacity();
    }

    private void maybeEvaluate(long now) {
        long due = (long) NEXT_EVALUATION.getVolatile(this);
        if (now - due < 0 || !NEXT_EVALUATION.compareAndSet(this, due, now + intervalNanos)) {
            return;
        }
        evaluations.incrementAndGet();
        evaluate(now);
    }

    /**
     * Makes the bucket enforce the state's rate. Two moves may apply out of order; whoever applies last re-reads the
     * state after applying, so the bucket always ends at the latest state's rate.
     */
    final void applyAndTell(RateSwitch change) {
        for (;;) {
            TokenBucket target = wanted();
            LocalEngine.reconfigure(bucket, target);
            if (wanted() == target) {
                break;
            }
        }
        switches.incrementAndGet();
        for (Consumer<RateSwitch> listener : listeners) {
            try {
                listener.accept(change);
            } catch (RuntimeException failure) {
                listenerFailures.incrementAndGet(); // a listener's failure must not fail a decision
            }
        }
    }

    /** Reads a signal; a reading that throws counts as no evidence, so a broken signal holds the rate. */
    static double safeRead(HealthSignal signal, long now) {
        try {
            return signal.read(now);
        } catch (RuntimeException broken) {
            return Double.NaN;
        }
    }

    private Permit watched(Permit permit) {
        return watchesPermits() && permit.granted() ? new ObservedPermit(permit, outcomeObserver, null) : permit;
    }

    /** A refusal of a request the current capacity can never grant (a slower step has a smaller burst). */
    private Permit beyondCapacity(long permits) {
        return RefusedPermit.of(name(), permits, Permit.NEVER, availablePermits(), capacityNow());
    }

    /** A watched grant ended: closed is a success, dropped is overload; once per grant. */
    private final ObservedPermit.Observer outcomeObserver = (permit, context, dropped) -> ended(dropped);

    private void ended(boolean dropped) {
        if (dropped) {
            if (outcomes != null) {
                outcomes.recordFailure();
            }
            onDropped(ticker.read());
        } else if (outcomes != null) {
            outcomes.recordSuccess();
        }
    }
}
