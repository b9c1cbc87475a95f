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

/**
 * The admission step shared by the servlet filter and the Netty handler (and by any later server adapter): checks a
 * request against its {@link HttpThrottlePolicy} and answers with an {@link Admission}. Thread-safe; never blocks.
 * Internal: users configure an {@link HttpThrottlePolicy} and hand it to a server adapter, which makes its own
 * throttle; the adapters share this class so that a request is judged the same way whichever server received it.
 *
 * <p>The global limits are tried first, then the limits of the first matching route, one permit each with
 * {@code tryAcquire}. It is all or nothing: when a limit refuses, the permits already taken are given back whole
 * ({@code settle(0)} then {@code close()}), so that a refused request costs no other limit anything, and the
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
     * Checks a request against the policy.
     *
     * @param request the request
     * @return the admission, holding the permits of an admitted request, or the rejection to write
     * @throws IllegalArgumentException if {@code request} is null
     * @throws RuntimeException whatever a limiter or the rejection handler throws; permits taken by then are given
     *     back first
     */
    public Admission admit(HttpRequestView request) {
        Arguments.requireNonNull("request", request);
        Optional<RouteRule> route = policy.routeFor(request);
        List<HttpLimit> limits = route.isPresent() ? limitsByRoute.get(route.get()) : globalsOnly;
        int count = limits.size();
        if (count == 0) {
            return Admission.admitted(List.of(), List.of());
        }
        List<Permit> held = new ArrayList<>(count);
        List<HttpLimit> heldLimits = new ArrayList<>(count);
        try {
            for (HttpLimit limit : limits) {
                Optional<Permit> decision = limit.tryAcquire(request);
                if (decision.isEmpty()) {
                    continue;
                }
                Permit permit = decision.get();
                if (!permit.granted()) {
                    giveBack(held);
                    held.clear();
                    return Admission.refused(reject(request, limits, limit, permit));
                }
                held.add(permit);
                heldLimits.add(limit);
            }
        } catch (RuntimeException | Error e) {
            giveBack(held);
            throw e;
        }
        return Admission.admitted(held, admittedHeaders(limits, heldLimits, held));
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
