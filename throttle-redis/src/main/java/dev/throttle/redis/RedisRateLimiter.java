package dev.throttle.redis;

import dev.throttle.Acquisitions;
import dev.throttle.Arguments;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * A rate limiter whose state lives in Redis: each decision is one EVALSHA of the algorithm's script, which reads and
 * updates the state atomically. Everything is asynchronous underneath: the synchronous calls wait on the
 * asynchronous one, and a waiting acquisition holds no thread (it waits on the {@link Scheduler} for its reserved slot,
 * or to retry a refusal at its retry time, until its deadline).
 *
 * <p>Every decision takes one path: the engine's refusal cache (a refusal still running is served without a round
 * trip), then its circuit breaker (while open, Redis is not asked), then one EVALSHA bounded by the decision timeout;
 * a failure or timeout is counted against the breaker, and the request is answered by the engine's
 * {@link FailurePolicy}. A fallback limiter (the policy's local engine) is made on first use and kept by this limiter
 * (a keyed limiter's keys share the keyed fallback).
 */
final class RedisRateLimiter implements RateLimiter {

    private final String name;
    private final LimitSpec spec;
    private final Plan plan;
    private final RedisEngine engine;
    /** Supplies the failure policy's fallback limiter; null unless the policy falls back. */
    private final Supplier<Limiter> fallbackSource;
    private final AtomicReference<Limiter> fallback = new AtomicReference<>();
    /**
     * The ARGV every call shares, computed once: the clock's units, the minimum expiry and the algorithm's
     * parameters; each call copies it and fills in the clock reading, the permits, the wait and the operation.
     */
    private final String[] argvTemplate;
    /**
     * Whether this is a token or leaky bucket, which runs the standalone {@link Script#BUCKET} with its own, shorter
     * ARGV (the hot path) instead of the plan's script with the shared layout.
     */
    private final boolean bucket;
    /** The script every call of this limiter runs. */
    private final Script script;
    /** A decision's bound: the shorter of the decision timeout and the command timeout, applied as one timer. */
    private final long decisionBoundNanos;

    /**
     * @param fallback supplies the fallback limiter (a keyed limiter's key); null for one of this limiter's own
     */
    RedisRateLimiter(String name, LimitSpec spec, Plan plan, RedisEngine engine, Supplier<Limiter> fallback) {
        this.name = name;
        this.spec = spec;
        this.plan = plan;
        this.engine = engine;
        String[] params = plan.params();
        this.bucket = plan.script() == Script.GCRA;
        String[] template;
        if (bucket) {
            // bucket.lua: reading, permits, wait, interval, tolerance, queue delay ('' for a meter), least expiry.
            template = new String[] {"", "", "", params[0], params[1], "1".equals(params[2]) ? params[3] : "",
                Long.toString(engine.minExpiryMillis())};
        } else {
            template = new String[7 + params.length];
            template[0] = "";
            template[1] = Long.toString(engine.timebase().unitsPerMilli());
            template[2] = Long.toString(engine.minExpiryMillis());
            template[5] = "";
            template[6] = "";
            System.arraycopy(params, 0, template, 7, params.length);
        }
        this.argvTemplate = template;
        this.script = bucket ? Script.BUCKET : plan.script();
        this.decisionBoundNanos = engine.decisionTimeoutNanos();
        FailurePolicy policy = engine.failurePolicy();
        if (policy.kind() != FailurePolicy.Kind.FALLBACK) {
            this.fallbackSource = null;
        } else if (fallback != null) {
            this.fallbackSource = fallback;
        } else {
            LimitSpec localSpec = policy.localSpec(spec); // checked now, not during an outage
            this.fallbackSource = () -> policy.localLimiter(name, localSpec);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    @Override
    public boolean allow(long permits) {
        return tryAcquire(permits).granted();
    }

    @Override
    public Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, spec.capacity());
        return Acquisitions.join(start(permits, 0L).result);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.capacity());
        // An interrupt withdraws: the cancel stops any retry and gives back a slot already reserved, unless the grant won.
        return Acquisitions.await(start(permits, maxWaitNanos).result,
                () -> new RedisPermit(this, false, permits, 0L, 0L, spec.capacity(), 0L));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.capacity());
        return start(permits, maxWaitNanos).result;
    }

    /** Asks Redis unless the breaker is open; without Redis, the policy's estimate (0 when failing closed). */
    @Override
    public long availablePermits() {
        return Outage.available(engine, () -> decide(0L, 0L), spec.capacity(),
                fallbackSource == null ? null : this::fallback);
    }

    /** The fallback limiter, made on first use. */
    private Limiter fallback() {
        Limiter local = fallback.get();
        if (local == null) {
            fallback.compareAndSet(null, fallbackSource.get()); // a loser's limiter is unused, so has no state
            local = fallback.get();
        }
        return local;
    }

    /**
     * The engine's refusal cache, or null when it is off or this limiter follows a shared rate (its second key): a
     * raised rate may end a refusal early, which a cached refusal would not see.
     */
    private RefusalCache refusals() {
        return plan.keys().length > 1 ? null : engine.refusals();
    }

    /** The refusal cache's key of this limiter: its first Redis key (prefix, name and algorithm). */
    private String refusalKey() {
        return plan.keys()[0];
    }

    /** Starts an acquisition; its first decision is under way when this returns. */
    Acquisition start(long permits, long maxWaitNanos) {
        Acquisition acquisition = new Acquisition(permits, engine.waitClock().read() + maxWaitNanos);
        acquisition.attempt();
        return acquisition;
    }

    /**
     * One round trip: the script's answer {@code {granted, wait or retry (clock units), remaining, the script's
     * reading}}.
     */
    private CompletableFuture<long[]> decide(long permits, long maxWaitNanos) {
        return engine.runner().run(script, plan.keys(),
                argv(permits, engine.timebase().waitUnits(maxWaitNanos), "", ""), decisionBoundNanos);
    }

    /**
     * Settles a grant in one round trip: takes {@code delta} more permits (positive, debt allowed) or gives
     * {@code -delta} back (negative), with the local engine's semantics (see the scripts). Commands on the engine's
     * connection run in order, so every decision sent after this call sees the adjustment.
     *
     * @param delta permits to take (positive) or give back (negative), not 0
     * @param grantedAt the script's clock reading of the decision that granted the permits
     * @return completes when Redis has applied it
     */
    CompletableFuture<long[]> adjust(long delta, long grantedAt) {
        RefusalCache refusals = refusals();
        if (delta < 0L && refusals != null) {
            refusals.forget(refusalKey()); // permits come back: a cached refusal may no longer hold
        }
        return run(delta, 0L, "adjust", Long.toString(grantedAt));
    }

    /** Settles synchronously, for {@link RedisPermit#settle(long)}: a failure is thrown to the caller. */
    void adjustNow(long delta, long grantedAt) {
        Acquisitions.join(adjust(delta, grantedAt));
    }

    private CompletableFuture<long[]> run(long permitsOrDelta, long maxWaitUnits, String op, String grantedAt) {
        return engine.runner().run(script, plan.keys(), argv(permitsOrDelta, maxWaitUnits, op, grantedAt));
    }

    /** One call's ARGV: the shared template with this call's values. */
    private String[] argv(long permitsOrDelta, long maxWaitUnits, String op, String grantedAt) {
        if (bucket) {
            // The bucket script decides unless an eighth argument names the operation (settling ignores grantedAt).
            String[] args = op.isEmpty() ? argvTemplate.clone() : Arrays.copyOf(argvTemplate, 8);
            args[0] = engine.timebase().nowArgument();
            args[1] = Numerals.of(permitsOrDelta);
            args[2] = Numerals.of(maxWaitUnits);
            if (!op.isEmpty()) {
                args[7] = op;
            }
            return args;
        }
        String[] args = argvTemplate.clone();
        args[0] = engine.timebase().nowArgument();
        args[3] = Numerals.of(permitsOrDelta);
        args[4] = Numerals.of(maxWaitUnits);
        args[5] = op;
        args[6] = grantedAt;
        return args;
    }


    @Override
    public String toString() {
        return "RedisRateLimiter[" + name + ", " + spec + "]";
    }

    /** The reservation state of an {@link Acquisition}: a field and CAS instead of an object per acquisition. */
    private static final VarHandle RESERVATION;

    static {
        try {
            RESERVATION = MethodHandles.lookup().findVarHandle(Acquisition.class, "reservation", int.class);
        } catch (ReflectiveOperationException impossible) {
            throw new ExceptionInInitializerError(impossible);
        }
    }

    /**
     * One acquisition: a decision, then either its answer, a wait for its reserved slot, or a retry at the refusal's
     * retry time while that falls before the deadline. A reserved slot is resolved exactly once: granted when it
     * comes, or given back (one asynchronous adjust) when the acquisition is cancelled first; a grant that finds the
     * acquisition already cancelled is given back too.
     */
    final class Acquisition implements BiConsumer<long[], Throwable> {
        private static final int NOTHING_RESERVED = 0;
        private static final int RESERVED = 1;
        private static final int RESOLVED = 2;

        /** The outcome. */
        final CompletableFuture<Permit> result = new Outcome();
        /** Completes once the first decision has been handled (tests use it to keep a manual clock in step). */
        final CompletableFuture<Void> firstDecision = new CompletableFuture<>();
        private final long permits;
        private final long deadline;
        /** NOTHING_RESERVED, RESERVED or RESOLVED; changed through {@link #RESERVATION}. */
        private volatile int reservation;
        private volatile Scheduler.Cancellable pending;
        private volatile long reservedAt;
        /**
         * The attempt in flight: when it was asked and the wait it allowed. Attempts never overlap (a retry is
         * scheduled only once an answer arrived), and these are written before the answer's handler is attached.
         */
        private long askedAt;
        private long maxWait;

        Acquisition(long permits, long deadline) {
            this.permits = permits;
            this.deadline = deadline;
        }

        void attempt() {
            if (result.isDone()) {
                firstDecision.complete(null);
                return;
            }
            long askedAt = engine.waitClock().read();
            long maxWait = Math.max(0L, deadline - askedAt);
            engine.stats().decision();
            RefusalCache refusals = refusals();
            if (refusals != null) {
                long refusedFor = refusals.refusedFor(refusalKey(), spec, permits, askedAt);
                if (refusedFor > maxWait) {
                    // Redis would refuse too: the same or more permits, before the cached refusal's retry time.
                    engine.stats().refusalCacheHit();
                    result.complete(new ShortcutPermit(name, false, permits, refusedFor, spec.capacity()));
                    firstDecision.complete(null);
                    return;
                }
            }
            if (!engine.breaker().allowCall()) {
                engine.stats().shortCircuit();
                try {
                    unavailable(maxWait);
                } finally {
                    firstDecision.complete(null);
                }
                return;
            }
            CompletableFuture<long[]> decision;
            try {
                decision = decide(permits, maxWait);
            } catch (RuntimeException failure) {
                result.completeExceptionally(failure);
                firstDecision.complete(null);
                return;
            }
            this.askedAt = askedAt;
            this.maxWait = maxWait;
            decision.whenComplete(this); // the decision's bound is applied by the runner
        }

        /** The answer of the attempt in flight (or its failure or timeout). */
        @Override
        public void accept(long[] answer, Throwable failure) {
            try {
                if (failure != null) {
                    engine.recordFailure(failure);
                    unavailable(maxWait);
                } else {
                    engine.breaker().onSuccess();
                    onDecision(answer, askedAt);
                }
            } finally {
                firstDecision.complete(null);
            }
        }

        /** Answers by the failure policy: Redis failed, timed out, or the breaker is open. */
        private void unavailable(long maxWait) {
            Outage.answer(engine, name, permits, spec.capacity(), maxWait,
                    fallbackSource == null ? null : RedisRateLimiter.this::fallback, result);
        }

        private void onDecision(long[] answer, long askedAt) {
            Timebase time = engine.timebase();
            long waitOrRetry = time.nanos(answer[1]);
            if (answer[0] == 1L) {
                Permit granted = new RedisPermit(RedisRateLimiter.this, true, permits, 0L, answer[2],
                        spec.capacity(), answer[3]);
                if (waitOrRetry == 0L) {
                    if (!result.complete(granted)) {
                        giveBack(answer[3]); // cancelled while the decision was on its way
                    }
                } else {
                    // A reserved slot: completes when it comes, or is given back if cancelled first.
                    reservedAt = answer[3];
                    reservation = RESERVED;
                    schedule(() -> grantReserved(granted), askedAt + waitOrRetry);
                    if (result.isCancelled()) {
                        withdraw(); // the cancel hook may have run before the reservation was visible to it
                    }
                }
                return;
            }
            Permit refused = new RedisPermit(RedisRateLimiter.this, false, permits, waitOrRetry, answer[2],
                    spec.capacity(), answer[3]);
            RefusalCache refusals = refusals();
            if (refusals != null) {
                refusals.record(refusalKey(), spec, permits, waitOrRetry, askedAt);
            }
            if (!plan.reserves() && waitOrRetry <= deadline - askedAt) {
                schedule(this::attempt, askedAt + waitOrRetry);
            } else {
                result.complete(refused);
            }
        }

        /** Runs {@code task} when the wait clock reaches {@code at} (at once if it already has). */
        private void schedule(Runnable task, long at) {
            long delay = Math.max(0L, at - engine.waitClock().read());
            pending = engine.scheduler().schedule(task, delay);
            if (result.isCancelled()) {
                // The cancel hook may have run before the task was visible to it.
                cancelPending();
            }
        }

        private void grantReserved(Permit granted) {
            if (RESERVATION.compareAndSet(this, RESERVED, RESOLVED) && !result.complete(granted)) {
                giveBack(reservedAt);
            }
        }

        /** Stops any pending retry or slot, and gives a reserved slot back if it is still unresolved. */
        private void withdraw() {
            cancelPending();
            if (RESERVATION.compareAndSet(this, RESERVED, RESOLVED)) {
                giveBack(reservedAt);
            }
        }

        /**
         * Gives the permits back without waiting (it may run on a caller's cancel): later decisions on the engine's
         * connection see it. If Redis fails, the permits stay taken, which never over-admits.
         */
        private void giveBack(long grantedAt) {
            try {
                adjust(-permits, grantedAt);
            } catch (RuntimeException failure) {
                // A ticker reading out of range: the permits stay taken, which never over-admits.
            }
        }

        private void cancelPending() {
            Scheduler.Cancellable task = pending;
            if (task != null) {
                task.cancel();
            }
        }

        /**
         * The acquisition's outcome, which withdraws it when cancelled: a hook in the future itself rather than a
         * dependent stage, so that completing an acquisition runs no extra stage.
         */
        private final class Outcome extends CompletableFuture<Permit> {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                if (isCancelled()) {
                    withdraw();
                }
                return cancelled;
            }

            @Override
            public boolean completeExceptionally(Throwable failure) {
                boolean completed = super.completeExceptionally(failure);
                if (isCancelled()) {
                    withdraw(); // a cancellation given as a CancellationException
                }
                return completed;
            }
        }
    }
}
