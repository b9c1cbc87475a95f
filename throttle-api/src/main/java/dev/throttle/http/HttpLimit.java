package dev.throttle.http;

import dev.throttle.KeyedLimiter;
import dev.throttle.LimitSpec;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One limit a request is checked against: a limiter shared by every request it applies to, or a keyed limiter and
 * the {@link KeyResolver} that picks each request's key. Each request takes one permit. Its configuration is
 * immutable.
 *
 * <h2>Waiting at the door</h2>
 * By default a limit refuses a request at once when it has no permit for it. {@link #queueing(Duration, int)} makes
 * a limit that lets a refused request wait for its permit instead, up to a maximum time, with at most a given number
 * of requests waiting on it at once (a bounded queue): the servlet filter and the Netty handler hold such a request
 * without holding a thread, and answer it when its permit comes, in the order the limiter grants them (a token
 * bucket's reservations, a bulkhead's queue order). A request that cannot have its permit within the wait (a rate
 * limiter knows it at once), or that finds the queue full, is refused as usual. A request withdrawn while it waits
 * (its client went away) gives its place back.
 *
 * <pre>{@code
 * HttpLimit.shared(checkout).queueing(Duration.ofSeconds(2), 200); // wait up to 2 s, at most 200 waiting
 * }</pre>
 */
public final class HttpLimit {

    /** The most requests that may wait on one limit. */
    public static final int MAX_QUEUED = 1 << 20;

    private final Limiter shared;
    private final KeyedLimiter<String> keyed;
    private final KeyResolver resolver;
    /** How long a request may wait for its permit; zero when the limit does not queue. */
    private final Duration maxWait;
    private final int maxQueued;
    /** The requests waiting now, across every server this limit serves; null when the limit does not queue. */
    private final AtomicInteger queued;

    private HttpLimit(Limiter shared, KeyedLimiter<String> keyed, KeyResolver resolver, Duration maxWait,
            int maxQueued) {
        this.shared = shared;
        this.keyed = keyed;
        this.resolver = resolver;
        this.maxWait = maxWait;
        this.maxQueued = maxQueued;
        this.queued = maxQueued == 0 ? null : new AtomicInteger();
    }

    /**
     * A limit shared by every request it applies to.
     *
     * @param limiter the limiter
     * @return the limit
     * @throws IllegalArgumentException if {@code limiter} is null
     */
    public static HttpLimit shared(Limiter limiter) {
        return new HttpLimit(Arguments.requireNonNull("limiter", limiter), null, null, Duration.ZERO, 0);
    }

    /**
     * A limit per key: each request is counted under the key the resolver picks, and is not checked against this
     * limit at all when the resolver has no key for it.
     *
     * @param limiter the keyed limiter
     * @param resolver picks the key
     * @return the limit
     * @throws IllegalArgumentException if an argument is null
     */
    public static HttpLimit keyed(KeyedLimiter<String> limiter, KeyResolver resolver) {
        return new HttpLimit(null, Arguments.requireNonNull("limiter", limiter),
                Arguments.requireNonNull("resolver", resolver), Duration.ZERO, 0);
    }

    /**
     * The same limit (the same limiter, the same keys), letting a request it refuses wait for its permit: see the
     * class description. The new limit has its own queue; this one is unchanged.
     *
     * @param maxWait how long a request may wait, more than zero and at most {@link LimitSpec#MAX_DURATION}
     * @param maxQueued how many requests may wait at once, in {@code [1, }{@value #MAX_QUEUED}{@code ]}
     * @return the queueing limit
     * @throws IllegalArgumentException if {@code maxWait} is null or out of range, or {@code maxQueued} is out of
     *     range
     */
    public HttpLimit queueing(Duration maxWait, int maxQueued) {
        Arguments.toNanos("maxWait", maxWait, 1L, LimitSpec.MAX_DURATION.toNanos());
        Arguments.requireInRange("maxQueued", maxQueued, 1, MAX_QUEUED);
        return new HttpLimit(shared, keyed, resolver, maxWait, maxQueued);
    }

    /**
     * How long a request may wait for its permit.
     *
     * @return the wait; {@link Duration#ZERO} when the limit refuses at once
     */
    public Duration maxWait() {
        return maxWait;
    }

    /**
     * How many requests may wait at once.
     *
     * @return the queue's bound; 0 when the limit refuses at once
     */
    public int maxQueued() {
        return maxQueued;
    }

    /**
     * How many requests are waiting for this limit's permits now.
     *
     * @return from 0 to {@link #maxQueued()}
     */
    public int queued() {
        return queued == null ? 0 : queued.get();
    }

    /**
     * The limiter's name, used as the policy name in RateLimit headers.
     *
     * @return the name
     */
    public String name() {
        return shared != null ? shared.name() : keyed.name();
    }

    /**
     * The spec the limit enforces, read now (a limiter reconfigured at run time reports its new spec).
     *
     * @return the spec
     */
    public LimitSpec spec() {
        return shared != null ? shared.spec() : keyed.spec();
    }

    /**
     * Asks for one permit for a request, without waiting.
     *
     * @param request the request
     * @return the decision, or empty when the limit does not apply (the resolver has no key)
     */
    public Optional<Permit> tryAcquire(HttpRequestView request) {
        if (shared != null) {
            return Optional.of(shared.tryAcquire(1));
        }
        Optional<String> key = resolver.resolve(request);
        return key.isPresent() ? Optional.of(keyed.tryAcquire(key.get(), 1)) : Optional.empty();
    }

    /**
     * Asks for one permit for a request, waiting for it when this limit queues (see the class description). The
     * request's key is resolved once.
     *
     * @param request the request
     * @return the decision, complete at once unless the request waits; empty when the limit does not apply. Cancelling
     *     the future withdraws a waiting request: it leaves the queue and gives back anything reserved for it (a
     *     permit granted just as it was withdrawn is given back unused)
     * @throws RuntimeException whatever the key resolver or the limiter throws
     */
    public CompletableFuture<Optional<Permit>> acquireAsync(HttpRequestView request) {
        Optional<String> key = shared != null ? Optional.empty() : resolver.resolve(request);
        if (shared == null && key.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        Permit now = shared != null ? shared.tryAcquire(1) : keyed.tryAcquire(key.get(), 1);
        if (now.granted() || now.never() || !enterQueue()) {
            return CompletableFuture.completedFuture(Optional.of(now));
        }
        CompletableFuture<Permit> waiting;
        try {
            waiting = shared != null ? shared.acquireAsync(1, maxWait) : keyed.acquireAsync(key.get(), 1, maxWait);
        } catch (RuntimeException | Error e) {
            queued.decrementAndGet();
            throw e;
        }
        CompletableFuture<Optional<Permit>> decision = new CompletableFuture<>();
        waiting.whenComplete((permit, failure) -> {
            queued.decrementAndGet();
            if (failure != null) {
                decision.completeExceptionally(failure);
            } else if (!decision.complete(Optional.of(permit)) && permit.granted()) {
                permit.giveBack(); // withdrawn as it was granted: never used
            }
        });
        decision.whenComplete((permit, failure) -> {
            if (decision.isCancelled()) {
                waiting.cancel(false);
            }
        });
        return decision;
    }

    /** Takes a place in the queue, if this limit queues and a place is free. */
    private boolean enterQueue() {
        if (queued == null) {
            return false;
        }
        for (int waiting = queued.get(); waiting < maxQueued; waiting = queued.get()) {
            if (queued.compareAndSet(waiting, waiting + 1)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        String queue = queued == null ? "" : ", waits up to " + maxWait + " with " + queued() + " of " + maxQueued
                + " waiting";
        return (shared != null ? "HttpLimit[" + name() : "HttpLimit[" + name() + " by " + resolver) + queue + "]";
    }
}
