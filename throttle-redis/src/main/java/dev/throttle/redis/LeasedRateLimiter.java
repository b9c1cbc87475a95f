package dev.throttle.redis;

import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.RatePermit;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Redis rate limiter that takes its permits from Redis a batch at a time and spends each batch in this JVM: most
 * decisions are one compare-and-set on a local counter, with no round trip. A batch (a lease) is one grant of the
 * Redis limiter; it lasts {@code lifetime}, then what is left of it is given back to Redis (through the script's
 * adjust mode, so that every other JVM can use it), as it is when a new lease replaces it or the engine closes.
 *
 * <p>When Redis refuses a whole batch (the limit is nearly spent), each decision goes to Redis for exactly its own
 * permits, as the plain limiter decides: at the limit, leasing changes nothing.
 *
 * <p>The cost is exactness in time, not in count: a leased permit is counted in Redis when its lease is taken and
 * spent here up to one lifetime later. Every admitted permit is counted once in Redis, but it may be spent in a later
 * window than the one that counted it; so in any window (or, for a bucket, any interval), the permits admitted
 * across a fleet of {@code E} engines exceed the limit by at most {@code E × batch} (the leases still live when the
 * window began), and by nothing when no lease crosses a window's start.
 */
final class LeasedRateLimiter implements RateLimiter {

    private final RedisRateLimiter redis;
    private final long batch;
    private final long lifetimeNanos;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final AtomicReference<Lease> current = new AtomicReference<>(Lease.NONE);
    /** The lease being taken, if any: every caller that found the current one spent waits for this one. */
    private final AtomicReference<CompletableFuture<Lease>> taking = new AtomicReference<>();

    /**
     * @param redis the limiter whose permits are leased
     * @param batch the permits of each lease, from 1 to the spec's capacity (checked by the engine)
     * @param lifetimeNanos how long a lease may be spent
     * @param ticker the local clock leases expire by
     * @param scheduler where an expired lease is given back when no decision comes to replace it
     */
    LeasedRateLimiter(RedisRateLimiter redis, long batch, long lifetimeNanos, Ticker ticker, Scheduler scheduler) {
        this.redis = redis;
        this.batch = batch;
        this.lifetimeNanos = lifetimeNanos;
        this.ticker = ticker;
        this.scheduler = scheduler;
    }

    @Override
    public String name() {
        return redis.name();
    }

    @Override
    public LimitSpec spec() {
        return redis.spec();
    }

    /** One compare-and-set while the current lease has the permits; otherwise as {@link #tryAcquire(long)}. */
    @Override
    public boolean allow(long permits) {
        Arguments.requirePermits(permits, spec().capacity());
        if (current.get().take(permits, ticker.read())) {
            return true;
        }
        return tryAcquire(permits).granted();
    }

