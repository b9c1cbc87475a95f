package dev.throttle.redis;

import dev.throttle.AllOf;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.AllOfLimiter;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.HeldPermit;
import dev.throttle.kernel.RatePermit;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.kernel.SpecText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * An all-of composite ({@link AllOf}) in Redis: one script call decides over every part (rate limits and concurrency
 * limits) at once. The script asks every part without writing, and only if all would grant applies every part's
 * writes, so a refusal by one part spends nothing in the others; the refusal names the first refusing part (in order)
 * and carries its retry time. Every key of one decision lies under one hash tag, so a decision touches one cluster
 * slot; a part's state belongs to the composite (it is not shared with a standalone limiter of the part's name) and is
 * found by the part's position. The engine places the keys ({@link RedisEngine}): under the composite's name, and for
 * a keyed composite each key's per-key parts next to the shared ones (or, with no shared part, under the key's own
 * name).
 *
 * <p>A composite never reserves a future slot: a bucket part grants only what it can grant now, and a waiting
 * acquisition retries a refusal at its retry time (or, refused by a concurrency part, at the earliest lease expiry,
 * at most every 10 ms) until its deadline. A grant of a composite of rate parts only is a kernel {@link RatePermit}
 * with this composite as its account (settling adjusts every part in one round trip); a grant holding leases (a
 * concurrency part) is a {@link HeldPermit}, the lease id its tag and this composite its holder: closing ends the
 * leases (one round trip, not awaited; they expire anyway), settling adjusts every part in one round trip (a
 * concurrency part only shrinks, so settling above the grant is refused).
 *
 * <p>With the engine's refusal cache on, a rate part's refusal (retry time {@code R}) is remembered under that part's
 * key, and a request of this composite for as many permits or more before {@code R} is over is refused in this JVM,
 * naming the part, without a round trip; a concurrency part's refusal ("when released") is never cached, and a give
 * back by this JVM (settling below the grant, a withdrawn grant) forgets the parts' entries.
 *
 * <p>When Redis cannot decide, a request follows the engine's {@link FailurePolicy} as every Redis limiter's does
 * ({@link RedisAcquisition}); a fallback policy decides with the kernel's {@link AllOfLimiter} over one fallback
 * limiter per part (the part's spec scaled by the share), all or nothing, which names the refusing part.
 */
class RedisAllOfLimiter implements Limiter, RatePermit.Account, HeldPermit.Holder {

    private final String name;
    private final AllOf spec;
    private final String[] partNames;
    private final LimitSpec[] partSpecs;
    private final Plan[] partPlans;
    private final String[] keys;
    /** The parts' descriptors, {@code ARGV[9...]} of the composite script. */
    private final String[] descriptors;
    private final boolean leases;
    private final RedisContext context;
    /** The composite's fallback; null unless the failure policy falls back. */
    private final Supplier<Limiter> fallback;

    /**
     * @param name the composite's name, for its grants
     * @param spec the composite
     * @param plans each part's plan, its keys placed
     * @param fallback the fallback (its own, or a keyed composite's key's); null unless the policy falls back
     */
    RedisAllOfLimiter(String name, AllOf spec, Plan[] plans, RedisContext context, Supplier<Limiter> fallback) {
        this.name = name;
        this.spec = spec;
        this.context = context;
        this.fallback = fallback;
        int count = spec.parts().size();
        this.partNames = new String[count];
        this.partSpecs = new LimitSpec[count];
        this.partPlans = plans;
        List<String> keyList = new ArrayList<>();
        boolean anyLease = false;
        for (int i = 0; i < count; i++) {
            AllOf.Part part = spec.parts().get(i);
            partNames[i] = part.name();
            partSpecs[i] = part.spec();
            anyLease |= !part.spec().isRate();
            keyList.addAll(List.of(plans[i].keys()));
        }
        this.keys = keyList.toArray(new String[0]);
        this.descriptors = descriptors(plans, 0, count);
        this.leases = anyLease;
    }

    /** The composite script's descriptors of parts {@code from} to {@code to} (exclusive). */
    private static String[] descriptors(Plan[] plans, int from, int to) {
        List<String> descriptors = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Plan plan = plans[i];
            descriptors.add(plan.script().name);
            descriptors.add(Integer.toString(plan.keys().length));
            descriptors.add(Integer.toString(plan.params().length));
            descriptors.addAll(List.of(plan.params()));
        }
        return descriptors.toArray(new String[0]);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    /** The keys a decision touches, all under one hash tag. */
    String[] keys() {
        return keys.clone();
    }

    @Override
    public Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, spec.capacity());
        return Acquisition.join(new Waiting(permits, 0L).start());
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        CompletableFuture<Permit> pending = acquireAsync(permits, maxWait);
        return Acquisition.await(pending, () -> RefusedPermit.of(name, permits, 0L, 0L, spec.capacity()));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.capacity());
        return new Waiting(permits, maxWaitNanos).start();
    }

    /** A part's fallback limiter (made now if it was not yet), for tests; empty unless the policy falls back. */
    Optional<Limiter> fallbackPart(int part) {
        return fallback == null ? Optional.empty() : Optional.of(((AllOfLimiter) fallback.get()).part(part));
    }

    /**
     * The least of the parts' available permits (one read-only round trip unless the breaker is open); without
     * Redis, the capacity when failing open, the fallback's estimate (the least of its parts'), otherwise 0.
     */
    @Override
    public long availablePermits() {
        return context.available(() -> context.decide(Script.COMPOSITE, keys, args(0L, "", "", 0L, descriptors),
                null), spec.capacity(), fallback);
    }

    /**
     * The permits one part could grant now (a read-only round trip of the composite script over that part alone), for
     * tests and gauges.
     */
    long availablePermits(int part) {
        Plan plan = partPlans[part];
        return Acquisition.join(context.runner().run(Script.COMPOSITE, plan.keys(),
                args(0L, "", "", 0L, descriptors(partPlans, part, part + 1))))[2];
    }

    /** Forgets the rate parts' cached refusals: this JVM gave permits back to them. */
    private void forgetRefusals() {
        RefusalCache refusals = context.refusals();
        if (refusals != null) {
            for (Plan plan : partPlans) {
                refusals.forget(plan.keys()[0]);
            }
        }
    }

    /**
     * Settles an all-rate grant in every part, in one round trip awaited here: the parts take the extra (debt
     * allowed) or give back the rest with the local engine's semantics.
     *
     * @throws RuntimeException the Redis failure, or a timeout, if Redis did not apply it
     */
    @Override
    public void adjust(long delta, long grantedAt) {
        Acquisition.join(adjust(delta, grantedAt, 0L));
    }

    /** Gives an all-rate grant back in every part, without waiting and without throwing. */
    @Override
    public void withdraw(long permits, long grantedAt) {
        giveBack(permits, grantedAt, 0L);
    }

    /** A grant holding leases ended: its leases end, without waiting (if Redis fails, they expire by themselves). */
    @Override
    public void ended(HeldPermit permit, long held, boolean dropped) {
        if (held > 0L) {
            release(permit.tag());
        }
    }

    /** Ends the leases of one lease id, without waiting; idempotent. */
    private void release(long lease) {
        try {
            run(0L, "release", "", lease).exceptionally(failure -> null);
        } catch (RuntimeException failure) {
            // A ticker reading out of range: the leases expire by themselves.
        }
    }

    /**
     * A grant holding leases was settled, once, to {@code after}: every part takes or gives back the difference with
     * the grant in one round trip, awaited (rate parts with the local engine's semantics, concurrency parts shrink
     * their lease). After the grant ended the rate parts still settle; the ended leases have nothing left to shrink.
     */
    @Override
    public void settled(HeldPermit permit, long before, long after) {
        long delta = after - permit.permits();
        if (delta != 0L) {
            Acquisition.join(adjust(delta, permit.grantedAt(), permit.tag()));
        }
    }

    /** A grant holding leases its caller never held: every part gives it back, leases included, without waiting. */
    @Override
    public void withdrawn(HeldPermit permit, long held) {
        giveBack(permit.permits(), permit.grantedAt(), permit.tag());
    }

    private void giveBack(long permits, long grantedAt, long lease) {
        try {
            adjust(-permits, grantedAt, lease).exceptionally(failure -> null);
        } catch (RuntimeException failure) {
            // A ticker reading out of range: the permits stay taken, which never over-admits.
        }
    }

    /** Settles a grant in every part (rate parts take or give back, concurrency parts shrink). */
    private CompletableFuture<long[]> adjust(long delta, long grantedAt, long lease) {
        if (delta < 0L) {
            forgetRefusals(); // permits come back: a cached refusal may no longer hold
        }
        return run(delta, "adjust", Long.toString(grantedAt), lease);
    }

    private CompletableFuture<long[]> run(long permitsOrDelta, String op, String grantedAt, long lease) {
        return context.runner().run(Script.COMPOSITE, keys, args(permitsOrDelta, op, grantedAt, lease, descriptors));
    }

    /** The shared-layout arguments, then the lease id ('' without leases) and the parts' descriptors. */
    private String[] args(long permitsOrDelta, String op, String grantedAt, long lease, String[] parts) {
        String[] tail = new String[1 + parts.length];
        tail[0] = leases ? RedisContext.leaseText(lease) : "";
        System.arraycopy(parts, 0, tail, 1, parts.length);
        return context.args(permitsOrDelta, op, grantedAt, tail);
    }

    /**
     * The composite for logs: its name, its parts in words and where Redis is, for example
     * {@code RedisLimiter[checkout: all of global (token bucket 500, 500/s), orders-db (concurrency 16) on
     * redis://127.0.0.1:6379]}. Asks nothing of Redis.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "RedisLimiter[" + name + ": " + SpecText.describe(spec) + " on " + context.where() + "]";
    }

    /**
     * One request: every part decided in one call (a new lease id per attempt when a part holds leases), then the
     * grant, or a retry at the refusing part's retry time (exact for a rate part; a concurrency part's hint, at most
     * the poll interval) while time is left.
     */
    private final class Waiting extends RedisAcquisition {

        /** The lease id of the attempt in flight (unused without leases). */
        private long lease;

        Waiting(long permits, long maxWaitNanos) {
            super(RedisAllOfLimiter.this.context, permits, maxWaitNanos);
        }

        /**
         * A refusal the engine's refusal cache holds for one of the rate parts (a part refused as many permits or
         * fewer with a retry time not yet over, and longer than the caller waits), or null. Each part has its own
         * entry under its own first key, which no standalone limiter shares, so the refusal names the part.
         */
        @Override
        Permit cachedRefusal(long now, long maxWait) {
            RefusalCache refusals = context.refusals();
            if (refusals == null) {
                return null;
            }
            for (int part = 0; part < partPlans.length; part++) {
                if (!partSpecs[part].isRate()) {
                    continue; // never cached: its retry time is unknown ("when released")
                }
                long refusedFor = refusals.refusedFor(partPlans[part].keys()[0], partSpecs[part], permits, now);
                if (refusedFor > maxWait) {
                    return RefusedPermit.of(partNames[part], permits, refusedFor, 0L, partSpecs[part].capacity());
                }
            }
            return null;
        }

        @Override
        CompletableFuture<long[]> ask(long maxWait) {
            lease = leases ? context.newLease() : 0L;
            return context.decide(Script.COMPOSITE, keys, args(permits, "", "", lease, descriptors), this);
        }

        /**
         * Releases the abandoned attempt's leases at once (see {@link RedisConcurrencyLimiter}): the release follows
         * the acquire on the same connection, so a reply lost for good leaves no lease held. What the rate parts may
         * have counted stays counted (the grant's clock reading, which a give-back needs, came with the lost reply);
         * that only refuses more, never admits more.
         */
        @Override
        void abandoned() {
            if (leases) {
                release(lease);
            }
        }

        /**
         * Every part granted (each wrote), or none wrote and the first refusing part answered. A rate part's refusal
         * is recorded in the engine's refusal cache, timed from before the round trip so that it ends no later than
         * Redis's.
         */
        @Override
        void answered(long[] answer, long askedAt) {
            if (answer[0] == 1L) {
                grant(permitOf(answer));
                return;
            }
            int part = (int) answer[4];
            long retry = context.timebase().nanos(answer[1]);
            if (partSpecs[part].isRate()) {
                RefusalCache refusals = context.refusals();
                if (refusals != null) {
                    refusals.record(partPlans[part].keys()[0], partSpecs[part], permits, retry, askedAt);
                }
                retry(RefusedPermit.of(partNames[part], permits, retry, answer[2], partSpecs[part].capacity()),
                        retry, askedAt, true);
            } else {
                retry(RefusedPermit.untilReleased(partNames[part], permits, answer[2], partSpecs[part].capacity()),
                        Math.min(retry, RedisContext.POLL_NANOS), askedAt, false);
            }
        }

        @Override
        Permit granted(long[] answer) {
            return answer[0] == 1L ? permitOf(answer) : null;
        }

        /** The grant: its remaining permits and limit are the tightest part's. */
        private Permit permitOf(long[] answer) {
            long limit = partSpecs[(int) answer[4]].capacity();
            RedisAllOfLimiter composite = RedisAllOfLimiter.this;
            return leases
                    ? new HeldPermit(name, permits, answer[2], limit, composite, answer[3], lease)
                    : new RatePermit(name, permits, answer[2], limit, composite, answer[3]);
        }

        @Override
        String name() {
            return name;
        }

        @Override
        long limit() {
            return spec.capacity();
        }

        @Override
        boolean rate() {
            return !leases;
        }

        @Override
        Supplier<Limiter> fallback() {
            return fallback;
        }
    }
}
