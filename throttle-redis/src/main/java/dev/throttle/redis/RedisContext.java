package dev.throttle.redis;

import dev.throttle.AllOf;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.AllOfLimiter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What every limiter of one {@link RedisEngine} works with, built once by the engine and handed to each limiter when
 * it is made: the script runner, the breaker and the stats, the refusal cache, the failure policy, the clocks and
 * scheduler, and the engine's settings. Limiters, permits and acquisitions reach everything through it, never
 * through the engine, so the engine is only the place where specs become limiters.
 */
final class RedisContext {

    /** The longest pause between two attempts of a request waiting on a concurrency limit. */
    static final long POLL_NANOS = 10_000_000L;

    private final ScriptRunner runner;
    private final RedisBreaker breaker;
    /** Logs outages, recoveries and lost scripts. */
    private final RedisHealth health;
    /** Where Redis is, for toStrings: {@code redis://127.0.0.1:6379}, {@code redis cluster}. */
    private final String where;
    private final RedisEngine.Stats stats;
    private final RefusalCache refusals;
    private final FailurePolicy failurePolicy;
    private final Timebase timebase;
    private final Ticker waitClock;
    private final Scheduler scheduler;
    private final String prefix;
    private final long minExpiryMillis;
    private final String minExpiryText;
    private final String unitsPerMilliText;
    private final long leaseTtlNanos;
    private final long decisionTimeoutNanos;
    /** Coalesces concurrent rate decisions into shared script calls; null when the engine does not. */
    private Coalescer coalescer;
    /**
     * Mixed into every lease id: lease ids are drawn from each thread's {@link ThreadLocalRandom}, whose seeds two
     * JVMs started alike could share; this engine's own secure random salt keeps their ids apart.
     */
    private final long leaseSalt = new SecureRandom().nextLong();

    /**
     * @param refusals the refusal cache, or null when it is off
     * @param where where Redis is, for toStrings
     */
    RedisContext(ScriptRunner runner, RedisBreaker breaker, RedisHealth health, String where, RedisEngine.Stats stats,
            RefusalCache refusals, FailurePolicy failurePolicy, Timebase timebase, Ticker waitClock,
            Scheduler scheduler, String prefix, long minExpiryMillis, long leaseTtlNanos, long decisionTimeoutNanos) {
        this.runner = runner;
        this.breaker = breaker;
        this.health = health;
        this.where = where;
        this.stats = stats;
        this.refusals = refusals;
        this.failurePolicy = failurePolicy;
        this.timebase = timebase;
        this.waitClock = waitClock;
        this.scheduler = scheduler;
        this.prefix = prefix;
        this.minExpiryMillis = minExpiryMillis;
        this.minExpiryText = Long.toString(minExpiryMillis);
        this.unitsPerMilliText = Long.toString(timebase.unitsPerMilli());
        this.leaseTtlNanos = leaseTtlNanos;
        this.decisionTimeoutNanos = decisionTimeoutNanos;
    }

    ScriptRunner runner() {
        return runner;
    }

    /** The coalescer of rate decisions, or null when the engine sends each decision alone. */
    Coalescer coalescer() {
        return coalescer;
    }

    /**
     * Makes rate decisions coalesce (see {@link Coalescer}); called once by the engine, before any limiter is made.
     *
     * @param commandTimeoutNanos the engine's command timeout, a batch call's bound
     * @param cluster whether the engine is on a Cluster, where only keys of one hash slot share a call
     */
    void coalesce(long commandTimeoutNanos, boolean cluster) {
        coalescer = new Coalescer(runner, timebase, decisionTimeoutNanos, commandTimeoutNanos, minExpiryMillis,
                cluster);
    }

    RedisBreaker breaker() {
        return breaker;
    }

    RedisEngine.Stats stats() {
        return stats;
    }

    /** Where Redis is, for toStrings, without a round trip: {@code redis://127.0.0.1:6379}, {@code redis cluster}. */
    String where() {
        return where;
    }

    /** The refusal cache, or null when it is off. */
    RefusalCache refusals() {
        return refusals;
    }

    FailurePolicy failurePolicy() {
        return failurePolicy;
    }

    Timebase timebase() {
        return timebase;
    }

