package dev.throttle.redis;

import dev.throttle.Concurrency;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.Durations;
import dev.throttle.kernel.HeldPermit;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.kernel.SpecText;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A concurrency limit (bulkhead) shared through Redis, with leases: each grant adds a lease (a random id generated
 * here, holding its permits) that expires one lease TTL after its grant ({@link RedisEngine.Builder#leaseTtl}), so a
 * client that crashes, or never closes its permit, holds its permits at most that long. Its grants are the kernel's
 * {@link HeldPermit}s, the lease id their {@link HeldPermit#tag() tag} and this limiter their
 * {@link HeldPermit.Holder}: ending a permit ends its lease (one asynchronous round trip, not awaited, whose failure is
 * ignored: the lease expires anyway); settling it below its grant shrinks the lease (one round trip, awaited); a
 * withdrawn grant ends its lease without waiting.
 *
 * <p>Leases are not renewed: work that outlives the TTL loses its permits to others, so the TTL must exceed the
 * longest use of a permit. A refusal says to retry after 1 ns, as the local engine does ("as soon as a permit is
 * released"). Waiting ({@link #acquire}) polls: a refused request is asked again at the earliest lease expiry, at
 * most every 10 ms, until its deadline. There is no queue on Redis: waiters are not served in arrival order (the
 * spec's queue order does not apply), and the queue bound is not enforced across clients; as in the local engine, a
 * spec with {@code maxQueue} 0 does not wait at all.
 *
 * <p>When Redis cannot decide, a request follows the engine's {@link FailurePolicy} (see {@link RedisAcquisition}):
 * failing open grants a permit that holds nothing in Redis (closing it does nothing); failing closed refuses; a
 * fallback decides with a local limiter of this spec with its limit scaled by the share and returns its permit.
 */
final class RedisConcurrencyLimiter implements Limiter, HeldPermit.Holder {

    private final String name;
    private final Concurrency spec;
    private final Plan plan;
    private final RedisContext context;
    /** The failure policy's fallback limiter, made on first use; null unless the policy falls back. */
    private final Supplier<Limiter> fallback;

    RedisConcurrencyLimiter(String name, Concurrency spec, Plan plan, RedisContext context,
            Supplier<Limiter> fallback) {
        this.name = name;
        this.spec = spec;
        this.plan = plan;
        this.context = context;
        this.fallback = fallback;
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
        return Acquisition.join(new Waiting(permits, 0L).start());
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        CompletableFuture<Permit> pending = acquireAsync(permits, maxWait);
        return Acquisition.await(pending, () -> RefusedPermit.untilReleased(name, permits, 0L, spec.limit()));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.limit());
        return new Waiting(permits, spec.maxQueue() == 0 ? 0L : maxWaitNanos).start();
    }

    /** Asks Redis unless the breaker is open; without Redis, the policy's estimate (0 when failing closed). */
    @Override
    public long availablePermits() {
        return context.available(() -> context.decide(plan.script(), plan.keys(), args(0L, "", ""), null),
                spec.limit(), fallback);
    }

    /** A permit ended (closed or dropped: a plain bulkhead does not adapt): its lease ends, without waiting. */
    @Override
    public void ended(HeldPermit permit, long held, boolean dropped) {
        if (held > 0L) {
            release(permit.tag());
        }
    }

    /** A permit settled below its grant: its lease shrinks, and Redis has applied it when this returns. */
    @Override
    public void shrunk(HeldPermit permit, long released) {
        Acquisition.join(run(-released, "adjust", RedisContext.leaseText(permit.tag())));
    }

    /** Ends a lease without waiting; if Redis fails, the lease expires by itself. */
    private void release(long lease) {
        try {
            run(0L, "release", RedisContext.leaseText(lease)).exceptionally(failure -> null);
        } catch (RuntimeException failure) {
            // A ticker reading out of range: the lease expires by itself.
        }
    }

    private CompletableFuture<long[]> run(long permitsOrDelta, String op, String lease) {
        return context.runner().run(plan.script(), plan.keys(), args(permitsOrDelta, op, lease));
    }

    /** The shared-layout arguments, then the limit, the lease TTL and the lease id. */
    private String[] args(long permitsOrDelta, String op, String lease) {
        String[] params = plan.params();
        String[] tail = new String[params.length + 1];
        System.arraycopy(params, 0, tail, 0, params.length);
        tail[params.length] = lease;
        return context.args(permitsOrDelta, op, "", tail);
    }

    /**
     * The limiter for logs: its name, its spec in words, its leases' time to live and where Redis is, for example
     * {@code RedisLimiter[db: concurrency 20, leases of 30 s on redis://127.0.0.1:6379]}. Asks nothing of Redis.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "RedisLimiter[" + name + ": " + SpecText.describe(spec) + ", leases of "
                + Durations.text(context.leaseTtlNanos()) + " on " + context.where() + "]";
    }

    /**
     * One request: a new lease per attempt, granted or refused; a refusal is retried at its hint (the earliest lease
     * expiry), at most the poll interval later, while time is left.
     */
    private final class Waiting extends RedisAcquisition {

        /** The lease id of the attempt in flight. */
        private long lease;

        Waiting(long permits, long maxWaitNanos) {
            super(RedisConcurrencyLimiter.this.context, permits, maxWaitNanos);
        }

        @Override
        CompletableFuture<long[]> ask(long maxWait) {
            lease = context.newLease();
            return context.decide(plan.script(), plan.keys(), args(permits, "", RedisContext.leaseText(lease)), this);
        }

        @Override
        void answered(long[] answer, long askedAt) {
            if (answer[0] == 1L) {
                grant(permitOf(answer));
                return;
            }
            long hint = Math.min(context.timebase().nanos(answer[1]), RedisContext.POLL_NANOS);
            retry(RefusedPermit.untilReleased(name, permits, answer[2], spec.limit()), hint, askedAt, false);
        }

        @Override
        Permit granted(long[] answer) {
            return answer[0] == 1L ? permitOf(answer) : null;
        }

        /**
         * Releases the abandoned attempt's lease at once, without waiting for its reply: the release follows the
         * acquire on the same connection, so Redis runs it after the acquire however late that runs, and a reply lost
         * for good (a connection reset) leaves no lease held until its expiry. Releasing is idempotent, so a late
         * grant given back again changes nothing.
         */
        @Override
        void abandoned() {
            release(lease);
        }

        private HeldPermit permitOf(long[] answer) {
            return new HeldPermit(name, permits, answer[2], spec.limit(), RedisConcurrencyLimiter.this, 0L, lease);
        }

        @Override
        String name() {
            return name;
        }

        @Override
        long limit() {
            return spec.limit();
        }

        @Override
        boolean rate() {
            return false;
        }

        @Override
        Supplier<Limiter> fallback() {
            return fallback;
        }
    }
}
