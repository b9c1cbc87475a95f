package dev.throttle.kernel;

import dev.throttle.AllOf;
import dev.throttle.ConcurrencyStats;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.RateLimiter;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * All or nothing over several limiters (global + per client + per route): a request is granted only if every part
 * grants it. The parts are asked in order; at the first refusal the permits the earlier parts granted are given back
 * whole ({@link Permit#giveBack()}), so they are left as if nothing had been asked, and the refusal of the refusing
 * part is returned: its {@link Permit#limiterName()} names the limit that refused. Any limiters of any engines can be
 * parts: the local engine builds its {@link AllOf} specs with it, a Redis engine's composite falls back to it, and
 * {@link dev.throttle.Limiters#allOf} composes limiters already built.
 *
 * <p>Waiting never parks a thread and never holds one part's permits while waiting for another: a refused request
 * is asked again, whole, when the refusal says a retry could succeed. A part that cannot tell when (a refusal with a
 * retry time of zero, or any refusal of a concurrency limit, a {@link ConcurrencyStats}, whose 1 ns means "when a
 * permit is released") is waited on with its own {@code acquireAsync}; once it grants, the other parts are asked with
 * that permit in hand.
 *
 * <p>A part may be asked for a fixed count whatever the request (a request-count limit next to a token limit, see
 * the local engine's token budget); the composite's permits are then those of the parts asked as asked.
 */
public class AllOfLimiter implements Limiter {

    /** The demand of a part asked for the request's own permits. */
    public static final long AS_ASKED = 0L;

    private final String name;
    private final Limiter[] parts;
    private final AllOf spec;
    private final long capacity;
    private final Ticker ticker;
    private final Scheduler scheduler;
    /** What each part is asked for: {@link #AS_ASKED} or a fixed count. */
    private final long[] demands;

    /**
     * A composite whose parts may be asked for fixed counts: part {@code i} is asked for {@code demands[i]} permits,
     * or the request's permits when that is {@link #AS_ASKED}. The capacity is the smallest of the parts asked as
     * asked; at least one part must be.
     *
     * @param name the composite's name, for its grants
     * @param ticker the clock measuring waits
     * @param scheduler runs the retries of waiting requests
     * @param limiters the parts, asked in this order
     * @param demands what each part is asked for
     */
    protected AllOfLimiter(String name, Ticker ticker, Scheduler scheduler, List<? extends Limiter> limiters,
            long[] demands) {
        this.name = name;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.parts = limiters.toArray(new Limiter[0]);
        this.demands = demands.clone();
        long smallest = Long.MAX_VALUE;
        for (int i = 0; i < parts.length; i++) {
            if (this.demands[i] == AS_ASKED) {
                smallest = Math.min(smallest, parts[i].spec().capacity());
            }
        }
        this.spec = describe(parts);
        this.capacity = smallest;
    }

    /**
     * A composite of limiters, each asked for the request's permits: a {@link RateLimiter} when every part is one.
     *
     * @param name the composite's name
     * @param ticker the clock measuring waits
     * @param scheduler runs the retries of waiting requests
     * @param limiters the parts, asked in this order; at least one
     * @return the composite
     */
    public static AllOfLimiter of(String name, Ticker ticker, Scheduler scheduler, List<? extends Limiter> limiters) {
        long[] demands = new long[limiters.size()];
        boolean rates = limiters.stream().allMatch(RateLimiter.class::isInstance);
        return rates ? new Rate(name, ticker, scheduler, limiters, demands)
                : new AllOfLimiter(name, ticker, scheduler, limiters, demands);
    }

    /**
     * A composite whose parts may be asked for fixed counts, see the constructor.
     *
     * @param name the composite's name
     * @param ticker the clock measuring waits
     * @param scheduler runs the retries of waiting requests
     * @param limiters the parts, asked in this order
     * @param demands what each part is asked for: {@link #AS_ASKED} or a fixed count
     * @return the composite
     */
    public static AllOfLimiter withDemands(String name, Ticker ticker, Scheduler scheduler,
            List<? extends Limiter> limiters, long[] demands) {
        return new AllOfLimiter(name, ticker, scheduler, limiters, demands);
    }

    /** The parts' specs as an {@link AllOf}, nested composites flattened and repeated names told apart. */
    private static AllOf describe(Limiter[] limiters) {
        List<AllOf.Part> described = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Limiter limiter : limiters) {
            LimitSpec partSpec = limiter.spec();
            if (partSpec instanceof AllOf nested) {
                for (AllOf.Part part : nested.parts()) {
                    described.add(AllOf.shared(distinct(part.name(), names), part.spec()));
                }
            } else {
                described.add(AllOf.shared(distinct(limiter.name(), names), partSpec));
            }
        }
        return new AllOf(described);
    }

    private static String distinct(String name, Set<String> taken) {
        String candidate = name;
        for (int n = 2; !taken.add(candidate); n++) {
            candidate = name + "#" + n;
        }
        return candidate;
    }

    private long demand(int part, long permits) {
        return demands[part] == AS_ASKED ? permits : demands[part];
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * {@inheritDoc}
     *
     * @return an {@link AllOf} of the parts' specs, unless a subclass says otherwise
     */
    @Override
    public LimitSpec spec() {
        return spec;
    }

    /**
     * The most permits one request may ask for: the smallest capacity of the parts asked as asked.
     *
     * @return 1 or more
     */
    protected final long capacity() {
        return capacity;
    }

    /**
     * The part at a position.
     *
     * @param index its position, in the order the parts are asked
     * @return the part
     */
    public Limiter part(int index) {
        return parts[index];
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
        return Acquisition.await(new Waiting(permits, maxWaitNanos).start(),
                () -> RefusedPermit.of(name, permits, 0L, availablePermits(), capacity));
    }

    @Override
    public java.util.concurrent.CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        long maxWaitNanos = Arguments.waitNanos("maxWait", maxWait);
        Arguments.requirePermits(permits, capacity);
        if (maxWaitNanos == 0L) {
            return java.util.concurrent.CompletableFuture.completedFuture(attempt(permits, -1, null, null));
        }
        return new Waiting(permits, maxWaitNanos).start();
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
                Permits.giveBackAll(granted, granted.length);
                throw e;
            }
            if (!decision.granted()) {
                Permits.giveBackAll(granted, granted.length);
                if (refusedBy != null) {
                    refusedBy[0] = i;
                }
                return refusal(decision, permits);
            }
            granted[i] = decision;
        }
        return grant(permits, granted);
    }

    /**
     * The composite's refusal from a part's; a subclass whose parts count other units (a token budget's request
     * count) restates it in the composite's.
     *
     * @param partRefusal the refusing part's refusal, naming that part
     * @param permits the permits the composite was asked for
     * @return the refusal
     */
    protected Permit refusal(Permit partRefusal, long permits) {
        return partRefusal;
    }

    /**
     * The composite's grant from its parts' grants; a subclass that settles only some parts (a token budget) says
     * which.
     *
     * @param permits the permits asked for
     * @param granted every part's grant
     * @return the grant
     */
    protected Permit grant(long permits, Permit[] granted) {
        return AllOfPermit.of(name, permits, granted);
    }

    /**
     * The composite for logs, as its parts' own texts in order:
     * {@code Limiter[checkout: all of Limiter[global: token bucket 500, 500/s; 400 available], Limiter[orders-db:
     * concurrency 16; 3 in use, 0 waiting]]}. The parts say what they have available, each as cheaply as it can (a
     * Redis limiter without a round trip), so the composite does not ask them.
     *
     * @return the text
     */
    @Override
    public String toString() {
        StringJoiner text = new StringJoiner(", ", "Limiter[" + name + ": all of ", "]");
        for (Limiter part : parts) {
            text.add(part.toString());
        }
        return text.toString();
    }

    /** One waiting request: asked again whole at each refusal's retry time until granted or out of time. */
    private final class Waiting extends Acquisition {

        Waiting(long permits, long maxWaitNanos) {
            super(permits, deadlineAfter(ticker, maxWaitNanos), ticker, scheduler);
        }

        @Override
        protected void attempt() {
            step(-1, null);
        }

        private void step(int heldIndex, Permit held) {
            if (isDone()) {
                if (held != null) {
                    Permits.withdraw(held); // withdrawn while a part was waiting
                }
                return;
            }
            int[] refusedBy = new int[1];
            long askedAt = clock.read();
            Permit decision = AllOfLimiter.this.attempt(permits, heldIndex, held, refusedBy);
            if (decision.granted()) {
                grant(decision);
                return;
            }
            long retryAfter = decision.retryAfterNanos();
            if (!canRetry(retryAfter, askedAt, true)) {
                refuse(decision);
            } else if (retryAfter > 0L && !(parts[refusedBy[0]] instanceof ConcurrencyStats)) {
                retry(decision, retryAfter, askedAt, true);
            } else {
                // The part cannot tell when it could grant (a bulkhead's 1 ns means "when a permit is released"):
                // let it wait for itself, then ask the others with its permit in hand.
                int index = refusedBy[0];
                follow(parts[index].acquireAsync(demand(index, permits), Duration.ofNanos(left(askedAt))),
                        (permit, failure) -> {
                            if (failure != null) {
                                failUnlessCancelled(failure);
                            } else if (!permit.granted()) {
                                refuse(refusal(permit, permits));
                            } else {
                                step(index, permit);
                            }
                        });
            }
        }
    }

    /** A composite of rate limiters: its permits need no closing, and it has the boolean fast path. */
    static final class Rate extends AllOfLimiter implements RateLimiter {

        Rate(String name, Ticker ticker, Scheduler scheduler, List<? extends Limiter> limiters, long[] demands) {
            super(name, ticker, scheduler, limiters, demands);
        }

        /**
         * Asks every part in order, giving back what the earlier parts granted when one refuses. A part's grant is a
         * permit, so unlike a single limiter's {@code allow} this one allocates.
         */
        @Override
        public boolean allow(long permits) {
            return tryAcquire(permits).granted();
        }
    }
}