    /** The clock waits and deadlines are measured on: the client ticker in client-time mode, else the system's. */
    Ticker waitClock() {
        return waitClock;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    String prefix() {
        return prefix;
    }

    long minExpiryMillis() {
        return minExpiryMillis;
    }

    long leaseTtlNanos() {
        return leaseTtlNanos;
    }

    long decisionTimeoutNanos() {
        return decisionTimeoutNanos;
    }

    /** A new lease id: random, so leases of every client of one limiter stay apart without coordination. */
    long newLease() {
        return ThreadLocalRandom.current().nextLong() ^ leaseSalt;
    }

    /** A lease id as the scripts see it. */
    static String leaseText(long lease) {
        return Long.toHexString(lease);
    }

    /**
     * Counts a failed or timed-out round trip, towards opening the breaker; its opening is logged. An error (a lost
     * connection, commands rejected while disconnected) counts at once. A timeout counts only once the server has
     * been silent for the whole command timeout: before that, it may be a slow round trip on a loaded client (whose
     * timeouts come in bursts between bursts of answers) as well as a dead server, and opening the breaker for it
     * would refuse everything for the open time. The decision itself has followed the policy within its timeout
     * either way. A call whose writes too few replicas acknowledged ({@link UnacknowledgedWriteException}) counts
     * at once too: the master is alive, but every call would meet the same lagging replicas and hold the connection
     * for the WAIT's timeout before the policy answers anyway, so the open breaker answers by the policy at once
     * instead, and its probe finds out when the replicas are back.
     */
    void recordFailure(Throwable failure) {
        Throwable cause = Acquisition.unwrap(failure);
        if (cause instanceof TimeoutException) {
            stats.timeout();
            if (runner.answeredWithinCommandTimeout()) {
                return;
            }
        } else if (cause instanceof UnacknowledgedWriteException) {
            stats.unacknowledgedWrite();
        } else {
            stats.redisFailure();
        }
        int opened = breaker.onFailure();
        if (opened != RedisBreaker.NOT_OPENED) {
            health.breakerOpened(opened, failure);
        }
    }

    /**
     * Redis answered a round trip: tells the breaker (a probe's answer closes it), and ends an outage under way once
     * the breaker is closed. A volatile read or two while Redis is healthy.
     */
    void answered() {
        breaker.onSuccess();
        if (health.inOutage() && breaker.mode() == RedisBreaker.Mode.CLOSED) {
            health.answered();
        }
    }

    /**
     * Redis answered a round trip after it had timed out here: it is alive, so the breaker closes (see
     * {@link RedisBreaker#onLateAnswer()}) and an outage under way ends.
     */
    void answeredLate() {
        breaker.onLateAnswer();
        if (health.inOutage()) {
            health.answered();
        }
    }

    /**
     * The failure policy answers for want of Redis; the first such answer since Redis last answered is logged as the
     * start of an outage.
     *
     * @param failure the round trip's failure, or null when the open breaker kept the call from asking Redis
     * @param decision true for a decision, false for an estimate ({@code availablePermits()})
     */
    void policyAnswers(Throwable failure, boolean decision) {
        health.policyAnswered(failure, decision);
    }

    /** The retry time of a refusal for want of Redis: until the breaker may probe again, or one timeout. */
    long unavailableRetryNanos() {
        long open = breaker.remainingOpenNanos();
        return open > 0L ? open : decisionTimeoutNanos;
    }

    /**
     * The arguments of a call of the shared-layout scripts: {@code ARGV[1..7]} (see common.lua) followed by
     * {@code tail}. These limiters never reserve a future slot, so the wait is 0.
     *
     * @throws IllegalStateException if a client ticker's reading is out of the scripts' range
     */
    String[] args(long permitsOrDelta, String op, String grantedAt, String... tail) {
        String[] args = new String[7 + tail.length];
        args[0] = timebase.nowArgument();
        args[1] = unitsPerMilliText;
        args[2] = minExpiryText;
        args[3] = Numerals.of(permitsOrDelta);
        args[4] = "0";
        args[5] = op;
        args[6] = grantedAt;
        System.arraycopy(tail, 0, args, 7, tail.length);
        return args;
    }

    /**
     * One decision's round trip, bounded by the decision timeout.
     *
     * @param late told of an answer that arrives after the bound, so a grant nobody waits for is given back
     */
    CompletableFuture<long[]> decide(Script script, String[] keys, String[] args, ScriptRunner.Late late) {
        return runner.run(script, keys, args, decisionTimeoutNanos, late);
    }

    /**
     * {@code availablePermits()} through the breaker and the decision timeout; without Redis, the policy's estimate:
     * the capacity when failing open, the fallback's estimate, and 0 when failing closed (or without a fallback).
     *
     * @param read one read-only round trip bounded by the decision timeout, answering the script's reply (index 2:
     *     the available permits)
     * @param fallback the limiter's fallback, or null
     */
    long available(Supplier<CompletableFuture<long[]>> read, long capacity, Supplier<Limiter> fallback) {
        Throwable failed = null;
        if (breaker.allowCall()) {
            try {
                long available = Acquisition.join(read.get())[2];
                answered();
                return available;
            } catch (RuntimeException failure) {
                recordFailure(failure);
                failed = failure;
            }
        } else {
            stats.shortCircuit();
        }
        policyAnswers(failed, false);
        switch (failurePolicy.kind()) {
            case OPEN:
                return capacity;
            case CLOSED:
                return 0L;
            default:
                return fallback == null ? 0L : fallback.get().availablePermits();
        }
    }

    /**
     * A single limit's fallback, made on first use (when Redis first fails) of the spec the policy scales; null when
     * the policy does not fall back. The spec is scaled now, so one that cannot be fails when the limiter is made.
     */
    Supplier<Limiter> fallback(String name, LimitSpec spec) {
        if (failurePolicy.kind() != FailurePolicy.Kind.FALLBACK) {
            return null;
        }
        LimitSpec localSpec = failurePolicy.localSpec(spec);
        return once(() -> failurePolicy.localLimiter(name, localSpec));
    }

    /**
     * A composite's fallback: the kernel's all-or-nothing {@link AllOfLimiter} over one fallback limiter per part
     * (each of the part's spec scaled by the policy's share, named after the part), waiting on this engine's clock and
     * scheduler; made on first use, null unless the policy falls back.
     */
    Supplier<Limiter> compositeFallback(String name, AllOf spec) {
        if (failurePolicy.kind() != FailurePolicy.Kind.FALLBACK) {
            return null;
        }
        List<Supplier<Limiter>> parts = new ArrayList<>();
        for (AllOf.Part part : spec.parts()) {
            parts.add(fallback(part.name(), part.spec()));
        }
        return once(() -> {
            List<Limiter> made = new ArrayList<>(parts.size());
            for (Supplier<Limiter> part : parts) {
                made.add(part.get());
            }
            return AllOfLimiter.of(name, waitClock, scheduler, made);
        });
    }

    /** Makes a value on first use and keeps it; a racing loser's value is dropped unused, so it holds no state. */
    static <T> Supplier<T> once(Supplier<T> make) {
        AtomicReference<T> made = new AtomicReference<>();
        return () -> {
            T value = made.get();
            if (value == null) {
                made.compareAndSet(null, make.get());
                value = made.get();
            }
            return value;
        };
    }
}
