package dev.throttle.redis;

import dev.throttle.AbstractPermit;
import dev.throttle.Arguments;
import dev.throttle.Concurrency;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A composite's decisions while Redis is unavailable under a {@link FailurePolicy#fallback fallback policy}: one
 * fallback limiter per part (the part's spec scaled by the share, made by the policy's engine on first use and kept),
 * asked in order. The all-or-nothing rule is kept locally: when a part refuses, what the earlier parts granted is
 * given back ({@code settle(0)}, then {@code close()}: an exact refund of a rate permit), and the refusal names the
 * refusing part with its retry time. A local part may still lose a permit to another caller between the ask and the
 * refund; the refund then only returns it later, which never over-admits.
 *
 * <p>A waiting acquisition retries on the engine's {@link Scheduler} at the refusing part's retry time (exact for a
 * rate part; a concurrency part's "when released" is polled, at most every {@value RedisConcurrencyLimiter#POLL_MILLIS}
 * ms) until its deadline; the parts' fallback limiters do not queue it, since a slot reserved in one part could not
 * be given back if another part refused.
 */
final class CompositeFallback {

    private static final long POLL_NANOS = RedisConcurrencyLimiter.POLL_MILLIS * 1_000_000L;

    private final RedisEngine engine;
    private final String name;
    private final String[] partNames;
    private final LimitSpec[] partSpecs;
    /** Each part's fallback limiter, made on first use. */
    private final Supplier<Limiter>[] parts;
    private final boolean leases;

    /**
     * @return the composite's fallback, or null when the engine's policy does not fall back
     * @throws IllegalArgumentException if a part's spec cannot be scaled by the policy's share
     */
    static CompositeFallback of(RedisEngine engine, String name, String[] partNames, LimitSpec[] partSpecs) {
        if (engine.failurePolicy().kind() != FailurePolicy.Kind.FALLBACK) {
            return null;
        }
        return new CompositeFallback(engine, name, partNames, partSpecs);
    }

    @SuppressWarnings("unchecked")
    private CompositeFallback(RedisEngine engine, String name, String[] partNames, LimitSpec[] partSpecs) {
        this.engine = engine;
        this.name = name;
        this.partNames = partNames;
        this.partSpecs = partSpecs;
        this.parts = new Supplier[partNames.length];
        boolean anyLease = false;
        for (int i = 0; i < parts.length; i++) {
            parts[i] = Outage.lazyFallback(engine, partNames[i], partSpecs[i]); // scaled and checked now
            anyLease |= partSpecs[i] instanceof Concurrency;
        }
        this.leases = anyLease;
    }

    /** A part's fallback limiter (made on first use), for tests and estimates. */
    Limiter part(int index) {
        return parts[index].get();
    }

    /** The least of the parts' fallback estimates. */
    long availablePermits() {
        long least = Long.MAX_VALUE;
        for (Supplier<Limiter> part : parts) {
            least = Math.min(least, part.get().availablePermits());
        }
        return least;
    }

    /**
     * Completes {@code result} with a local all-or-nothing decision, retrying a refusal within {@code maxWait}.
     *
     * @param limit the composite's capacity, for a refusal for want of Redis
     */
    void answer(long permits, long limit, long maxWait, CompletableFuture<Permit> result) {
        try {
            for (Supplier<Limiter> part : parts) {
                if (permits > part.get().spec().capacity()) {
                    // A scaled-down part cannot grant this at all: refuse until Redis may be back, as Outage does.
                    result.complete(new ShortcutPermit(name, false, permits, engine.unavailableRetryNanos(), limit));
                    return;
                }
            }
            new Attempts(permits, engine.waitClock().read() + maxWait, result).attempt();
        } catch (RuntimeException failure) {
            result.completeExceptionally(failure);
        }
    }

