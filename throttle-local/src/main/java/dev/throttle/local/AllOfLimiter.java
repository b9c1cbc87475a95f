package dev.throttle.local;

import dev.throttle.Acquisitions;
import dev.throttle.Arguments;
import dev.throttle.ConcurrencyStats;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * All or nothing over several limiters (global + per client + per route): a request is granted only if every part
 * grants it. The parts are asked in order; at the first refusal the permits the earlier parts granted are given back
 * whole ({@code settle(0)} then {@code close()}), so they are left as if nothing had been asked, and the refusal of
 * the refusing part is returned: its {@link Permit#limiter()} names the limit that refused.
 *
 * <p>Waiting never parks a thread and never holds one part's permits while waiting for another: a refused request
 * is asked again, whole, when the refusal says a retry could succeed, on the scheduler. A part that cannot tell when
 * (a refusal with a retry time of zero, or any refusal of a concurrency limit, a {@link ConcurrencyStats}, whose
 * 1 ns means "when a permit is released") is waited on with its own {@code acquireAsync}; once it grants, the other
 * parts are asked with that permit in hand.
 */
final class AllOfLimiter implements Limiter {

    private final String name;
    private final Limiter[] parts;
    private final AllOf spec;
    private final long capacity;
    private final Ticker ticker;
    private final Scheduler scheduler;
    /**
     * What each part is asked for: {@link #AS_ASKED} (the request's permits) or a fixed count whatever the request
     * (a request-count limit next to a token limit, see {@link TokenBudget}).
     */
    private final long[] demands;

    /** The demand of a part asked for the request's own permits. */
    static final long AS_ASKED = 0L;

    AllOfLimiter(String name, Ticker ticker, Scheduler scheduler, List<Limiter> limiters) {
        this(name, ticker, scheduler, limiters, new long[limiters.size()]);
    }

    /**
     * A composite whose parts may be asked for fixed counts: part {@code i} is asked for {@code demands[i]} permits,
     * or the request's permits when that is {@link #AS_ASKED}. The capacity is the smallest of the parts asked as
     * asked; at least one part must be.
     */
    AllOfLimiter(String name, Ticker ticker, Scheduler scheduler, List<Limiter> limiters, long[] demands) {
        this.name = name;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.parts = limiters.toArray(new Limiter[0]);
        this.demands = demands.clone();
        List<LimitSpec> specs = new ArrayList<>(parts.length);
        long smallest = Long.MAX_VALUE;
        for (int i = 0; i < parts.length; i++) {
            specs.add(parts[i].spec());
            if (this.demands[i] == AS_ASKED) {
                smallest = Math.min(smallest, parts[i].spec().capacity());
            }
        }
        this.spec = new AllOf(specs);
        this.capacity = smallest;
    }

    private long demand(int part, long permits) {
        return demands[part] == AS_ASKED ? permits : demands[part];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public AllOf spec() {
        return spec;
    }

    @Override
    public Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, capacity);
        return attempt(permits, -1, null, null);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, capacity);
        if (maxWaitNanos == 0L) {
            return attempt(permits, -1, null, null);
        }
        return Acquisitions.await(new Acquisition(permits, ticker.read() + maxWaitNanos).start(),
                () -> EmptyPermit.refused(name, permits, availablePermits(), capacity));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, capacity);
        if (maxWaitNanos == 0L) {
            return CompletableFuture.completedFuture(attempt(permits, -1, null, null));
        }
        return new Acquisition(permits, ticker.read() + maxWaitNanos).start();
    }

    /**
     * The smallest availability of the parts asked as asked; zero if a part asked for a fixed count cannot grant it.
     *
     * @return zero or more
     */
    @Override
    public long availablePermits() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < parts.length; i++) {
            long available = parts[i].availablePermits();
            if (demands[i] == AS_ASKED) {
                min = Math.min(min, available);
            } else if (available < demands[i]) {
                return 0L;
            }
        }
        return min;
    }

    /**
     * Asks every part in order, except part {@code heldIndex} whose permit {@code held} was already granted.
     *
     * @param refusedBy if not null, receives the index of the refusing part
     * @return the composite grant, or the refusing part's refusal with everything else given back
     */
    private Permit attempt(long permits, int heldIndex, Permit held, int[] refusedBy) {
        Permit[] granted = new Permit[parts.length];
        if (held != null) {
            granted[heldIndex] = held;
        }
        for (int i = 0; i < parts.length; i++) {
            if (i == heldIndex) {
                continue;
            }
            Permit decision;
            try {
                decision = parts[i].tryAcquire(demand(i, permits));
            } catch (RuntimeException | Error e) {
                giveBackAll(granted);
                throw e;
            }
            if (!decision.granted()) {
                giveBackAll(granted);
                if (refusedBy != null) {
                    refusedBy[0] = i;
                }
                return decision;
            }
            granted[i] = decision;
        }
        return new AllOfPermit(name, granted, permits);
    }

    /** Gives back, latest first, the permits granted so far: the parts are left as if nothing had been asked. */
    private static void giveBackAll(Permit[] granted) {
        for (int i = granted.length - 1; i >= 0; i--) {
            if (granted[i] != null) {
                granted[i].giveBack();
            }
        }
    }

    @Override
    public String toString() {
        return "Limiter[" + name + ": all of " + parts.length + " limits]";
    }

    /** One waiting request: retried whole at each refusal's retry time until granted or out of time. */
    private final class Acquisition {
        final CompletableFuture<Permit> result = new CompletableFuture<>();
        private final long permits;
        private final long deadline;
        private volatile Scheduler.Cancellable task;
        private volatile CompletableFuture<Permit> partWait;

        Acquisition(long permits, long deadline) {
            this.permits = permits;
            this.deadline = deadline;
        }

        CompletableFuture<Permit> start() {
            result.whenComplete((permit, failure) -> {
                if (result.isCancelled()) {
                    withdraw();
                }
            });
            step(-1, null);
            return result;
        }

        private void withdraw() {
            Scheduler.Cancellable pending = task;
            if (pending != null) {
                pending.cancel();
            }
            CompletableFuture<Permit> waiting = partWait;
            if (waiting != null) {
                waiting.cancel(false);
            }
        }

        private void step(int heldIndex, Permit held) {
            if (result.isDone()) {
                if (held != null) {
                    held.giveBack();
                }
                return;
            }
            int[] refusedBy = new int[1];
            Permit decision;
            try {
                decision = attempt(permits, heldIndex, held, refusedBy);
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
                return;
            }
            if (decision.granted()) {
                if (!result.complete(decision)) {
                    decision.giveBack();
                }
                return;
            }
            long left = deadline - ticker.read();
            long retryAfter = decision.retryAfterNanos();
            if (left <= 0L || retryAfter == Permit.NEVER || retryAfter > left) {
                result.complete(decision);
            } else if (retryAfter > 0L && !(parts[refusedBy[0]] instanceof ConcurrencyStats)) {
                task = scheduler.schedule(() -> step(-1, null), retryAfter);
            } else {
                // A bulkhead's retry time (1 ns) means "when a permit is released": polling it would spin.
                waitOn(refusedBy[0], left);
            }
            if (result.isCancelled()) {
                // The cancel hook may have run before the task or the wait were visible to it.
                withdraw();
            }
        }

        /** The part cannot tell when it could grant: let it wait for itself, then ask the others. */
        private void waitOn(int index, long left) {
            CompletableFuture<Permit> waiting = parts[index].acquireAsync(demand(index, permits),
                    Duration.ofNanos(left));
            partWait = waiting;
            waiting.whenComplete((permit, failure) -> {
                if (failure != null) {
                    if (!(failure instanceof CancellationException)) {
                        result.completeExceptionally(failure);
                    }
                } else if (!permit.granted()) {
                    result.complete(permit);
                } else {
                    step(index, permit);
                }
            });
        }
    }
}