    @Override
    public Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, spec().capacity());
        return Acquisition.join(acquireAsync(permits, 0L));
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec().capacity());
        Permit local = takeLocally(permits);
        if (local != null) {
            return local;
        }
        Acquisition.join(nextLease(permits));
        local = takeLocally(permits);
        // Without a batch to be had, this decision is the plain limiter's, with its wait.
        return local != null ? local : redis.acquire(permits, Duration.ofNanos(maxWaitNanos));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, spec().capacity());
        return acquireAsync(permits, maxWaitNanos);
    }

    private CompletableFuture<Permit> acquireAsync(long permits, long maxWaitNanos) {
        Permit local = takeLocally(permits);
        if (local != null) {
            return CompletableFuture.completedFuture(local);
        }
        return nextLease(permits).thenCompose(next -> {
            Permit leased = takeLocally(permits);
            return leased != null ? CompletableFuture.completedFuture(leased)
                    : redis.acquireAsync(permits, Duration.ofNanos(maxWaitNanos));
        });
    }

    /** What this JVM still holds, plus what Redis has. */
    @Override
    public long availablePermits() {
        return Math.max(0L, current.get().left.get()) + redis.availablePermits();
    }

    /** A grant from the current lease, or null when it is spent, expired or too small. */
    private Permit takeLocally(long permits) {
        Lease lease = current.get();
        if (!lease.take(permits, ticker.read())) {
            return null;
        }
        return new RatePermit(name(), permits, Math.max(0L, lease.left.get()), spec().capacity(), lease,
                lease.grantedAt);
    }

    /**
     * The next lease: taken by the first caller that finds the current one spent (or too small for its permits), and
     * awaited by the others meanwhile (never more than one round trip at a time). Gives the current lease's rest back
     * first. Completes with {@link Lease#NONE} when Redis refuses a whole batch.
     */
    private CompletableFuture<Lease> nextLease(long permits) {
        while (true) {
            CompletableFuture<Lease> pending = taking.get();
            if (pending != null) {
                return pending;
            }
            CompletableFuture<Lease> mine = new CompletableFuture<>();
            if (!taking.compareAndSet(null, mine)) {
                continue;
            }
            Lease spent = current.get();
            if (spent.live(ticker.read()) && spent.left.get() >= permits) {
                // Another caller installed a fresh lease between our look and our claim: use it.
                taking.set(null);
                mine.complete(spent);
                return mine;
            }
            retire(spent);
            long askedAt = ticker.read();
            CompletableFuture<Permit> asked;
            try {
                asked = redis.acquireAsync(batch, Duration.ZERO);
            } catch (RuntimeException failure) {
                asked = CompletableFuture.failedFuture(failure);
            }
            asked.whenComplete((grant, failure) -> {
                Lease next = Lease.NONE;
                if (failure == null && grant.granted()) {
                    next = new Lease(grant, batch, askedAt + lifetimeNanos, redis);
                    Lease installed = next;
                    scheduler.schedule(() -> expire(installed), lifetimeNanos);
                }
                current.set(next);
                taking.set(null);
                mine.complete(next);
            });
            return mine;
        }
    }

    /** Gives an expired lease back if no decision has replaced it. */
    private void expire(Lease lease) {
        if (current.compareAndSet(lease, Lease.NONE)) {
            retire(lease);
        }
    }

    /** Gives back what is left of the engine's current lease, for the engine's close: waits for Redis. */
    void close() {
        Lease lease = current.getAndSet(Lease.NONE);
        long unused = lease.retire();
        if (unused > 0L) {
            lease.grant.settle(lease.size - unused);
        }
    }

    /** Gives what is left of a lease back to Redis, without waiting. */
    private static void retire(Lease lease) {
        long unused = lease.retire();
        if (unused <= 0L) {
            return;
        }
        if (lease.grant instanceof RatePermit redisGrant) {
            redisGrant.settleWithoutWaiting(lease.size - unused);
        } else {
            lease.grant.settle(lease.size - unused); // a fallback limiter's grant, in this JVM's memory
        }
    }

    @Override
    public String toString() {
        return "LeasedRateLimiter[" + name() + ", " + spec() + ", batch " + batch + ", lifetime "
                + Duration.ofNanos(lifetimeNanos) + "]";
    }

    /**
     * One batch of permits taken from Redis, spent here until it is used up or expires. Also the account of the
     * permits granted from it: settling one below its grant puts the difference back into the lease while it is
     * live, or gives it back to Redis through the lease's grant once it is retired.
     */
    static final class Lease implements RatePermit.Account {

        /** No lease: every take fails. */
        static final Lease NONE = new Lease(null, 0L, Long.MIN_VALUE, RatePermit.Account.NONE);

        final Permit grant;
        final long size;
        final long grantedAt;
        final long expiresAt;
        /** Permits left to spend; -1 once retired, so that no take succeeds after its rest was given back. */
        final AtomicLong left;
        /** Where permits taken beyond the lease are charged: the Redis limiter. */
        private final RatePermit.Account redis;

        Lease(Permit grant, long size, long expiresAt, RatePermit.Account redis) {
            this.grant = grant;
            this.redis = redis;
            this.size = size;
            this.grantedAt = grant instanceof RatePermit rate ? rate.grantedAt() : 0L;
            this.expiresAt = expiresAt;
            this.left = new AtomicLong(grant == null ? -1L : size);
        }

        boolean live(long now) {
            return now - expiresAt < 0L;
        }

        /** Takes permits from the lease if it is live and has them. */
        boolean take(long permits, long now) {
            return live(now) && takeLeft(permits);
        }

        /** Takes permits from what is left unless the lease holds fewer or is retired, whatever the time. */
        private boolean takeLeft(long permits) {
            long have = left.get();
            while (have >= permits) {
                long witness = left.compareAndExchange(have, have - permits);
                if (witness == have) {
                    return true;
                }
                have = witness;
            }
            return false;
        }

        /** Ends the lease: no take succeeds after this. */
        long retire() {
            return left.getAndSet(-1L);
        }

        @Override
        public void adjust(long delta, long grantedAtOfPermit) {
            if (delta < 0L) {
                long have = left.get();
                while (have >= 0L) { // live: the give-back stays here
                    long witness = left.compareAndExchange(have, have - delta);
                    if (witness == have) {
                        return;
                    }
                    have = witness;
                }
                // Retired: the permits stay counted in Redis, which never over-admits.
            } else if (!takeLeft(delta) && grantedAt > 0L) {
                // More than the lease holds: charged in Redis at the lease's decision time, as a plain grant would be.
                redis.adjust(delta, grantedAt);
            }
        }
    }
}
