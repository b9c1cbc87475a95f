package dev.throttle.http.admission;

import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpRejection;
import dev.throttle.http.HttpRequestView;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.RateLimitHeaderStyle;
import dev.throttle.http.Refusal;
import dev.throttle.http.RejectionHandler;
import dev.throttle.http.RouteRule;
import dev.throttle.kernel.Arguments;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The admission step shared by the servlet filter and the Netty handler (and by any later server adapter): checks a
 * request against its {@link HttpThrottlePolicy} and answers with an {@link Admission}, at once or, where a limit
 * {@link HttpLimit#queueing queues}, when the request's permits come. Thread-safe; never blocks.
 * Internal: users configure an {@link HttpThrottlePolicy} and hand it to a server adapter, which makes its own
 * throttle; the adapters share this class so that a request is judged the same way whichever server received it.
 *
 * <p>The global limits are tried first, then the limits of the first matching route, one permit each (a request that
 * waits for one limit holds the permits of the limits before it meanwhile). It is all or nothing: when a limit refuses, the permits already taken are given back whole
 * ({@code giveBack()}), so that a refused request costs no other limit anything, and the
 * refusal is answered by the policy's {@link RejectionHandler}.
 */
public final class HttpThrottle {

    private final HttpThrottlePolicy policy;
    /** The limits a request outside every route passes: the global ones. */
    private final List<HttpLimit> globalsOnly;
    /** Each route's limits in the order checked, globals first: made once, as the policy is immutable. */
    private final Map<RouteRule, List<HttpLimit>> limitsByRoute = new IdentityHashMap<>();

    /**
     * A throttle enforcing a policy.
     *
     * @param policy the policy
     * @throws IllegalArgumentException if {@code policy} is null
     */
    public HttpThrottle(HttpThrottlePolicy policy) {
        this.policy = Arguments.requireNonNull("policy", policy);
        this.globalsOnly = List.copyOf(policy.globalLimits());
        for (RouteRule rule : policy.routes()) {
            List<HttpLimit> limits = new ArrayList<>(globalsOnly);
            limits.addAll(rule.limits());
            limitsByRoute.put(rule, List.copyOf(limits));
        }
    }

    /**
     * The policy enforced.
     *
     * @return the policy
     */
    public HttpThrottlePolicy policy() {
        return policy;
    }

    /**
     * Checks a request against the policy without waiting: a {@link HttpLimit#queueing queueing} limit refuses at
     * once like any other.
     *
     * @param request the request
     * @return the admission, holding the permits of an admitted request, or the rejection to write
     * @throws IllegalArgumentException if {@code request} is null
     * @throws RuntimeException whatever a limiter or the rejection handler throws; permits taken by then are given
     *     back first
     */
    public Admission admit(HttpRequestView request) {
        CompletableFuture<Admission> decision = new Walk(request, false).start();
        try {
            return decision.join();
        } catch (CompletionException e) {
            throw unwrapped(e);
        }
    }

    /**
     * Checks a request against the policy, letting it wait where a limit {@link HttpLimit#queueing queues}: the
     * future completes when every limit has decided. Nothing is parked while it waits.
     *
     * <p>Withdraw a request that must stop waiting (its client went away) with {@link #withdraw(CompletableFuture)}.
     *
     * @param request the request
     * @return the future admission; complete at once unless a limit made the request wait. It completes exceptionally
     *     with whatever a limiter or the rejection handler threw (permits taken by then are given back first)
     * @throws IllegalArgumentException if {@code request} is null
     */
    public CompletableFuture<Admission> admitAsync(HttpRequestView request) {
        return new Walk(request, true).start();
    }

    /**
     * Withdraws a request from {@link #admitAsync}: if it is still waiting, it leaves its queue and gives back the
     * permits it held; if it was admitted meanwhile, its permits are given back unused ({@link Admission#withdraw()}).
     *
     * @param decision the future from {@link #admitAsync}
     */
    public static void withdraw(CompletableFuture<Admission> decision) {
        if (!decision.cancel(false)) {
            decision.thenAccept(Admission::withdraw);
        }
    }

    /**
     * The admission of a future known to be complete, or the exception it completed with.
     *
     * @param decision a completed future from {@link #admitAsync}
     * @return the admission
     * @throws RuntimeException what the admission step threw
     */
    public static Admission resolved(CompletableFuture<Admission> decision) {
        try {
            return decision.join();
        } catch (CompletionException e) {
            throw unwrapped(e);
        }
    }

    private static RuntimeException unwrapped(CompletionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException) {
            return (RuntimeException) cause;
        }
        if (cause instanceof Error) {
            throw (Error) cause;
        }
        return e;
    }

    /**
     * One request's walk through its limits, in order, one permit each: at once where a limit grants or refuses, in a
     * callback where a limit makes it wait. It is all or nothing: when a limit refuses, the permits already taken are
     * given back whole ({@code giveBack()}), so that a refused request costs no other limit anything. Only one thread
     * moves a walk at a time (each step starts when the one before it ends); a cancellation of the result may come
     * from any thread, and then whatever the walk holds or is granted afterwards is given back.
     */
    private final class Walk {

        private final HttpRequestView request;
        private final boolean waits;
        private final List<HttpLimit> limits;
        private final List<Permit> held;
        private final List<HttpLimit> heldLimits;
        private final CompletableFuture<Admission> result = new CompletableFuture<>();
        /** The step waiting now, cancelled if the result is. */
        private volatile CompletableFuture<Optional<Permit>> pending;
        private int next;

        Walk(HttpRequestView request, boolean waits) {
            this.request = Arguments.requireNonNull("request", request);
            this.waits = waits;
            Optional<RouteRule> route = policy.routeFor(request);
            this.limits = route.isPresent() ? limitsByRoute.get(route.get()) : globalsOnly;
            this.held = new ArrayList<>(limits.size());
            this.heldLimits = new ArrayList<>(limits.size());
        }

        CompletableFuture<Admission> start() {
            result.whenComplete((admission, failure) -> {
                CompletableFuture<Optional<Permit>> step = pending;
                if (result.isCancelled() && step != null) {
                    step.cancel(false);
                }
            });
            advance();
            return result;
        }

        /** Takes the permits of the next limits until one makes the request wait, refuses it, or none is left. */
        private void advance() {
            try {
                while (next < limits.size()) {
                    HttpLimit limit = limits.get(next);
                    CompletableFuture<Optional<Permit>> step = waits ? limit.acquireAsync(request)
                            : CompletableFuture.completedFuture(limit.tryAcquire(request));
                    if (!step.isDone()) {
                        pending = step;
                        if (result.isCancelled()) {
                            step.cancel(false);
                        }
                        step.whenComplete(this::resume);
                        return;
                    }
                    if (!take(limit, step.join())) {
                        return;
                    }
                }
                Admission admitted = Admission.admitted(held, admittedHeaders(limits, heldLimits, held));
                if (!result.complete(admitted)) {
                    admitted.withdraw(); // cancelled meanwhile
                }
            } catch (RuntimeException | Error e) {
                fail(e);
            }
        }

        private void resume(Optional<Permit> decision, Throwable failure) {
            pending = null;
            if (result.isCancelled() && failure == null) {
                decision.filter(Permit::granted).ifPresent(Permit::giveBack);
                fail(new CancellationException("withdrawn"));
                return;
            }
            if (failure != null) {
                fail(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                        : failure);
                return;
            }
            try {
                if (take(limits.get(next), decision)) {
                    advance();
                }
            } catch (RuntimeException | Error e) {
                fail(e);
            }
        }

        /** Takes one limit's decision; false when it refused the request, which is then answered. */
        private boolean take(HttpLimit limit, Optional<Permit> decision) {
            next++;
            if (decision.isEmpty()) {
                return true;
            }
            Permit permit = decision.get();
            if (permit.granted()) {
                held.add(permit);
                heldLimits.add(limit);
                return true;
            }
            giveBack(held);
            held.clear();
            result.complete(Admission.refused(reject(request, limits, limit, permit)));
            return false;
        }

        private void fail(Throwable failure) {
            giveBack(held);
            held.clear();
            result.completeExceptionally(failure);
        }
    }

    /**
     * The RateLimit fields of an admitted request. IETF style: every policy of the route, in the order they are
     * checked (the same on every response of the route), and the state of every limit that decided; legacy style: the
     * limit with the fewest permits left, the only one its three fields can carry.
     */
    private List<HttpRejection.Header> admittedHeaders(List<HttpLimit> limits, List<HttpLimit> decided,
            List<Permit> permits) {
        if (permits.isEmpty() || policy.headerStyle() == RateLimitHeaderStyle.NONE) {
            return List.of();
        }
        if (policy.headerStyle() == RateLimitHeaderStyle.LEGACY) {
            int tightest = 0;
            for (int i = 1; i < permits.size(); i++) {
                if (permits.get(i).remaining() < permits.get(tightest).remaining()) {
                    tightest = i;
                }
            }
            return RateLimitHeaders.of(RateLimitState.of(permits.get(tightest), decided.get(tightest).spec()),
                    RateLimitHeaderStyle.LEGACY);
        }
        StringBuilder service = new StringBuilder();
        for (int i = 0; i < permits.size(); i++) {
            HttpLimit limit = decided.get(i);
            service.append(i == 0 ? "" : ", ")
                    .append(RateLimitFields.serviceItem(limit.name(), permits.get(i), limit.spec()));
        }
        return RateLimitHeaders.ietf(policyField(limits), service.toString());
    }

    /** Every policy of the route, in the order its limits are checked. */
    private static String policyField(List<HttpLimit> limits) {
        StringBuilder field = new StringBuilder();
        for (HttpLimit limit : limits) {
            field.append(field.length() == 0 ? "" : ", ")
                    .append(RateLimitFields.policyItem(limit.name(), limit.spec()));
        }
        return field.toString();
    }

    private HttpRejection reject(HttpRequestView request, List<HttpLimit> limits, HttpLimit refusing,
            Permit refused) {
        LimitSpec spec = refusing.spec();
        RateLimitState state = RateLimitState.of(refused, spec);
        OptionalLong retryAfter = refused.never() ? OptionalLong.empty()
                : OptionalLong.of(RateLimitState.retryAfterSeconds(refused.retryAfterNanos()));
        List<HttpRejection.Header> fields;
        switch (policy.headerStyle()) {
            case IETF_DRAFT:
                fields = RateLimitHeaders.ietf(policyField(limits),
                        RateLimitFields.serviceItem(refusing.name(), refused, spec));
                break;
            case LEGACY:
                fields = RateLimitHeaders.of(state, RateLimitHeaderStyle.LEGACY);
                break;
            default:
                fields = List.of();
        }
        Refusal refusal = new Refusal(policy.refusalStatus(), refused, state.windowSeconds(), retryAfter, fields);
        HttpRejection rejection = policy.rejectionHandler().reject(request, refusal);
        if (rejection == null) {
            throw new IllegalStateException("rejection handler " + policy.rejectionHandler() + " returned null");
        }
        return rejection;
    }

    /** Undoes the permits of a request that is refused after all: unused, so nothing is counted against them. */
    private static void giveBack(List<Permit> held) {
        for (Permit permit : held) {
            permit.giveBack();
        }
    }
}
