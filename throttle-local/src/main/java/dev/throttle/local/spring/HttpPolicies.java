package dev.throttle.local.spring;

import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.KeyResolver;
import dev.throttle.http.RateLimitHeaderStyle;
import dev.throttle.http.RejectionHandler;
import dev.throttle.http.RouteRule;
import dev.throttle.http.TrustedProxies;
import dev.throttle.local.spring.ThrottleProperties.HttpProperties;
import dev.throttle.local.spring.ThrottleProperties.KeyType;
import dev.throttle.local.spring.ThrottleProperties.LimitProperties;
import dev.throttle.local.spring.ThrottleProperties.RouteProperties;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Makes the {@link HttpThrottlePolicy} of {@code throttle.http} from the configured limiters. */
final class HttpPolicies {

    private static final String HTTP = "throttle.http";

    private HttpPolicies() {
    }

    /**
     * The policy.
     *
     * @param http the HTTP properties
     * @param limiters the limiters its limits name
     * @return the policy
     * @throws ThrottlePropertyException naming the property at fault: a limiter that does not exist, a key without
     *     what it needs, an invalid pattern, range or status
     */
    static HttpThrottlePolicy of(HttpProperties http, ThrottleLimiters limiters) {
        Optional<TrustedProxies> proxies = trustedProxies(http.trustedProxies());
        HttpThrottlePolicy.Builder policy = HttpThrottlePolicy.builder();
        for (int i = 0; i < http.global().size(); i++) {
            policy.global(limit(HTTP + ".global[" + i + "]", http.global().get(i), limiters, proxies));
        }
        for (int i = 0; i < http.routes().size(); i++) {
            policy.route(route(HTTP + ".routes[" + i + "]", http.routes().get(i), limiters, proxies));
        }
        PropertyPaths.at(HTTP + ".refusal-status", () -> policy.refusalStatus(http.refusalStatus()));
        policy.headerStyle(headerStyle(http.headerStyle()));
        if (http.problemJson()) {
            policy.rejectionHandler(RejectionHandler.problemJson());
        }
        return policy.build();
    }

    private static RouteRule route(String path, RouteProperties route, ThrottleLimiters limiters,
            Optional<TrustedProxies> proxies) {
        if (route.path() == null) {
            throw new ThrottlePropertyException(path + ".path", "is required: the route's path pattern, such as /api/**");
        }
        if (route.limits().isEmpty()) {
            throw new ThrottlePropertyException(path + ".limits", "is required: a route needs at least one limit");
        }
        HttpLimit[] limits = new HttpLimit[route.limits().size()];
        for (int i = 0; i < limits.length; i++) {
            limits[i] = limit(path + ".limits[" + i + "]", route.limits().get(i), limiters, proxies);
        }
        return PropertyPaths.under(path, List.of("method", "path"), Map.of("pattern", "path"),
                () -> route.method() == null ? RouteRule.anyMethod(route.path(), limits)
                        : RouteRule.of(route.method(), route.path(), limits));
    }

    private static HttpLimit limit(String path, LimitProperties limit, ThrottleLimiters limiters,
            Optional<TrustedProxies> proxies) {
        if ((limit.limiter() == null) == (limit.keyed() == null)) {
            throw new ThrottlePropertyException(path, "needs exactly one of limiter (a name of throttle.limiters) and"
                    + " keyed (a name of throttle.keyed)");
        }
        HttpLimit made;
        if (limit.limiter() != null) {
            if (limit.key() != null || limit.header() != null) {
                throw new ThrottlePropertyException(path + (limit.key() != null ? ".key" : ".header"),
                        "is for keyed limits only; limiter " + limit.limiter() + " is shared by every request");
            }
            made = HttpLimit.shared(limiters.find(limit.limiter()).orElseThrow(() -> new ThrottlePropertyException(
                    path + ".limiter", "no limiter named " + limit.limiter() + " in throttle.limiters; the limiters"
                            + " are " + limiters.limiters().keySet())));
        } else {
            made = HttpLimit.keyed(limiters.findKeyed(limit.keyed()).orElseThrow(() -> new ThrottlePropertyException(
                    path + ".keyed", "no keyed limiter named " + limit.keyed() + " in throttle.keyed; the keyed"
                            + " limiters are " + limiters.keyedLimiters().keySet())),
                    resolver(path, limit, proxies));
        }
        if (limit.maxWait() == null && limit.maxQueued() == null) {
            return made;
        }
        if (limit.maxWait() == null || limit.maxQueued() == null) {
            throw new ThrottlePropertyException(path + (limit.maxWait() == null ? ".max-wait" : ".max-queued"),
                    "is required with " + (limit.maxWait() == null ? "max-queued" : "max-wait")
                            + ": a queueing limit says how long a request may wait and how many may wait");
        }
        return PropertyPaths.under(path, List.of("max-wait", "max-queued"), Map.of(),
                () -> made.queueing(limit.maxWait(), limit.maxQueued()));
    }

    private static KeyResolver resolver(String path, LimitProperties limit, Optional<TrustedProxies> proxies) {
        KeyType key = limit.key() == null ? KeyType.REMOTE_ADDRESS : limit.key();
        if (limit.header() != null && key != KeyType.HEADER) {
            throw new ThrottlePropertyException(path + ".header", "is for key: header only; the key is "
                    + LimitSpecs.kebab(key));
        }
        switch (key) {
            case REMOTE_ADDRESS:
                return KeyResolver.remoteAddress();
            case FORWARDED_FOR:
                return KeyResolver.forwardedFor(trusted(path, key, proxies));
            case FORWARDED:
                return KeyResolver.forwarded(trusted(path, key, proxies));
            case HEADER:
                if (limit.header() == null) {
                    throw new ThrottlePropertyException(path + ".header", "is required with key: header, the"
                            + " header's name, such as X-Api-Key");
                }
                return PropertyPaths.at(path + ".header", () -> KeyResolver.header(limit.header()));
            case PRINCIPAL:
                return KeyResolver.principal();
            case PATH:
                return KeyResolver.path();
            default:
                throw new IllegalStateException("unknown key " + key);
        }
    }

    /** The trusted proxies a forwarding key needs: without them the header is never believed, surely a mistake. */
    private static TrustedProxies trusted(String path, KeyType key, Optional<TrustedProxies> proxies) {
        return proxies.orElseThrow(() -> new ThrottlePropertyException(path + ".key", LimitSpecs.kebab(key)
                + " needs " + HTTP + ".trusted-proxies: forwarding headers are believed only from trusted proxies,"
                + " and without any the key would be the peer's address (key: remote-address)"));
    }

    /** The trusted proxies, each range checked on its own so that a bad one is named by its index. */
    private static Optional<TrustedProxies> trustedProxies(List<String> ranges) {
        if (ranges.isEmpty()) {
            return Optional.empty();
        }
        for (int i = 0; i < ranges.size(); i++) {
            String range = ranges.get(i);
            PropertyPaths.at(HTTP + ".trusted-proxies[" + i + "]", () -> TrustedProxies.of(range));
        }
        return Optional.of(TrustedProxies.of(ranges));
    }

    private static RateLimitHeaderStyle headerStyle(ThrottleProperties.HeaderStyle style) {
        switch (style) {
            case LEGACY:
                return RateLimitHeaderStyle.LEGACY;
            case NONE:
                return RateLimitHeaderStyle.NONE;
            default:
                return RateLimitHeaderStyle.IETF_DRAFT;
        }
    }
}
