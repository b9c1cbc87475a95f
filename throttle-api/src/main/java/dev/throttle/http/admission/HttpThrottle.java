package dev.throttle.http.admission;

import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpRejection;
import dev.throttle.http.HttpRequestView;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.Refusal;
import dev.throttle.http.RejectionHandler;
import dev.throttle.http.RouteRule;
import dev.throttle.kernel.Arguments;
import java.util.ArrayList;
import java.util.List;
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

    /**
     * A throttle enforcing a policy.
     *
     * @param policy the policy
     * @throws IllegalArgumentException if {@code policy} is null
     */
    public HttpThrottle(HttpThrottlePolicy policy) {
        this.policy = Arguments.requireNonNull("policy", policy);
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
        List<HttpLimit> globals = policy.globalLimits();
        int count = globals.size() + (route.isPresent() ? route.get().limits().size() : 0);
        if (count == 0) {
            return Admission.admitted(List.of(), List.of());
        }
        List<Permit> held = new ArrayList<>(count);
        Permit tightest = null;
        LimitSpec tightestSpec = null;
        try {
            for (int i = 0; i < count; i++) {
                HttpLimit limit = i < globals.size() ? globals.get(i) : route.get().limits().get(i - globals.size());
                Optional<Permit> decision = limit.tryAcquire(request);
                if (decision.isEmpty()) {
                    continue;
                }
                Permit permit = decision.get();
                if (!permit.granted()) {
                    giveBack(held);
                    held.clear();
                    return Admission.refused(reject(request, permit, limit.spec()));
                }
                held.add(permit);
                if (tightest == null || permit.remaining() < tightest.remaining()) {
                    tightest = permit;
                    tightestSpec = limit.spec();
                }
            }
        } catch (RuntimeException | Error e) {
            giveBack(held);
            throw e;
        }
        List<HttpRejection.Header> headers = tightest == null ? List.of()
                : RateLimitHeaders.of(RateLimitState.of(tightest, tightestSpec), policy.headerStyle());
        return Admission.admitted(held, headers);
    }

    private HttpRejection reject(HttpRequestView request, Permit refused, LimitSpec spec) {
        RateLimitState state = RateLimitState.of(refused, spec);
        OptionalLong retryAfter = refused.never() ? OptionalLong.empty()
                : OptionalLong.of(RateLimitState.retryAfterSeconds(refused.retryAfterNanos()));
        Refusal refusal = new Refusal(policy.refusalStatus(), refused, state.windowSeconds(), retryAfter,
                RateLimitHeaders.of(state, policy.headerStyle()));
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
