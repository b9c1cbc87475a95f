package dev.throttle.http;

import dev.throttle.kernel.Arguments;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an HTTP server throttles and how it answers: global limits checked first for every request, then the limits of
 * the <em>first</em> route rule that matches (rules are tried in the order added, like a firewall's: put specific
 * routes before general ones), the refusal status, the header style and the rejection handler. Immutable; built
 * with {@link #builder()}.
 *
 * <pre>{@code
 * HttpThrottlePolicy policy = HttpThrottlePolicy.builder()
 *         .global(HttpLimit.shared(serverLimiter))
 *         .route(RouteRule.of("POST", "/api/orders", HttpLimit.keyed(perUser, KeyResolver.principal())))
 *         .route(RouteRule.anyMethod("/api/**",
 *                 HttpLimit.keyed(perClient, KeyResolver.forwardedFor(TrustedProxies.of("10.0.0.0/8")))))
 *         .build();
 * }</pre>
 */
public final class HttpThrottlePolicy {

    /** The default refusal status: 429 Too Many Requests. */
    public static final int TOO_MANY_REQUESTS = 429;

    private final List<HttpLimit> globalLimits;
    private final List<RouteRule> routes;
    private final int refusalStatus;
    private final RateLimitHeaderStyle headerStyle;
    private final RejectionHandler rejectionHandler;

    private HttpThrottlePolicy(Builder builder) {
        this.globalLimits = List.copyOf(builder.globalLimits);
        this.routes = List.copyOf(builder.routes);
        this.refusalStatus = builder.refusalStatus;
        this.headerStyle = builder.headerStyle;
        this.rejectionHandler = builder.rejectionHandler;
    }

    /**
     * A builder with no limits, status 429, IETF draft headers and the standard rejection handler.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The limits every request is checked against first, in order.
     *
     * @return an unmodifiable list
     */
    public List<HttpLimit> globalLimits() {
        return globalLimits;
    }

    /**
     * The route rules, in the order they are tried.
     *
     * @return an unmodifiable list
     */
    public List<RouteRule> routes() {
        return routes;
    }

    /**
     * The first route rule a request matches.
     *
     * @param request the request
     * @return the rule, or empty when none matches (only the global limits apply)
     */
    public Optional<RouteRule> routeFor(HttpRequestView request) {
        for (RouteRule rule : routes) {
            if (rule.matches(request)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    /**
     * The status of a refusal, handed to the rejection handler.
     *
     * @return the status
     */
    public int refusalStatus() {
        return refusalStatus;
    }

    /**
     * The rate limit headers responses carry.
     *
     * @return the style
     */
    public RateLimitHeaderStyle headerStyle() {
        return headerStyle;
    }

    /**
     * The handler that writes refusals.
     *
     * @return the handler
     */
    public RejectionHandler rejectionHandler() {
        return rejectionHandler;
    }

    /** Builds a {@link HttpThrottlePolicy}; not thread-safe, the policy it builds is. */
    public static final class Builder {

        private final List<HttpLimit> globalLimits = new ArrayList<>();
        private final List<RouteRule> routes = new ArrayList<>();
        private int refusalStatus = TOO_MANY_REQUESTS;
        private RateLimitHeaderStyle headerStyle = RateLimitHeaderStyle.IETF_DRAFT;
        private RejectionHandler rejectionHandler = RejectionHandler.standard();

        private Builder() {
        }

        /**
         * Adds a limit every request is checked against, before any route's; global limits are checked in the order
         * added.
         *
         * @param limit the limit
         * @return this builder
         * @throws IllegalArgumentException if {@code limit} is null
         */
        public Builder global(HttpLimit limit) {
            globalLimits.add(Arguments.requireNonNull("limit", limit));
            return this;
        }

        /**
         * Adds a route rule after those already added.
         *
         * @param rule the rule
         * @return this builder
         * @throws IllegalArgumentException if {@code rule} is null
         */
        public Builder route(RouteRule rule) {
            routes.add(Arguments.requireNonNull("rule", rule));
            return this;
        }

        /**
         * Sets the status of refusals.
         *
         * @param status a client or server error status, in {@code [400, 599]}; 429 by default, 503 is the other
         *     usual choice
         * @return this builder
         * @throws IllegalArgumentException if the status is out of range
         */
        public Builder refusalStatus(int status) {
            this.refusalStatus = (int) Arguments.requireInRange("status", status, 400, 599);
            return this;
        }

        /**
         * Sets which rate limit headers responses carry.
         *
         * @param style the style; {@link RateLimitHeaderStyle#IETF_DRAFT} by default
         * @return this builder
         * @throws IllegalArgumentException if {@code style} is null
         */
        public Builder headerStyle(RateLimitHeaderStyle style) {
            this.headerStyle = Arguments.requireNonNull("style", style);
            return this;
        }

        /**
         * Sets the handler that writes refusals.
         *
         * @param handler the handler; {@link RejectionHandler#standard()} by default
         * @return this builder
         * @throws IllegalArgumentException if {@code handler} is null
         */
        public Builder rejectionHandler(RejectionHandler handler) {
            this.rejectionHandler = Arguments.requireNonNull("handler", handler);
            return this;
        }

        /**
         * Builds the policy.
         *
         * @return the policy
         */
        public HttpThrottlePolicy build() {
            return new HttpThrottlePolicy(this);
        }
    }
}
