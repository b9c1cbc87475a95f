package dev.throttle;

import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.HeldPermit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A dry run of a limit ({@link Limiters#shadow(Limiter)}): every request is evaluated by the real limiter (the
 * delegate), which keeps its state as if it enforced it, but every request is granted, and the refusals are only
 * counted and reported. Use it to learn what a new limit would refuse before enforcing it.
 *
 * <p>When the delegate grants, its own permit is returned, so it is released, settled and reported as usual. When
 * it refuses, a granted permit holding nothing is returned. A dry run never makes a request wait: a request that
 * would have waited ({@link #acquire}, {@link #acquireAsync}) is granted at once while the delegate waits on its
 * own; its eventual refusal is reported then, and its eventual permit is ended (or settled) as the caller ended the
 * permit already returned.
 *
 * <p>The dry run of a {@link RateLimiter} is an {@link OfRateLimiter}, which keeps the boolean fast path
 * ({@link Limiters#shadow(RateLimiter)}).
 */
public sealed class ShadowLimiter implements Limiter permits ShadowLimiter.OfRateLimiter {

    /** The listener of a dry run that only counts its refusals. */
    static final Consumer<Permit> COUNT_ONLY = refused -> { };

    private final Limiter delegate;
    private final Consumer<Permit> listener;
    private final LongAdder evaluated = new LongAdder();
    private final LongAdder wouldHaveRefused = new LongAdder();

    ShadowLimiter(Limiter delegate, Consumer<Permit> listener) {
        this.delegate = delegate;
        this.listener = listener;
    }

    /**
     * The limiter evaluated in the dry run.
     *
     * @return the delegate
     */
    public Limiter delegate() {
        return delegate;
    }

    /**
     * The evaluated limiter's name.
     *
     * @return the name
     */
    @Override
    public String name() {
        return delegate.name();
    }

    /**
     * The evaluated limiter's spec.
     *
     * @return the spec
     */
    @Override
    public LimitSpec spec() {
        return delegate.spec();
    }

    /**
     * What the evaluated limiter could grant now; the dry run itself grants everything.
     *
     * @return zero or more
     */
    @Override
    public long availablePermits() {
        return delegate.availablePermits();
    }

    /**
     * The requests evaluated so far.
     *
     * @return the count
     */
    public long evaluated() {
        return evaluated.sum();
    }

    /**
     * The requests the limit would have refused so far (a waiting request counts once its refusal is known).
     *
     * @return the count
     */
    public long wouldHaveRefused() {
        return wouldHaveRefused.sum();
    }

    @Override
    public Permit tryAcquire(long permits) {
        Permit decision = delegate().tryAcquire(permits);
        evaluated.increment();
        return judged(decision);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Never blocks: see the class description.
     */
    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return acquireAsync(permits, maxWait).join();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The future is always complete and granted: see the class description.
     */
    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        CompletableFuture<Permit> pending = delegate().acquireAsync(permits, maxWait);
        evaluated.increment();
        Permit decided = pending.getNow(null);
        if (decided != null) {
            return CompletableFuture.completedFuture(judged(decided));
        }
        Deferred deferred = new Deferred();
        Permit granted = new HeldPermit(name(), permits, delegate().availablePermits(), spec().capacity(), deferred,
                0L, 0L);
        pending.whenComplete((permit, failure) -> {
            if (permit != null) {
                if (!permit.granted()) {
                    refused(permit);
                }
                deferred.arrived(permit);
            }
        });
        return CompletableFuture.completedFuture(granted);
    }

    private Permit judged(Permit decision) {
        if (decision.granted()) {
            return decision;
        }
        refused(decision);
        return new HeldPermit(decision.limiterName(), decision.permits(), decision.remaining(), decision.limit(),
                Deferred.NOTHING, 0L, 0L);
    }

    /**
     * Counts a decision of the boolean fast path ({@link OfRateLimiter#allow(long)}), which has no permit to report.
     */
    final void counted(boolean granted) {
        evaluated.increment();
        if (!granted) {
            wouldHaveRefused.increment();
        }
    }

    /** Whether refusals go to a listener (they then need their permit), or are only counted. */
    final boolean reportsRefusals() {
        return listener != COUNT_ONLY;
    }

    private void refused(Permit refusal) {
        wouldHaveRefused.increment();
        try {
            listener.accept(refusal);
        } catch (RuntimeException ignored) {
            // A dry run must never fail the request it observes.
        }
    }

    @Override
    public String toString() {
        return "Limiter[shadow of " + delegate() + ": " + wouldHaveRefused() + " of " + evaluated()
                + " would have been refused]";
    }

    /**
     * The grant of a request whose delegate is still deciding: what the caller does with the permit already returned
     * (settle, close, dropped) is done to the delegate's own permit once it arrives, once, whichever side comes
     * second. A refusal arriving holds nothing and needs nothing.
     */
    private static final class Deferred implements HeldPermit.Holder {

        /** The holder of a grant that holds nothing at all (the delegate refused). */
        static final Deferred NOTHING = new Deferred();

        private static final int OPEN = 0;
        private static final int CLOSED = 1;
        private static final int DROPPED = 2;

        private volatile Permit arrived;
        private volatile int end = OPEN;
        private volatile long settledTo = -1L;
        private final java.util.concurrent.atomic.AtomicBoolean settleDone =
                new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.atomic.AtomicBoolean endDone =
                new java.util.concurrent.atomic.AtomicBoolean();

        /** The delegate's decision arrived. */
        void arrived(Permit permit) {
            arrived = permit;
            applyPending();
        }

        @Override
        public void ended(HeldPermit permit, long held, boolean dropped) {
            if (this != NOTHING) {
                end = dropped ? DROPPED : CLOSED;
                applyPending();
            }
        }

        @Override
        public void settled(HeldPermit permit, long before, long after) {
            if (this != NOTHING) {
                settledTo = after;
                applyPending();
            }
        }

        /** Any count: the delegate's permit checks its own bounds when the settle is applied to it. */
        @Override
        public long maxSettle(HeldPermit permit) {
            return Long.MAX_VALUE;
        }

        /**
         * Does to the arrived permit what the caller asked. Both sides write first and then call this, through
         * volatile fields, so at least one of them sees both the permit and the request; the flags make each act
         * happen once.
         */
        private void applyPending() {
            Permit permit = arrived;
            if (permit == null || !permit.granted()) {
                return;
            }
            long settle = settledTo;
            if (settle >= 0L && settleDone.compareAndSet(false, true)) {
                permit.settle(settle);
            }
            int ended = end;
            if (ended != OPEN && endDone.compareAndSet(false, true)) {
                if (ended == CLOSED) {
                    permit.close();
                } else {
                    permit.dropped();
                }
            }
        }
    }

    /** Checks the arguments of {@link Limiters#shadow}; the dry run of a rate limiter is a rate limiter. */
    static ShadowLimiter of(Limiter delegate, Consumer<Permit> listener) {
        Arguments.requireNonNull("delegate", delegate);
        Arguments.requireNonNull("listener", listener);
        return delegate instanceof RateLimiter rate
                ? new OfRateLimiter(rate, listener)
                : new ShadowLimiter(delegate, listener);
    }

    /**
     * A dry run of a rate limiter ({@link Limiters#shadow(RateLimiter)}) that is a rate limiter itself, so code written
     * against {@link RateLimiter} runs unchanged while a new limit is measured:
     * <pre>{@code
     * RateLimiter next = engine.rateLimiter("api-v2", TokenBucket.of(10, Rate.perSecond(100)));
     * ShadowLimiter.OfRateLimiter candidate = Limiters.shadow(next);
     * if (candidate.allow()) {        // always true
     *     handle(request);
     * }
     * long wouldHaveRefused = candidate.wouldHaveRefused();
     * }</pre>
     * Everything a shadow limiter does, plus {@link #allow(long)}: the real limiter decides (and keeps its state as
     * if it enforced), a refusal is counted and reported, and the answer is always true.
     */
    public static final class OfRateLimiter extends ShadowLimiter implements RateLimiter {

        private final RateLimiter rate;

        OfRateLimiter(RateLimiter delegate, Consumer<Permit> listener) {
            super(delegate, listener);
            this.rate = delegate;
        }

        /**
         * The rate limiter evaluated in the dry run.
         *
         * @return the delegate
         */
        @Override
        public RateLimiter delegate() {
            return rate;
        }

        /**
         * Asks the real limiter for permits now and answers true, whatever it decided; a refusal is counted in
         * {@link #wouldHaveRefused()} and reported to the listener. Without a listener this allocates nothing, as the real
         * limiter's own {@code allow}; with one, the real limiter is asked with {@link #tryAcquire(long)} (the same
         * decision), so that the listener gets the refused permit.
         *
         * @param permits how many, from 1 up to the capacity of the spec
         * @return true
         * @throws IllegalArgumentException if {@code permits} is not in {@code [1, capacity]}
         */
        @Override
        public boolean allow(long permits) {
            if (reportsRefusals()) {
                tryAcquire(permits);
            } else {
                counted(rate.allow(permits));
            }
            return true;
        }
    }
}
