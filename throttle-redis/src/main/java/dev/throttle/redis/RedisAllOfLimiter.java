package dev.throttle.redis;

import dev.throttle.Acquisitions;
import dev.throttle.Arguments;
import dev.throttle.Concurrency;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * An all-of composite in Redis: one script call decides over every part (rate limits and concurrency limits) at
 * once. The script asks every part without writing, and only if all would grant applies every part's writes, so a
 * refusal by one part spends nothing in the others; the refusal names the first refusing part (in order) and carries
 * its retry time. Every part's keys lie under the composite's hash tag ({@code prefix{name}#index:suffix}), so a
 * decision touches one cluster slot; a part's state belongs to the composite (it is not shared with a standalone
 * limiter of the part's name) and is found by the part's position.
 *
 * <p>A composite never reserves a future slot: a bucket part grants only what it can grant now, and a waiting
 * acquisition retries a refusal at its retry time (or, refused by a concurrency part, at the earliest lease expiry,
 * at most every {@value RedisConcurrencyLimiter#POLL_MILLIS} ms) until its deadline. A grant holds a lease in every
 * concurrency part, ended by {@link Permit#close()}; settling applies the difference to every part in one round trip
 * (a concurrency part only shrinks, so with one, settling above the grant is refused).
 *
 * <p>With the engine's refusal cache on, a rate part's refusal (retry time {@code R}) is remembered under that part's
 * key, and a request of this composite for as many permits or more before {@code R} is over is refused in this JVM,
 * naming the part, without a round trip; a concurrency part's refusal ("when released") is never cached, and a give
 * back by this JVM (settling below the grant, a withdrawn grant) forgets the parts' entries.
 *
 * <p>When Redis cannot decide (it failed, did not answer within the decision timeout, or the breaker is open), a
 * request follows the engine's {@link FailurePolicy} as a rate limiter's does: failing open grants a permit that holds
 * nothing in Redis; failing closed refuses; a fallback decides with one fallback limiter per part (the part's spec
 * scaled by the share, made by the policy's engine on first use and kept by this composite), asked in order, all or
 * nothing: a refusal gives back what the earlier parts granted and names the refusing part (see
 * {@link CompositeFallback}). A grant that reaches this JVM after its decision timed out is given back at once (one
 * that comes after the command timeout is lost to Lettuce; its leases expire after the lease TTL).
 */
class RedisAllOfLimiter implements Limiter {

    private static final long POLL_NANOS = RedisConcurrencyLimiter.POLL_MILLIS * 1_000_000L;

    private final String name;
    private final AllOfSpec spec;
    private final String[] partNames;
    private final LimitSpec[] partSpecs;
    private final Plan[] partPlans;
    private final String[] keys;
    /** The parts' descriptors, {@code ARGV[9...]} of the composite script. */
    private final String[] descriptors;
    private final boolean leases;
    private final RedisEngine engine;
    /** The parts' fallback limiters; null unless the failure policy falls back. */
    private final CompositeFallback fallback;

    RedisAllOfLimiter(String name, AllOfSpec spec, RedisEngine engine) {
        this.name = name;
        this.spec = spec;
        this.engine = engine;
        int count = spec.parts().size();
        this.partNames = new String[count];
        this.partSpecs = new LimitSpec[count];
        this.partPlans = new Plan[count];
        List<String> keyList = new ArrayList<>();
        List<String> descriptorList = new ArrayList<>();
        boolean anyLease = false;
        int index = 0;
        for (Map.Entry<String, LimitSpec> part : spec.parts().entrySet()) {
            partNames[index] = part.getKey();
            partSpecs[index] = part.getValue();
            String partTag = "#" + index;
            UnaryOperator<String> key = suffix -> Keys.key(engine.prefix(), name, partTag + suffix);
            Plan plan;
            if (part.getValue() instanceof Concurrency concurrency) {
                plan = Plan.concurrency(key, concurrency, engine.leaseTtlNanos(), engine.timebase());
                anyLease = true;
            } else {
                plan = Plan.of(key, part.getValue(), engine.timebase());
            }
            partPlans[index] = plan;
            keyList.addAll(List.of(plan.keys()));
            descriptorList.add(plan.script().name);
            descriptorList.add(Integer.toString(plan.keys().length));
            descriptorList.add(Integer.toString(plan.params().length));
            descriptorList.addAll(List.of(plan.params()));
            index++;
        }
        this.keys = keyList.toArray(new String[0]);
        this.descriptors = descriptorList.toArray(new String[0]);
        this.leases = anyLease;
        this.fallback = CompositeFallback.of(engine, name, partNames, partSpecs);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    /** The keys a decision touches, all under the composite's hash tag. */
    String[] keys() {
        return keys.clone();
    }

    boolean holdsLeases() {
        return leases;
    }

    @Override
    public Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, spec.capacity());
        return Acquisitions.join(start(permits, 0L));
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        CompletableFuture<Permit> pending = acquireAsync(permits, maxWait);
        return Acquisitions.await(pending, () -> new RefusedPermit(name, permits, 0L, 0L, spec.capacity()));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.capacity());
        return start(permits, maxWaitNanos);
    }

    private CompletableFuture<Permit> start(long permits, long maxWaitNanos) {
        Retrying.Cached cached = engine.refusals() == null ? null : (now, maxWait) -> cachedRefusal(permits, now,
                maxWait);
        return Retrying.start(engine, () -> decide(permits), cached, (maxWait, result) -> {
            if (fallback == null) {
                Outage.answer(engine, name, permits, spec.capacity(), maxWait, null, result);
            } else {
                engine.stats().fallbackDecision();
                fallback.answer(permits, spec.capacity(), maxWait, result);
            }
        }, maxWaitNanos);
    }

    /** A part's fallback limiter (made now if it was not yet), for tests; empty unless the policy falls back. */
    Optional<Limiter> fallbackPart(int part) {
        return fallback == null ? Optional.empty() : Optional.of(fallback.part(part));
    }

    /**
     * The least of the parts' available permits (one read-only round trip unless the breaker is open); without
     * Redis, the capacity when failing open, the least of the parts' fallback estimates, otherwise 0.
     */
    @Override
    public long availablePermits() {
        return Outage.availableOr(engine, () -> run(0L, "", "", ""), spec.capacity(),
                fallback == null ? null : fallback::availablePermits);
    }

    /**
     * The permits one part could grant now (a read-only round trip of the part's own script on its keys), for tests
     * and gauges.
     */
    long availablePermits(int part) {
        Plan plan = partPlans[part];
        String[] params = plan.params();
        String[] tail = new String[params.length + 1];
        System.arraycopy(params, 0, tail, 0, params.length);
        tail[params.length] = ""; // the lease id a concurrency script expects; unused when reading
        String[] args = Retrying.args(engine, 0L, "", "", tail);
        return Acquisitions.join(engine.runner().run(plan.script(), plan.keys(), args))[2];
    }

    /**
     * A refusal the engine's refusal cache holds for one of the rate parts (a part refused as many permits or fewer
     * with a retry time not yet over, and longer than the caller waits), or null. Each part has its own entry under
     * its own first key, which no standalone limiter shares, so the refusal names the part that refused.
     */
    private Permit cachedRefusal(long permits, long now, long maxWait) {
        RefusalCache refusals = engine.refusals();
        for (int part = 0; part < partPlans.length; part++) {
            if (partSpecs[part] instanceof Concurrency) {
                continue; // never cached: its retry time is unknown ("when released")
            }
            long refusedFor = refusals.refusedFor(partPlans[part].keys()[0], partSpecs[part], permits, now);
            if (refusedFor > maxWait) {
                return new ShortcutPermit(partNames[part], false, permits, refusedFor, partSpecs[part].capacity());
            }
        }
        return null;
    }

    /** Forgets the rate parts' cached refusals: this JVM gave permits back to them. */
    private void forgetRefusals() {
        RefusalCache refusals = engine.refusals();
        if (refusals != null) {
            for (int part = 0; part < partPlans.length; part++) {
                refusals.forget(partPlans[part].keys()[0]);
            }
        }
    }

    /**
     * One round trip: every part grants (each writes), or none writes and the first refusing part answers. A rate
     * part's refusal is recorded in the engine's refusal cache, timed from before the round trip so that it ends no
     * later than Redis's.
     */
    private CompletableFuture<Retrying.Outcome> decide(long permits) {
        String lease = leases ? UUID.randomUUID().toString() : "";
        long askedAt = engine.waitClock().read();
        return run(permits, "", "", lease).thenApply(answer -> {
            int part = (int) answer[4];
            if (answer[0] == 1L) {
                Permit granted = new CompositePermit(this, permits, lease, answer[2], partSpecs[part].capacity(),
                        answer[3]);
                return new Retrying.Outcome(granted, 0L, true);
            }
            long retry = engine.timebase().nanos(answer[1]);
            boolean concurrency = partSpecs[part] instanceof Concurrency;
            RefusalCache refusals = engine.refusals();
            if (!concurrency && refusals != null) {
                refusals.record(partPlans[part].keys()[0], partSpecs[part], permits, retry, askedAt);
            }
            Permit refused = new RefusedPermit(partNames[part], permits, concurrency ? 1L : retry, answer[2],
                    partSpecs[part].capacity());
            return new Retrying.Outcome(refused, concurrency ? Math.min(retry, POLL_NANOS) : retry, !concurrency);
        });
    }

    /** Ends a grant's leases without waiting; if Redis fails, they expire by themselves. */
    void release(String lease) {
        try {
            run(0L, "release", "", lease).exceptionally(failure -> null);
        } catch (RuntimeException failure) {
            // A ticker reading out of range: the leases expire by themselves.
        }
    }

    /**
     * Settles a grant in every part (rate parts take or give back, concurrency parts shrink).
     *
     * @return completes when Redis has applied it
     */
    CompletableFuture<long[]> adjust(long delta, long grantedAt, String lease) {
        if (delta < 0L) {
            forgetRefusals(); // permits come back: a cached refusal may no longer hold
        }
        return run(delta, "adjust", Long.toString(grantedAt), lease);
    }

    private CompletableFuture<long[]> run(long permitsOrDelta, String op, String grantedAt, String lease) {
        String[] tail = new String[1 + descriptors.length];
        tail[0] = lease;
        System.arraycopy(descriptors, 0, tail, 1, descriptors.length);
        return engine.runner().run(Script.COMPOSITE, keys, Retrying.args(engine, permitsOrDelta, op, grantedAt, tail));
    }

    @Override
    public String toString() {
        return "RedisAllOfLimiter[" + name + ", " + spec + "]";
    }
}
