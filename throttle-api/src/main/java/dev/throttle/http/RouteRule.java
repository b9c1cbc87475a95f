package dev.throttle.http;

import dev.throttle.kernel.Arguments;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A route and the limits its requests are checked against: a method (or any) and a path pattern. Immutable.
 *
 * <pre>{@code
 * RouteRule.of("POST", "/api/orders", HttpLimit.keyed(perUser, KeyResolver.principal()));
 * RouteRule.anyMethod("/api/**", HttpLimit.shared(apiLimiter));
 * }</pre>
 *
 * <h2>Path patterns</h2>
 * A pattern is made of whole segments: literal segments match themselves, {@code *} matches exactly one non-empty
 * segment, and {@code **}, allowed only as the last segment, matches any number of segments including none. Matching
 * is case-sensitive, on the path without its query, and does not allocate.
 * <ul>
 *   <li>{@code /api/orders} matches only {@code /api/orders};</li>
 *   <li>{@code /api/*} matches {@code /api/orders} but not {@code /api}, {@code /api/} or {@code /api/orders/42};</li>
 *   <li>{@code /api/**} matches {@code /api}, {@code /api/} and {@code /api/orders/42};</li>
 *   <li>{@code /**} matches every path.</li>
 * </ul>
 * A wildcard inside a segment ({@code /files/*.txt}) is not supported and is refused when the rule is built, rather
 * than quietly matching nothing.
 */
public final class RouteRule {

    private final String method;
    private final PathPattern pattern;
    private final List<HttpLimit> limits;

    private RouteRule(String method, PathPattern pattern, List<HttpLimit> limits) {
        this.method = method;
        this.pattern = pattern;
        this.limits = limits;
    }

    /**
     * A rule for one method.
     *
     * @param method the method, compared case-insensitively, for example {@code GET}
     * @param pattern the path pattern, starting with {@code /} (see the class description)
     * @param limits the limits, checked in this order; at least one
     * @return the rule
     * @throws IllegalArgumentException if an argument is null, the method blank, the pattern invalid or no limit
     *     is given
     */
    public static RouteRule of(String method, String pattern, HttpLimit... limits) {
        Arguments.requireNonNull("method", method);
        if (method.isBlank()) {
            throw new IllegalArgumentException("method must not be blank");
        }
        return new RouteRule(method.strip().toUpperCase(Locale.ROOT), PathPattern.of(pattern), limits(limits));
    }

    /**
     * A rule for every method.
     *
     * @param pattern the path pattern, starting with {@code /} (see the class description)
     * @param limits the limits, checked in this order; at least one
     * @return the rule
     * @throws IllegalArgumentException if an argument is null, the pattern invalid or no limit is given
     */
    public static RouteRule anyMethod(String pattern, HttpLimit... limits) {
        return new RouteRule(null, PathPattern.of(pattern), limits(limits));
    }

    private static List<HttpLimit> limits(HttpLimit... limits) {
        Arguments.requireNonNull("limits", limits);
        if (limits.length == 0) {
            throw new IllegalArgumentException("a route rule needs at least one limit");
        }
        for (HttpLimit limit : limits) {
            Arguments.requireNonNull("limit", limit);
        }
        return List.of(limits);
    }

    /**
     * Tells whether a request falls under this rule.
     *
     * @param request the request
     * @return true if the method and path match
     */
    public boolean matches(HttpRequestView request) {
        return (method == null || method.equalsIgnoreCase(request.method())) && pattern.matches(request.path());
    }

    /**
     * The method this rule is for.
     *
     * @return the method in upper case, or empty for any method
     */
    public Optional<String> method() {
        return Optional.ofNullable(method);
    }

    /**
     * The path pattern, as written when the rule was built.
     *
     * @return the pattern's text
     */
    public String pattern() {
        return pattern.toString();
    }

    /**
     * The limits, in the order they are checked.
     *
     * @return an unmodifiable list, never empty
     */
    public List<HttpLimit> limits() {
        return limits;
    }

    @Override
    public String toString() {
        return (method == null ? "*" : method) + " " + pattern + " -> " + limits;
    }
}
