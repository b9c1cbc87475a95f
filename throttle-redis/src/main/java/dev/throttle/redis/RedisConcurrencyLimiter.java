package dev.throttle.redis;

import dev.throttle.Acquisitions;
import dev.throttle.Arguments;
import dev.throttle.Concurrency;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A concurrency limit (bulkhead) shared through Redis, with leases: each grant adds a lease (a random id generated
 * here, holding its permits) that expires one lease TTL after its grant ({@link RedisEngine.Builder#leaseTtl}), so a
 * client that crashes, or never closes its permit, holds its permits at most that long. Closing the permit ends the
 * lease: one asynchronous round trip, not awaited, whose failure is ignored (the lease expires anyway).
 *
 * <p>Leases are not renewed: work that outlives the TTL loses its permits to others, so the TTL must exceed the
 * longest use of a permit. A refusal says to retry after 1 ns, as the local engine does ("as soon as a permit is
 * released"). Waiting ({@link #acquire}) polls: a refused request is asked again at the earliest lease expiry, at
 * most every {@value #POLL_MILLIS} ms, until its deadline. There is no queue on Redis: waiters are not served in
 * arrival order (the spec's queue order does not apply), and the queue bound is not enforced across clients; as in
 * the local engine, a spec with {@code maxQueue} 0 does not wait at all.
 *
 * <p>When Redis cannot decide (it failed, did not answer within the decision timeout, or the breaker is open), a
 * request follows the engine's {@link FailurePolicy}, as a rate limiter's does: failing open grants a permit that
 * holds nothing in Redis (closing it does nothing); failing closed refuses; a fallback decides with a local limiter
 * of this spec with its limit scaled by the share (made on first use by the fallback engine) and returns its permit.
 * A grant that reaches this JVM after its decision timed out is given back at once (one that comes after the
 * command timeout is lost to Lettuce, and its leases expire after the lease TTL).
 */
final class RedisConcurrencyLimiter implements Limiter {

    /** The longest pause between two attempts of a waiting acquisition. */
    static final long POLL_MILLIS = 10L;

    /** A refusal's retry time, as in the local engine: unknown, as soon as a permit is released. */
    private static final long RETRY_WHEN_RELEASED = 1L;

    private final String name;
    private final Concurrency spec;
    private final Plan plan;
    private final RedisEngine engine;
    /** The failure policy's fallback limiter, made on first use; null unless the policy falls back. */
    private final Supplier<Limiter> fallback;

    RedisConcurrencyLimiter(String name, Concurrency spec, Plan plan, RedisEngine engine) {
        this.name = name;
        this.spec = spec;
        this.plan = plan;
        this.engine = engine;
        this.fallback = Outage.lazyFallback(engine, name, spec);
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
    public Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, spec.limit());
        return Acquisitions.join(start(permits, 0L));
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        CompletableFuture<Permit> pending = acquireAsync(permits, maxWait);
        return Acquisitions.await(pending, () -> refused(permits, 0L));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.limit());
        return start(permits, spec.maxQueue() == 0 ? 0L : maxWaitNanos);
    }

    /** Asks Redis unless the breaker is open; without Redis, the policy's estimate (0 when failing closed). */
    @Override
    public long availablePermits() {
        return Outage.available(engine, () -> run(0L, "", ""), spec.limit(), fallback);
    }

    private CompletableFuture<Permit> start(long permits, long maxWaitNanos) {
        return Retrying.start(engine, () -> decide(permits),
                (maxWait, result) -> Outage.answer(engine, name, permits, spec.limit(), maxWait, fallback, result),
                maxWaitNanos);
    }

    /** One round trip: a new lease for {@code permits}, granted or refused. */
    private CompletableFuture<Retrying.Outcome> decide(long permits) {
        String lease = UUID.randomUUID().toString();
        return run(permits, "", lease).thenApply(answer -> {
            if (answer[0] == 1L) {
                return new Retrying.Outcome(new LeasePermit(this, lease, permits, answer[2], spec.limit()), 0L, true);
            }
            long hint = Math.min(engine.timebase().nanos(answer[1]), POLL_MILLIS * 1_000_000L);
            return new Retrying.Outcome(refused(permits, answer[2]), hint, false);
        });
    }

    private Permit refused(long permits, long remaining) {
        return new RefusedPermit(name, permits, RETRY_WHEN_RELEASED, remaining, spec.limit());
    }

    /** Ends a lease without waiting; if Redis fails, the lease expires by itself. */
    void release(String lease) {
        try {
            run(0L, "release", lease).exceptionally(failure -> null);
        } catch (RuntimeException failure) {
            // A ticker reading out of range: the lease expires by itself.
        }
    }

    /** Shrinks a lease by {@code -delta} permits (to nothing: ends it), and waits for Redis to apply it. */
    void shrink(String lease, long delta) {
        Acquisitions.join(run(delta, "adjust", lease));
    }

    private CompletableFuture<long[]> run(long permitsOrDelta, String op, String lease) {
        String[] params = plan.params();
        String[] tail = new String[params.length + 1];
        System.arraycopy(params, 0, tail, 0, params.length);
        tail[params.length] = lease;
        return engine.runner().run(plan.script(), plan.keys(), Retrying.args(engine, permitsOrDelta, op, "", tail));
    }

    @Override
    public String toString() {
        return "RedisConcurrencyLimiter[" + name + ", " + spec + "]";
    }
}