    /** Asks every part in order; on a refusal gives back what the earlier parts granted. */
    private Permit decide(long permits) {
        Permit[] granted = new Permit[parts.length];
        for (int i = 0; i < parts.length; i++) {
            Permit permit = parts[i].get().tryAcquire(permits);
            if (!permit.granted()) {
                giveBackFirst(granted, i);
                return new RefusedPermit(partNames[i], permits, permit.retryAfterNanos(), permit.remaining(),
                        permit.limit());
            }
            granted[i] = permit;
        }
        int tightest = 0;
        for (int i = 1; i < granted.length; i++) {
            if (granted[i].remaining() < granted[tightest].remaining()) {
                tightest = i;
            }
        }
        return new FallbackPermit(granted, granted[tightest].remaining(), granted[tightest].limit());
    }

    /** Refunds the first {@code count} grants exactly (a rate permit settled to 0), then ends them. */
    private static void giveBackFirst(Permit[] granted, int count) {
        for (int i = 0; i < count; i++) {
            granted[i].giveBack();
        }
    }

    /** One request's local attempts until a grant, a final refusal, or its deadline. */
    private final class Attempts {
        private final long permits;
        private final long deadline;
        private final CompletableFuture<Permit> result;
        private volatile Scheduler.Cancellable pending;

        Attempts(long permits, long deadline, CompletableFuture<Permit> result) {
            this.permits = permits;
            this.deadline = deadline;
            this.result = result;
            result.whenComplete((permit, failure) -> {
                if (result.isCancelled()) {
                    cancelPending();
                }
            });
        }

        void attempt() {
            if (result.isDone()) {
                return;
            }
            long askedAt = engine.waitClock().read();
            Permit permit;
            try {
                permit = decide(permits);
            } catch (RuntimeException failure) {
                result.completeExceptionally(failure);
                return;
            }
            if (permit.granted()) {
                if (!result.complete(permit)) {
                    ((FallbackPermit) permit).withdraw(); // the caller withdrew meanwhile
                }
                return;
            }
            long left = deadline - askedAt;
            long retry = permit.retryAfterNanos();
            boolean concurrency = partSpecs[indexOf(permit.limiter())] instanceof Concurrency;
            if (concurrency) {
                retry = Math.min(retry, POLL_NANOS); // "when released" is a hint: poll
            }
            if (retry == Permit.NEVER || left <= 0L || (!concurrency && retry > left)) {
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
    }

    private int indexOf(String partName) {
        for (int i = 0; i < partNames.length; i++) {
            if (partNames[i].equals(partName)) {
                return i;
            }
        }
        return 0;
    }

    /**
     * A composite grant made by the parts' fallback limiters: it holds one local permit per part, and closing,
     * dropping and settling apply to each, as {@link CompositePermit} does in Redis. Nothing of it is in Redis.
     */
    private final class FallbackPermit extends AbstractPermit {

        private final Permit[] parts;

        FallbackPermit(Permit[] parts, long remaining, long limit) {
            super(name, true, parts[0].permits(), 0L, remaining, limit);
            this.parts = parts;
        }

        /** Ends every part's permit (the local permits' close is idempotent). Never throws. */
        @Override
        public void close() {
            for (Permit part : parts) {
                part.close();
            }
        }

        /** Reports overload to every part's permit, which ends it. */
        @Override
        public void dropped() {
            for (Permit part : parts) {
                part.dropped();
            }
        }

        /**
         * Settles every part's permit: rate parts take the extra or give back the rest, concurrency parts shrink.
         *
         * @throws IllegalArgumentException if {@code actualPermits} is negative, or above the grant while a part is
         *     a concurrency limit (a lease cannot grow)
         * @throws IllegalStateException if the permit was already settled
         */
        @Override
        public void settle(long actualPermits) {
            if (leases) {
                Arguments.requireInRange("actualPermits", actualPermits, 0L, permits());
            }
            if (claimSettle(actualPermits)) {
                for (Permit part : parts) {
                    part.settle(actualPermits);
                }
            }
        }

        /** Gives back what every part granted (its acquisition was cancelled first). */
        void withdraw() {
            giveBackFirst(parts, parts.length);
        }

        @Override
        public String toString() {
            return "Permit[" + limiter() + ": granted " + permits() + " by the fallback limiters of its parts]";
        }
    }
}
