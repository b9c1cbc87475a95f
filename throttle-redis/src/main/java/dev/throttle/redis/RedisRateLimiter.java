package dev.throttle.redis;

import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.RatePermit;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.kernel.SpecText;
import java.time.Duration;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A rate limiter whose state lives in Redis: each decision is one EVALSHA of the algorithm's script, which reads and
 * updates the state atomically; with the engine's coalescing on (the default), concurrent decisions share calls
 * ({@link Coalescer}: those that arrive before a call is written, or while one is in flight on a Cluster): of the
 * script's batch variant when they are all of one limit, else of the multi-key script, which decides each limit's
 * requests in arrival order exactly as alone.
 * Everything is asynchronous underneath: the synchronous calls wait on the asynchronous one, and a waiting
 * acquisition holds no thread (it waits on the {@link Scheduler} for its reserved slot, or to retry a refusal at its
 * retry time, until its deadline). Every decision takes the path of
 * {@link RedisAcquisition}: refusal cache, breaker, one round trip, or the failure policy.
 *
 * <p>Its grants are the kernel's {@link RatePermit}s, with this limiter as their {@link RatePermit.Account}: settling
 * is one more round trip of the same script in its adjust mode, awaited; a withdrawn grant (a cancelled waiter's
 * reserved slot, a grant that came too late) is given back by the same round trip, not awaited.
 */
final class RedisRateLimiter implements RateLimiter, RatePermit.Account, Coalescer.Limit {

    private final String name;
    private final LimitSpec spec;
    /** What every limiter of this spec on the engine shares: script, ARGV template, parameters. */
    private final RateShape shape;
    /** This limiter's Redis keys. */
    private final String[] keys;
    private final RedisContext context;
    /** Supplies the failure policy's fallback limiter; null unless the policy falls back. */
    private final Supplier<Limiter> fallback;
    /**
     * The engine's refusal cache, or null when it is off or this limiter follows a shared rate (its second key): a
     * raised rate may end a refusal early, which a cached refusal would not see.
     */
    private final RefusalCache refusals;
    /**
     * The engine's coalescer, or null when it sends each decision alone; with it, this limit's identity is its keys
     * and its shape's parameters ({@link #sameLimit}), shared with every limiter of the same name and spec (a keyed
     * limiter's key is a limiter made afresh per call), whose requests keep their arrival order.
     */
    private final Coalescer coalescer;

    /**
     * A limiter of its own.
     *
     * @param fallback supplies the fallback limiter; null when the policy does not fall back
     */
    RedisRateLimiter(String name, LimitSpec spec, Plan plan, RedisContext context, Supplier<Limiter> fallback) {
        this(name, spec, RateShape.of(plan, context), plan.keys(), context, fallback);
    }

