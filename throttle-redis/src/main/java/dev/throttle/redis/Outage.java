package dev.throttle.redis;

import dev.throttle.Acquisitions;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What every Redis limiter does when Redis cannot decide (it failed, timed out, or the breaker is open): answer by the
 * engine's {@link FailurePolicy}, count it in the engine's stats, and, for a fallback, decide with a local limiter
 * (waiting on it within the caller's wait). Shared by the rate, concurrency and composite limiters so the three
 * follow one policy.
 */
final class Outage {

    private Outage() {
    }

    /**
     * Completes {@code result} with the policy's answer.
     *
     * @param fallback the fallback limiter, made on first use; null when this limiter has none, in which case a
     *     fallback policy refuses as {@link FailurePolicy#FAIL_CLOSED} does (a composite falls back through
     *     {@link CompositeFallback} instead)
     * @param maxWait how long the caller still waits, for a fallback limiter
     */
    static void answer(RedisEngine engine, String name, long permits, long limit, long maxWait,
            Supplier<Limiter> fallback, CompletableFuture<Permit> result) {
        FailurePolicy.Kind kind = engine.failurePolicy().kind();
        if (kind == FailurePolicy.Kind.OPEN) {
            engine.stats().failOpenGrant();
            result.complete(new ShortcutPermit(name, true, permits, 0L, limit));
        } else if (kind == FailurePolicy.Kind.CLOSED || fallback == null) {
            engine.stats().failClosedRefusal();
            result.complete(refused(engine, name, permits, limit));
        } else {
            engine.stats().fallbackDecision();
            fallBack(engine, name, permits, limit, maxWait, fallback, result);
        }
    }

    /** Decides with the fallback limiter, waiting on it when the caller waits. */
    private static void fallBack(RedisEngine engine, String name, long permits, long limit, long maxWait,
            Supplier<Limiter> fallback, CompletableFuture<Permit> result) {
        try {
            Limiter local = fallback.get();
            if (permits > local.spec().capacity()) {
                // A scaled-down fallback cannot grant this at all: refuse until Redis may be back.
                result.complete(refused(engine, name, permits, limit));
            } else if (maxWait == 0L) {
                result.complete(local.tryAcquire(permits));
            } else {
                CompletableFuture<Permit> waiting = local.acquireAsync(permits, Duration.ofNanos(maxWait));
                result.whenComplete((permit, failure) -> {
                    if (result.isCancelled()) {
                        waiting.cancel(false);
                    }
                });
                waiting.whenComplete((permit, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                    } else if (!result.complete(permit)) {
                        permit.close(); // the caller withdrew meanwhile: a local lease must not stay held
                    }
                });
            }
        } catch (RuntimeException failure) {
            result.completeExceptionally(failure);
        }
    }

    /** A refusal for want of Redis, to be retried when the breaker may probe again. */
    private static Permit refused(RedisEngine engine, String name, long permits, long limit) {
        return new ShortcutPermit(name, false, permits, engine.unavailableRetryNanos(), limit);
    }

    /**
     * {@code availablePermits()} through the breaker and the decision timeout; without Redis, the policy's estimate:
     * the capacity when failing open, the fallback's estimate, and 0 when failing closed (or without a fallback).
     *
     * @param read one read-only round trip, answering the script's reply (index 2: the available permits)
     */
    static long available(RedisEngine engine, Supplier<CompletableFuture<long[]>> read, long capacity,
            Supplier<Limiter> fallback) {
        return availableOr(engine, read, capacity, fallback == null ? null : () -> fallback.get().availablePermits());
    }

    /**
     * {@link #available(RedisEngine, Supplier, long, Supplier)} with the fallback's estimate given directly (a
     * composite's is the least of its parts').
     */
    static long availableOr(RedisEngine engine, Supplier<CompletableFuture<long[]>> read, long capacity,
            LongSupplier fallbackEstimate) {
        RedisBreaker breaker = engine.breaker();
        if (breaker.allowCall()) {
            try {
                long available = Acquisitions.join(read.get().orTimeout(engine.decisionTimeoutNanos(),
                        TimeUnit.NANOSECONDS))[2];
                breaker.onSuccess();
                return available;
            } catch (RuntimeException failure) {
                engine.recordFailure(failure);
            }
        } else {
            engine.stats().shortCircuit();
        }
        switch (engine.failurePolicy().kind()) {
            case OPEN:
                return capacity;
            case CLOSED:
                return 0L;
            default:
                return fallbackEstimate == null ? 0L : fallbackEstimate.getAsLong();
        }
    }

    /**
     * A limiter's fallback, made on first use (when Redis first fails) of the spec the policy scales; null when the
     * policy does not fall back.
     */
    static Supplier<Limiter> lazyFallback(RedisEngine engine, String name, dev.throttle.LimitSpec spec) {
        FailurePolicy policy = engine.failurePolicy();
        if (policy.kind() != FailurePolicy.Kind.FALLBACK) {
            return null;
        }
        dev.throttle.LimitSpec localSpec = policy.localSpec(spec); // checked now, not during an outage
        AtomicReference<Limiter> made = new AtomicReference<>();
        return () -> {
            Limiter local = made.get();
            if (local == null) {
                made.compareAndSet(null, policy.localLimiter(name, localSpec)); // a loser's limiter has no state
                local = made.get();
            }
            return local;
        };
    }
}
