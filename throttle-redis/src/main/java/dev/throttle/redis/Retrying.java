package dev.throttle.redis;

import dev.throttle.Permit;
import dev.throttle.Scheduler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A waiting acquisition of a limiter that never reserves (a concurrency limit, a composite): one decision, then, while
 * refused and before the deadline, another one later on the engine's {@link Scheduler}. A refusal says when to try
 * again: exactly (a rate limit's retry time: a retry beyond the deadline is not attempted, the refusal is answered at
 * once) or as a hint (a concurrency limit, whose permits may be released any time: it is retried at the hint, at most
 * the poll interval, until the deadline). There is no queue: waiters on Redis are not served in arrival order.
 *
 * <p>Each decision takes the rate limiter's path: the engine's circuit breaker (while open, Redis is not asked), then
 * one round trip bounded by the decision timeout; a failure or timeout counts against the breaker, and the request is
 * answered at once by the limiter's {@link Unavailable} (the engine's {@link FailurePolicy}, see {@link Outage}). A
 * grant that arrives after its decision timed out (but within the engine's command timeout, after which Lettuce
 * drops the answer) is withdrawn, so a lease is not held for nothing until it expires.
 */
final class Retrying {

    /**
     * One decision.
     *
     * @param permit the answer (granted, or refused)
     * @param retryNanos when refused, how long until a retry; {@link Permit#NEVER} for never
     * @param exact whether the retry time is exact (a rate limit) rather than a hint (a concurrency limit)
     */
    record Outcome(Permit permit, long retryNanos, boolean exact) {
    }

    /** A permit that can be handed back when its acquisition was cancelled before the grant arrived. */
    interface Withdrawable {
        /** Gives back everything the grant took, without waiting. */
        void withdraw();
    }

    /** Answers a request Redis could not decide, by the failure policy. */
    interface Unavailable {
        /**
         * Completes {@code result} with the policy's answer.
         *
         * @param maxWaitNanos how long the caller still waits
         */
        void answer(long maxWaitNanos, CompletableFuture<Permit> result);
    }

    /** Refuses, in this JVM, a request the engine's refusal cache knows Redis would refuse. */
    interface Cached {
        /**
         * The cached refusal of a request, if any.
         *
         * @param now the wait clock's reading
         * @param maxWaitNanos how long the caller still waits (a refusal it could outwait goes to Redis)
         * @return the refusal, or null when the request must go to Redis
         */
        Permit refusal(long now, long maxWaitNanos);
    }

    private final RedisEngine engine;
    private final Supplier<CompletableFuture<Outcome>> decide;
    private final Cached cached;
    private final Unavailable unavailable;
    private final long deadline;
    private final CompletableFuture<Permit> result = new CompletableFuture<>();
    private volatile Scheduler.Cancellable pending;

    private Retrying(RedisEngine engine, Supplier<CompletableFuture<Outcome>> decide, Cached cached,
            Unavailable unavailable, long deadline) {
        this.engine = engine;
        this.decide = decide;
        this.cached = cached;
        this.unavailable = unavailable;
        this.deadline = deadline;
    }

    /**
     * Starts an acquisition; its first decision is under way when this returns.
     *
     * @param decide one round trip to Redis
     * @param unavailable answers when Redis cannot (failed, timed out, breaker open)
     * @param maxWaitNanos how long to keep trying
     * @return the outcome; cancelling it stops the retries and gives back a grant that arrives afterwards
     */
    static CompletableFuture<Permit> start(RedisEngine engine, Supplier<CompletableFuture<Outcome>> decide,
            Unavailable unavailable, long maxWaitNanos) {
        return start(engine, decide, null, unavailable, maxWaitNanos);
    }

    /**
     * {@link #start(RedisEngine, Supplier, Unavailable, long)} that first asks {@code cached} (null for none) at
     * each attempt, before the breaker.
     */
    static CompletableFuture<Permit> start(RedisEngine engine, Supplier<CompletableFuture<Outcome>> decide,
            Cached cached, Unavailable unavailable, long maxWaitNanos) {
        Retrying acquisition = new Retrying(engine, decide, cached, unavailable,
                engine.waitClock().read() + maxWaitNanos);
        acquisition.result.whenComplete((permit, failure) -> {
            if (acquisition.result.isCancelled()) {
                acquisition.cancelPending();
            }
        });
        acquisition.attempt();
        return acquisition.result;
    }

    private void attempt() {
        if (result.isDone()) {
            return;
        }
        long askedAt = engine.waitClock().read();
        long maxWait = Math.max(0L, deadline - askedAt);
        engine.stats().decision();
        if (cached != null) {
            Permit refusal = cached.refusal(askedAt, maxWait);
            if (refusal != null) {
                engine.stats().refusalCacheHit();
                result.complete(refusal);
                return;
            }
        }
        if (!engine.breaker().allowCall()) {
            engine.stats().shortCircuit();
            unavailable.answer(maxWait, result);
            return;
        }
        CompletableFuture<Outcome> decision;
        try {
            decision = decide.get();
        } catch (RuntimeException failure) {
            result.completeExceptionally(failure);
            return;
        }
        // The timeout ends a copy, so a late answer still reaches the decision itself (and is withdrawn below).
        decision.copy().orTimeout(engine.decisionTimeoutNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((outcome, failure) -> {
                    if (failure != null) {
                        engine.recordFailure(failure);
                        decision.thenAccept(Retrying::withdrawLate);
                        unavailable.answer(maxWait, result);
                    } else {
                        engine.breaker().onSuccess();
                        onDecision(outcome, askedAt);
                    }
                });
    }

    /** Gives back a grant that came after its decision had timed out and been answered by the policy. */
    private static void withdrawLate(Outcome late) {
        if (late.permit().granted() && late.permit() instanceof Withdrawable withdrawable) {
            withdrawable.withdraw();
        }
    }

    private void onDecision(Outcome outcome, long askedAt) {
        Permit permit = outcome.permit();
        if (permit.granted()) {
            if (!result.complete(permit) && permit instanceof Withdrawable withdrawable) {
                withdrawable.withdraw(); // cancelled while the decision was on its way
            }
            return;
        }
        long left = deadline - askedAt;
        long retry = outcome.retryNanos();
        if (retry == Permit.NEVER || left <= 0L || (outcome.exact() && retry > left)) {
            result.complete(permit);
            return;
        }
        long at = askedAt + Math.min(retry, left);
        pending = engine.scheduler().schedule(this::attempt, Math.max(0L, at - engine.waitClock().read()));
        if (result.isCancelled()) {
            cancelPending(); // the cancel hook may have run before the task was visible to it
        }
    }

    private void cancelPending() {
        Scheduler.Cancellable task = pending;
        if (task != null) {
            task.cancel();
        }
    }

    /**
     * The arguments of a script call: {@code ARGV[1..7]} (see common.lua) followed by {@code tail}.
     *
     * @throws IllegalStateException if a client ticker's reading is out of the scripts' range
     */
    static String[] args(RedisEngine engine, long permitsOrDelta, String op, String grantedAt, String... tail) {
        Timebase time = engine.timebase();
        String[] args = new String[7 + tail.length];
        args[0] = time.nowArgument();
        args[1] = Long.toString(time.unitsPerMilli());
        args[2] = Long.toString(engine.minExpiryMillis());
        args[3] = Long.toString(permitsOrDelta);
        args[4] = "0"; // these limiters never reserve a future slot
        args[5] = op;
        args[6] = grantedAt;
        System.arraycopy(tail, 0, args, 7, tail.length);
        return args;
    }
}