    /**
     * A limiter of a shape computed once for many (a keyed limiter's key's).
     *
     * @param keys its Redis keys, as the shape names them
     * @param fallback supplies the fallback limiter (its own, or a keyed limiter's key's); null when the policy does
     *     not fall back
     */
    RedisRateLimiter(String name, LimitSpec spec, RateShape shape, String[] keys, RedisContext context,
            Supplier<Limiter> fallback) {
        this.name = name;
        this.spec = spec;
        this.shape = shape;
        this.keys = keys;
        this.context = context;
        this.fallback = fallback;
        this.refusals = shape.cacheRefusals ? context.refusals() : null;
        this.coalescer = context.coalescer();
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
        return Acquisition.join(start(permits, 0L));
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.capacity());
        // An interrupt withdraws: the cancel stops any retry and gives back a slot already reserved, unless the grant
        // won.
        return Acquisition.await(start(permits, maxWaitNanos),
                () -> RefusedPermit.of(name, permits, 0L, 0L, spec.capacity()));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec.capacity());
        return start(permits, maxWaitNanos);
    }

    /** Asks Redis unless the breaker is open; without Redis, the policy's estimate (0 when failing closed). */
    @Override
    public long availablePermits() {
        return context.available(() -> context.decide(script(), keys, argv(0L, 0L, "", ""), null),
                spec.capacity(), fallback);
    }

    /** Starts an acquisition; its first decision is under way when this returns. */
    RedisAcquisition start(long permits, long maxWaitNanos) {
        Waiting acquisition = new Waiting(permits, maxWaitNanos);
        acquisition.start();
        return acquisition;
    }

    /** The refusal cache's key of this limiter: its first Redis key (prefix, name and algorithm). */
    private String refusalKey() {
        return keys[0];
    }

    /**
     * The account of a grant whose script told its refill time (a sliding window's or a sliding log's): settled by
     * this limiter like any grant.
     */
    private final class ToldRefill implements RatePermit.Account {

        private final long refillNanos;

        ToldRefill(long refillNanos) {
            this.refillNanos = refillNanos;
        }

        @Override
        public void adjust(long delta, long grantedAt) {
            RedisRateLimiter.this.adjust(delta, grantedAt);
        }

        @Override
        public void withdraw(long permits, long grantedAt) {
            RedisRateLimiter.this.withdraw(permits, grantedAt);
        }

        @Override
        public OptionalLong refillNanos(long grantedAt) {
            return OptionalLong.of(refillNanos);
        }
    }

    /**
     * A fixed window's end, from the grant's reading of the script's clock: windows are {@code [k·W, (k+1)·W)} of
     * that clock, as locally. Empty for a bucket; a sliding window's or a sliding log's grant carries the time its
     * script told ({@link ToldRefill}).
     */
    @Override
    public OptionalLong refillNanos(long grantedAt) {
        if (shape.script != Script.FIXED_WINDOW || grantedAt <= 0L) {
            return OptionalLong.empty();
        }
        long window = Long.parseLong(shape.params[1]);
        return OptionalLong.of(context.timebase().nanos(window - Math.floorMod(grantedAt, window)));
    }

    /**
     * Settles a grant in one round trip, awaited: takes {@code delta} more permits (positive, debt allowed) or gives
     * {@code -delta} back (negative), with the local engine's semantics (see the scripts). Commands on the engine's
     * connection run in order, so every decision sent after this call sees the adjustment.
     *
     * @param delta permits to take (positive) or give back (negative), not 0
     * @param grantedAt the script's clock reading of the decision that granted the permits
     * @throws RuntimeException the Redis failure, or a timeout, if Redis did not apply it
     */
    @Override
    public void adjust(long delta, long grantedAt) {
        Acquisition.join(adjustAsync(delta, grantedAt));
    }

    /**
     * Gives a whole grant back without waiting and without throwing (a withdrawn grant): later decisions on the
     * engine's connection see it. If Redis fails, the permits stay taken, which never over-admits.
     */
    @Override
    public void withdraw(long permits, long grantedAt) {
        try {
            adjustAsync(-permits, grantedAt);
        } catch (RuntimeException failure) {
            // A ticker reading out of range: the permits stay taken, which never over-admits.
        }
    }

    private CompletableFuture<long[]> adjustAsync(long delta, long grantedAt) {
        if (delta < 0L && refusals != null) {
            refusals.forget(refusalKey()); // permits come back: a cached refusal may no longer hold
        }
        return context.runner().run(script(), keys, argv(delta, 0L, "adjust", Long.toString(grantedAt)));
    }

    /** One call's ARGV: the shared template with this call's values. */
    private String[] argv(long permitsOrDelta, long maxWaitUnits, String op, String grantedAt) {
        return argv(context.timebase().nowArgument(), permitsOrDelta, maxWaitUnits, op, grantedAt);
    }

    /** The single script of this limit, for its group. */
    @Override
    public Script script() {
        return shape.script;
    }

    /** The keys of this limit, for its group. */
    @Override
    public String[] keys() {
        return keys;
    }

    /** Whether another limit is this one: the same Redis keys and the same script and parameters. */
    @Override
    public boolean sameLimit(Coalescer.Limit other) {
        return other == this || (other instanceof RedisRateLimiter that && shape.sameParams(that.shape)
                && Arrays.equals(keys, that.keys));
    }

    /** A lone decision's ARGV, for its group. */
    @Override
    public String[] single(String now, long permits, long waitUnits) {
        return argv(now, permits, waitUnits, "", "");
    }

    /**
     * A batch's ARGV, for its group: {@code bucket_batch.lua}'s (runs of requests alike as count, permits, wait) or
     * {@code batch.lua}'s (the shared template, the number of runs in place of the permits, then runs of requests
     * alike as count, permits).
     */
    @Override
    public String[] batch(String now, Coalescer.Request[] requests, int from, int count) {
        int per = shape.bucket ? 3 : 2;
        String[] runs = new String[per * count];
        int size = 0;
        int end = from + count;
        for (int i = from; i < end; ) {
            Coalescer.Request first = requests[i];
            int j = i + 1;
            while (j < end && requests[j].permits == first.permits
                    && (!shape.bucket || requests[j].waitUnits == first.waitUnits)) {
                j++;
            }
            runs[size++] = Numerals.of(j - i);
            runs[size++] = Numerals.of(first.permits);
            if (shape.bucket) {
                runs[size++] = Numerals.of(first.waitUnits);
            }
            i = j;
        }
        int fixed = shape.argvTemplate.length;
        String[] args = Arrays.copyOf(shape.argvTemplate, fixed + size);
        System.arraycopy(runs, 0, args, fixed, size);
        args[0] = now;
        if (shape.bucket) {
            args[1] = Numerals.of(count);
            args[2] = "";
        } else {
            args[3] = Numerals.of(size / 2);
            args[4] = "0";
            args[5] = "";
            args[6] = "";
        }
        return args;
    }

    /**
     * This limit's parameters in the multi-key script, for its group: a bucket's interval, tolerance and queue delay
     * ({@code ''} for a meter), or the algorithm's parameters.
     */
    @Override
    public String[] multiParams() {
        return shape.multiParams;
    }

    /**
     * One request's answer in a batch's or a multi-key call's answer, widened to the common shape: a bucket's one
     * integer for an immediate grant (the remaining permits), three for a refusal ({@code {-1, retry time,
     * remaining}}) or four for a reserved slot ({@code {-2, wait, remaining, the slot's time}}, the time standing in
     * the reading's place: a give-back of the slot is recognised by it), the others' five (with the reading and the
     * refill time).
     */
    @Override
    public int answer(long[] flat, int at, long[][] into, int index) {
        if (!shape.bucket) {
            if (at + 5 > flat.length) {
                return -1;
            }
            into[index] = new long[] {flat[at], flat[at + 1], flat[at + 2], flat[at + 3], flat[at + 4]};
            return at + 5;
        }
        if (at >= flat.length) {
            return -1;
        }
        if (flat[at] >= 0L) {
            into[index] = new long[] {1L, 0L, flat[at], 0L};
            return at + 1;
        }
        if (flat[at] == -2L) { // a reserved slot: its wait, the remaining permits, and the slot's time
            if (at + 4 > flat.length) {
                return -1;
            }
            into[index] = new long[] {1L, flat[at + 1], flat[at + 2], flat[at + 3]};
            return at + 4;
        }
        if (at + 3 > flat.length || flat[at] < -2L) {
            return -1;
        }
        into[index] = new long[] {0L, flat[at + 1], flat[at + 2], 0L};
        return at + 3;
    }

    private String[] argv(String now, long permitsOrDelta, long maxWaitUnits, String op, String grantedAt) {
        if (shape.bucket) {
            // The bucket script decides unless an eighth argument names the operation; settling adds the grant's
            // time, a reserved slot's, by which the script recognises the last grant scheduled.
            String[] args = op.isEmpty() ? shape.argvTemplate.clone() : Arrays.copyOf(shape.argvTemplate, 9);
            args[0] = now;
            args[1] = Numerals.of(permitsOrDelta);
            args[2] = Numerals.of(maxWaitUnits);
            if (!op.isEmpty()) {
                args[7] = op;
                args[8] = grantedAt;
            }
            return args;
        }
        String[] args = shape.argvTemplate.clone();
        args[0] = now;
        args[3] = Numerals.of(permitsOrDelta);
        args[4] = Numerals.of(maxWaitUnits);
        args[5] = op;
        args[6] = grantedAt;
        return args;
    }

    /**
     * The limiter for logs: its name, its spec in words and where Redis is, for example
     * {@code RedisLimiter[api: token bucket 10, 100/s on redis://127.0.0.1:6379]}. Asks nothing of Redis: what it
     * could grant is Redis's to say, at the cost of a round trip ({@link #availablePermits()}).
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "RedisLimiter[" + name + ": " + SpecText.describe(spec) + " on " + context.where() + "]";
    }

    /**
     * One request: a decision, then its grant, a wait for its reserved slot (a bucket's), or a retry at the refusal's
     * exact retry time while that falls before the deadline. A bucket's refusal already means no slot within the wait
     * exists, so it is answered at once.
     */
    private final class Waiting extends RedisAcquisition {

        Waiting(long permits, long maxWaitNanos) {
            super(RedisRateLimiter.this.context, permits, maxWaitNanos);
        }

        @Override
        Permit cachedRefusal(long now, long maxWait) {
            if (refusals == null) {
                return null;
            }
            long refusedFor = refusals.refusedFor(refusalKey(), spec, permits, now);
            return refusedFor > maxWait ? RefusedPermit.of(name, permits, refusedFor, 0L, spec.capacity()) : null;
        }

        /** Through the limit's group when the engine coalesces, else one call of its own. */
        @Override
        CompletableFuture<long[]> ask(long maxWait) {
            long waitUnits = context.timebase().waitUnits(maxWait);
            if (coalescer != null) {
                return coalescer.decide(RedisRateLimiter.this, permits, waitUnits, this, askedAtNanoTime());
            }
            return context.decide(script(), keys, argv(permits, waitUnits, "", ""), this);
        }

        @Override
        void answered(long[] answer, long askedAt) {
            long waitOrRetry = context.timebase().nanos(answer[1]);
            if (answer[0] == 1L) {
                Permit granted = permitOf(answer);
                // An immediate grant (the common answer) reads no clock.
                long delay = waitOrRetry == 0L ? 0L : askedAt + waitOrRetry - clock.read();
                if (delay <= 0L) {
                    grant(granted);
                } else {
                    reserve(granted, delay); // granted when the slot comes, given back if withdrawn first
                }
                return;
            }
            Permit refused = RefusedPermit.of(name, permits, waitOrRetry, answer[2], spec.capacity());
            if (refusals != null) {
                refusals.record(refusalKey(), spec, permits, waitOrRetry, askedAt);
            }
            retry(refused, shape.reserves ? Permit.NEVER : waitOrRetry, askedAt, true);
        }

        @Override
        Permit granted(long[] answer) {
            return answer[0] == 1L ? permitOf(answer) : null;
        }

        private RatePermit permitOf(long[] answer) {
            RatePermit.Account account = RedisRateLimiter.this;
            if (answer.length > 4 && answer[4] > 0L) {
                account = new ToldRefill(context.timebase().nanos(answer[4]));
            }
            return new RatePermit(name, permits, answer[2], spec.capacity(), account, answer[3]);
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
            return true;
        }

        @Override
        Supplier<Limiter> fallback() {
            return fallback;
        }
    }
}
