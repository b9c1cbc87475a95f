package dev.throttle.redis;

import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.HeldPermit;
import dev.throttle.kernel.Permits;
import dev.throttle.kernel.RatePermit;
import dev.throttle.kernel.RefusedPermit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One request to a Redis limiter: the kernel's waiting loop ({@link Acquisition}) with the one path every Redis
 * decision takes. Each attempt asks, in order:
 * <ol>
 *   <li>the engine's refusal cache: a refusal still running (and longer than the caller waits) is answered in this
 *   JVM, without a round trip;</li>
 *   <li>the engine's circuit breaker: while it is open Redis is not asked, and the failure policy answers;</li>
 *   <li>Redis: one asynchronous script call, bounded by the decision timeout. Its answer ends the attempt in a grant,
 *   a reserved slot (a bucket's), a retry at the refusal's retry time while that is before the deadline, or the
 *   refusal. A failure or a timeout counts against the breaker, and the failure policy answers.</li>
 * </ol>
 * The failure policy answers at once: failing open grants a permit that holds nothing in Redis, failing closed refuses
 * until the breaker may probe again, and a fallback follows the fallback limiter's own acquisition within the caller's
 * wait. A grant whose answer reaches this JVM after its decision timed out is withdrawn, so that nothing is held, or
 * counted, for a caller that got the policy's answer instead.
 *
 * <p>A subclass says how its limiter asks Redis ({@link #ask(long)}), what an answer means ({@link #answered}),
 * which grant an answer made ({@link #granted(long[])}), and what its limiter answers without Redis.
 */
abstract class RedisAcquisition extends Acquisition implements BiConsumer<long[], Throwable>, ScriptRunner.Late {

    /** What a grant made without Redis holds: nothing, so ending or settling it changes nothing anywhere. */
    static final HeldPermit.Holder HOLDS_NOTHING = new HeldPermit.Holder() {
        @Override
        public void ended(HeldPermit permit, long held, boolean dropped) {
            // Nothing is held in Redis.
        }

        @Override
        public void settled(HeldPermit permit, long before, long after) {
            // Nothing was taken in Redis.
        }

        /** Nothing was taken, so nothing bounds a settlement (as for a rate grant made without Redis). */
        @Override
        public long maxSettle(HeldPermit permit) {
            return Long.MAX_VALUE;
        }
    };

    /** The engine's collaborators. */
    final RedisContext context;
    /**
     * The attempt in flight: when it was asked, on the wait clock. Attempts never overlap (a retry is scheduled only
     * once an answer was handled), and it is written before the call is sent, so the answer's handler reads it.
     */
    private long askedAt;
    /**
     * The clock's reading when the request was made, which its first attempt (made right after, by {@link #start()})
     * uses as its own: a clock read costs tens of nanoseconds in some virtual machines, and a decision made a few
     * nanoseconds earlier is the same decision. Later attempts (retries) read the clock.
     */
    private final long createdAt;
    /** Whether an attempt was made: attempts never overlap, and a retry is scheduled after the one before it. */
    private boolean attempted;
    /** Set once the first attempt has been answered, for {@link #firstDecision()}. */
    private volatile boolean decided;
    private volatile CompletableFuture<Void> firstDecision;

    /**
     * A request for {@code permits} that waits at most {@code maxWaitNanos}.
     *
     * @param context the engine's collaborators
     * @param permits the permits asked for
     * @param maxWaitNanos how long to keep trying, 0 or more
     */
    RedisAcquisition(RedisContext context, long permits, long maxWaitNanos) {
        this(context, permits, maxWaitNanos, context.waitClock().read());
    }

    private RedisAcquisition(RedisContext context, long permits, long maxWaitNanos, long createdAt) {
        super(permits, deadlineAfter(createdAt, maxWaitNanos), context.waitClock(), context.scheduler());
        this.context = context;
        this.createdAt = createdAt;
    }

    /** The refusal cache, then the breaker, then one script call whose answer comes to {@link #accept}. */
    @Override
    protected final void attempt() {
        long now;
        if (attempted) {
            now = clock.read();
        } else {
            attempted = true;
            now = createdAt;
        }
        long maxWait = left(now);
        context.stats().decision();
        boolean sent = false;
        try {
            Permit cached = cachedRefusal(now, maxWait);
            if (cached != null) {
                // Redis would refuse too: the same or more permits, before the cached refusal's retry time.
                context.stats().refusalCacheHit();
                refuse(cached);
                return;
            }
            if (!context.breaker().allowCall()) {
                context.stats().shortCircuit();
                unavailable(maxWait, null);
                return;
            }
            askedAt = now;
            CompletableFuture<long[]> call = ask(maxWait);
            sent = true;
            if (call instanceof Deadlines.Timed<long[]> timed) {
                timed.listen(this); // as whenComplete, without its two objects per decision
            } else {
                call.whenComplete(this);
            }
        } catch (RuntimeException | Error failure) {
            fail(failure);
        } finally {
            if (!sent) {
                markDecided(); // answered (or handed to the fallback) without a round trip
            }
        }
    }

    /**
     * When the attempt in flight was asked, as a {@link System#nanoTime()} reading for its timeout: its own reading
     * when the wait clock is the system's (no second read), else a fresh one.
     *
     * @return a {@link System#nanoTime()} reading
     */
    final long askedAtNanoTime() {
        return clock == Ticker.system() ? askedAt : System.nanoTime();
    }

    /**
     * The answer of the attempt in flight, or its failure or timeout.
     *
     * @param answer the script's answer in the common shape, or null on failure
     * @param failure the failure, or null
     */
    @Override
    public final void accept(long[] answer, Throwable failure) {
        try {
            if (failure != null) {
                context.recordFailure(failure);
                abandoned();
                unavailable(left(askedAt), failure);
            } else {
                context.answered();
                answered(answer, askedAt);
            }
        } catch (RuntimeException | Error error) {
            fail(error);
        } finally {
            markDecided();
        }
    }

    /**
     * An answer that came after its call timed out, when the policy had answered already: its grant is withdrawn.
     *
     * @param answer the late answer
     */
    @Override
    public final void lateAnswer(long[] answer) {
        context.answeredLate();
        Permit late = granted(answer);
        if (late != null) {
            Permits.withdraw(late);
        }
    }

    /**
     * The attempt in flight failed or timed out here, yet Redis may have run it, or may still: its reply may come late,
     * or never (a connection reset loses it). Default: nothing, as a rate grant nobody hears of only counts permits
     * until its window or interval passes. A limiter whose grants are held (leases) undoes the attempt here.
     */
    void abandoned() {
    }

    /**
     * A refusal the engine's refusal cache holds for this request, or null when Redis must be asked. Default: none.
     *
     * @param now the wait clock's reading
     * @param maxWait how long the caller still waits (a refusal it could outwait goes to Redis)
     * @return the refusal, or null
     */
    Permit cachedRefusal(long now, long maxWait) {
        return null;
    }

    /**
     * Sends this attempt's script call, bounded by the decision timeout, with this acquisition as its late answers'
     * recipient ({@link RedisContext#decide}).
     *
     * @param maxWait how long the caller still waits: the longest wait a reserved slot may have
     * @return the answer, in the common shape
     */
    abstract CompletableFuture<long[]> ask(long maxWait);

    /**
     * Ends the attempt by Redis's answer: a grant, a reserved slot, a retry or the refusal.
     *
     * @param answer the script's answer
     * @param askedAt the wait clock's reading when it was asked
     */
    abstract void answered(long[] answer, long askedAt);

    /**
     * The grant of an answer of this acquisition's call, or null for a refusal: for giving back a late one.
     *
     * @param answer the script's answer
     * @return the permit the answer granted, or null
     */
    abstract Permit granted(long[] answer);

    /**
     * The name a policy's permit carries: the limiter's.
     *
     * @return the name
     */
    abstract String name();

    /**
     * The limit a policy's permit carries: the limiter's capacity.
     *
     * @return the limit
     */
    abstract long limit();

    /**
     * Whether the limiter's grants are rate grants (spent when granted) rather than held until closed.
     *
     * @return true for a rate limit
     */
    abstract boolean rate();

    /**
     * The fallback limiter of a fallback policy, or null when this limiter has none (then the policy refuses as
     * failing closed does).
     *
     * @return the supplier of the fallback limiter, made on first use
     */
    abstract Supplier<Limiter> fallback();

    /**
     * Answers by the failure policy: Redis failed, timed out, or the breaker is open.
     *
     * @param maxWait how long the caller still waits, for a fallback limiter
     * @param failure the round trip's failure, or null when the breaker kept the decision from asking Redis
     */
    private void unavailable(long maxWait, Throwable failure) {
        context.policyAnswers(failure, true);
        FailurePolicy.Kind kind = context.failurePolicy().kind();
        Supplier<Limiter> fallback = kind == FailurePolicy.Kind.FALLBACK ? fallback() : null;
        if (kind == FailurePolicy.Kind.OPEN) {
            context.stats().failOpenGrant();
            grant(rate()
                    ? new RatePermit(name(), permits, 0L, limit(), RatePermit.Account.NONE, 0L)
                    : new HeldPermit(name(), permits, 0L, limit(), HOLDS_NOTHING, 0L, 0L));
        } else if (fallback == null) {
            context.stats().failClosedRefusal();
            refuse(unavailableRefusal());
        } else {
            context.stats().fallbackDecision();
            fallBack(fallback.get(), maxWait);
        }
    }

    /**
     * Decides with the fallback limiter: follows its own acquisition, within the caller's wait (for a caller that does
     * not wait, an immediate decision).
     */
    private void fallBack(Limiter local, long maxWait) {
        if (permits > local.spec().capacity()) {
            // A scaled-down fallback cannot grant this at all: refuse until Redis may be back.
            refuse(unavailableRefusal());
            return;
        }
        follow(local.acquireAsync(permits, Duration.ofNanos(maxWait)), (permit, failure) -> {
            if (failure != null) {
                failUnlessCancelled(failure);
            } else if (permit.granted()) {
                grant(permit);
            } else {
                refuse(permit);
            }
        });
    }

    /** A refusal for want of Redis, to be retried when the breaker may probe again. */
    private Permit unavailableRefusal() {
        return RefusedPermit.of(name(), permits, context.unavailableRetryNanos(), 0L, limit());
    }

    /**
     * Completes once the first attempt has been answered (the future may still wait for a slot or a retry): tests on
     * a manual clock use it to keep the clock in step with Redis's asynchronous answers.
     *
     * @return the future
     */
    final CompletableFuture<Void> firstDecision() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        firstDecision = first;
        if (decided) {
            first.complete(null);
        }
        return first;
    }

    private void markDecided() {
        decided = true;
        CompletableFuture<Void> first = firstDecision;
        if (first != null) {
            first.complete(null);
        }
    }
}
