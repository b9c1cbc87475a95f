package dev.throttle.local;

import dev.throttle.ForwardingLimiter;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * A dry run of a limit: every request is evaluated by the real limiter (the delegate), which keeps its state as if
 * it enforced it, but every request is granted, and the refusals are only counted and reported. Use it to learn
 * what a new limit would refuse before enforcing it.
 *
 * <p>When the delegate grants, its own permit is returned, so it is released, settled and reported as usual. When
 * it refuses, a granted permit holding nothing is returned. A dry run never makes a request wait: a request that
 * would have waited ({@link #acquire}, {@link #acquireAsync}) is granted at once while the delegate waits on its
 * own; its eventual refusal is reported then, and its eventual permit is ended (or settled) as the caller ended the
 * permit already returned.
 */
public final class ShadowLimiter extends ForwardingLimiter {

    private final ShadowListener listener;
    private final LongAdder evaluated = new LongAdder();
    private final LongAdder wouldHaveRefused = new LongAdder();

    ShadowLimiter(Limiter delegate, ShadowListener listener) {
        super(delegate);
        this.listener = listener;
    }

    /**
     * The limiter evaluated in the dry run.
     *
     * @return the delegate
     */
    @Override
    public Limiter delegate() {
        return super.delegate();
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
        DeferredPermit deferred = new DeferredPermit(name(), permits, delegate().availablePermits(),
                spec().capacity());
        pending.whenComplete((permit, failure) -> {
            if (permit != null) {
                if (!permit.granted()) {
                    refused(permit);
                }
                deferred.arrived(permit);
            }
        });
        return CompletableFuture.completedFuture(deferred);
    }

    private Permit judged(Permit decision) {
        if (decision.granted()) {
            return decision;
        }
        refused(decision);
        return EmptyPermit.granted(decision.limiter(), decision.permits(), decision.remaining(), decision.limit());
    }

    private void refused(Permit refusal) {
        wouldHaveRefused.increment();
        try {
            listener.wouldRefuse(refusal);
        } catch (RuntimeException ignored) {
            // A dry run must never fail the request it observes.
        }
    }

    @Override
    public String toString() {
        return "Limiter[shadow of " + delegate() + ": " + wouldHaveRefused() + " of " + evaluated()
                + " would have been refused]";
    }
}
