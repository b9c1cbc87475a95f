package dev.throttle.local.spring;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code throttle.*} configuration properties: the engine, the named limiters, the keyed limiters and the HTTP
 * policy. Bound once at startup and immutable; {@link ThrottleAutoConfiguration} turns them into beans, and any value
 * the library refuses fails the startup with the property's path and the allowed range.
 *
 * <pre>
 * throttle:
 *   limiters:
 *     api: { type: token-bucket, capacity: 10, rate: 100, period: 1s }
 *   keyed:
 *     per-client: { type: sliding-window, limit: 100, window: 1m }
 *   http:
 *     global: [ { limiter: api } ]
 * </pre>
 *
 * @param engine The engine that enforces the limits.
 * @param limiters Named limiters, each one limit shared by all its callers: type (token-bucket, leaky-bucket,
 *     fixed-window, sliding-window, sliding-log, concurrency) and that type's parameters.
 * @param keyed Named keyed limiters, each one limit per key (client address, API key, user): type and parameters as
 *     for limiters.
 * @param http The HTTP policy that the servlet or WebFlux filter enforces.
 */
@ConfigurationProperties("throttle")
public record ThrottleProperties(EngineProperties engine, Map<String, LimiterProperties> limiters,
        Map<String, LimiterProperties> keyed, HttpProperties http) {

    /**
     * Fills in what was not configured: the local engine, no limiters, no HTTP policy.
     *
     * @param engine the engine, or null for the local engine
     * @param limiters the named limiters, or null for none
     * @param keyed the keyed limiters, or null for none
     * @param http the HTTP policy, or null for none
     */
    public ThrottleProperties {
        engine = engine == null ? new EngineProperties(null) : engine;
        limiters = ordered(limiters);
        keyed = ordered(keyed);
        http = http == null ? new HttpProperties(null, null, null, null, null, null, null) : http;
    }

    /** An unmodifiable copy in the configuration's order (errors are then reported in that order too). */
    private static Map<String, LimiterProperties> ordered(Map<String, LimiterProperties> limiters) {
        return limiters == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(limiters));
    }

    /** Which engine enforces the limits. */
    public enum EngineType {
        /** This JVM's memory ({@code dev.throttle.local.LocalEngine}): limits per application instance. */
        LOCAL,
        /** Redis, shared by every instance ({@code dev.throttle.redis.RedisEngine}; needs throttle-redis). */
        REDIS
    }

    /**
     * The engine: {@code throttle.engine.*}. The Redis engine's own settings are {@code throttle.engine.redis.*},
     * bound by throttle-redis.
     *
     * @param type Which engine enforces the limits: local (this JVM's memory, the default) or redis (shared by every
     *     instance; needs throttle-redis).
     */
    public record EngineProperties(EngineType type) {

        /**
         * Defaults the type to {@code local}.
         *
         * @param type the type, or null for {@code local}
         */
        public EngineProperties {
            type = type == null ? EngineType.LOCAL : type;
        }
    }

    /** The algorithm of a limiter, as {@code throttle.limiters.<name>.type} names it. */
    public enum LimiterType {
        /** A token bucket: {@code capacity} (the burst), refilled at {@code rate} per {@code period}. */
        TOKEN_BUCKET,
        /**
         * A leaky bucket: a meter of {@code capacity} leaking {@code rate} per {@code period}; with {@code max-delay},
         * a shaping queue that delays requests to their slot, up to that delay.
         */
        LEAKY_BUCKET,
        /** A fixed window: {@code limit} permits per {@code window}, counted from the window's start. */
        FIXED_WINDOW,
        /** A sliding window counter: {@code limit} permits per {@code window}, the previous window weighed in. */
        SLIDING_WINDOW,
        /** A sliding log: at most {@code limit} permits in any {@code window}, exactly. */
        SLIDING_LOG,
        /** A concurrency limit (bulkhead): {@code limit} permits held at once, {@code max-queue} waiting. */
        CONCURRENCY
    }

    /**
     * One limiter: its algorithm and the parameters that algorithm takes (any other parameter set is refused at
     * startup, so that a misspelt or misplaced one does not pass unnoticed).
     *
     * @param type the algorithm: {@code token-bucket}, {@code leaky-bucket}, {@code fixed-window},
     *     {@code sliding-window}, {@code sliding-log} or {@code concurrency}
     * @param capacity token and leaky buckets: the bucket's size in permits, the largest burst (1 or more); a shaping
     *     leaky bucket's capacity follows from its max-delay and is not set
     * @param rate token and leaky buckets: permits refilled (or leaked) per period, 1 or more
     * @param period token and leaky buckets: the period of the rate (default 1s)
     * @param maxDelay leaky bucket: makes it a shaping queue that delays each request to its slot of the rate, waiting
     *     at most this long
     * @param limit windows and sliding log: permits per window; concurrency: permits held at once (1 or more)
     * @param window windows and sliding log: the window's length
     * @param maxQueue concurrency: requests that may wait at once for a permit (default 0: none wait)
     * @param queueOrder concurrency: the order waiters are served in, {@code fifo} (default), {@code lifo} or
     *     {@code priority}
     */
    public record LimiterProperties(LimiterType type, Long capacity, Long rate, Duration period, Duration maxDelay,
            Long limit, Duration window, Integer maxQueue, dev.throttle.Concurrency.QueueOrder queueOrder) {
    }

    /** What a keyed limit counts a request under. */
    public enum KeyType {
        /** The direct peer's address. */
        REMOTE_ADDRESS,
        /** The client's address from {@code X-Forwarded-For}, believed only from {@code throttle.http.trusted-proxies}. */
        FORWARDED_FOR,
        /** The client's address from {@code Forwarded} (RFC 7239), believed only from the trusted proxies. */
        FORWARDED,
        /** A header's value, such as an API key: the header named by {@code header}. */
        HEADER,
        /** The authenticated user's name. */
        PRINCIPAL,
        /** The request's path. */
        PATH
    }

    /** Which rate limit fields responses carry. */
    public enum HeaderStyle {
        /** {@code RateLimit-Policy} and {@code RateLimit} of the IETF draft (the default). */
        IETF,
        /** {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset} of the tightest limit. */
        LEGACY,
        /** None ({@code Retry-After} is still sent on refusals). */
        NONE
    }

    /**
     * One limit of the HTTP policy: a named limiter shared by the requests it applies to, or a keyed limiter and what
     * it keys requests by. Exactly one of {@code limiter} and {@code keyed}.
     *
     * @param limiter the name of a limiter of {@code throttle.limiters}
     * @param keyed the name of a keyed limiter of {@code throttle.keyed}
     * @param key keyed limits: what a request is counted under (default {@code remote-address})
     * @param header keyed limits keyed by {@code header}: the header's name, such as {@code X-Api-Key}
     * @param maxWait lets a request this limit refuses wait for its permit up to this long instead (with max-queued)
     * @param maxQueued with max-wait: how many requests may wait on this limit at once
     */
    public record LimitProperties(String limiter, String keyed, KeyType key, String header, Duration maxWait,
            Integer maxQueued) {
    }

    /**
     * A route: the requests of a method and path pattern, and the limits they pass after the global ones.
     *
     * @param method the HTTP method, such as {@code POST}; every method when not set
     * @param path the path pattern: {@code /exact}, {@code /api/*} (one segment), {@code /api/**} (any depth)
     * @param limits the route's limits, checked in this order
     */
    public record RouteProperties(String method, String path, List<LimitProperties> limits) {

        /**
         * Defaults the limits to none (refused at startup: a route needs one).
         *
         * @param method the method, or null for every method
         * @param path the path pattern
         * @param limits the limits
         */
        public RouteProperties {
            limits = limits == null ? List.of() : List.copyOf(limits);
        }
    }

    /**
     * The HTTP policy: {@code throttle.http.*}. The servlet filter (servlet applications) or the WebFlux filter
     * (reactive applications) enforces it once it has a global limit or a route.
     *
     * @param enabled Whether to throttle HTTP requests at all.
     * @param global Limits every request passes first: each names a limiter, or a keyed limiter and its key.
     * @param routes Routes, each a method and path pattern with its limits: the first that matches a request applies
     *     after the global limits.
     * @param trustedProxies Proxies (CIDR ranges or addresses, IPv4 or IPv6) whose forwarding headers the
     *     forwarded-for and forwarded keys believe.
     * @param refusalStatus Status of a refused request, 400 to 599.
     * @param headerStyle Rate limit fields of responses: ietf (RateLimit-Policy and RateLimit), legacy
     *     (RateLimit-Limit, -Remaining, -Reset) or none.
     * @param problemJson Whether refusals answer an RFC 9457 problem document (application/problem+json) instead of
     *     plain text.
     */
    public record HttpProperties(Boolean enabled, List<LimitProperties> global, List<RouteProperties> routes,
            List<String> trustedProxies, Integer refusalStatus, HeaderStyle headerStyle, Boolean problemJson) {

        /**
         * Fills in the defaults.
         *
         * @param enabled whether to throttle, or null for true
         * @param global the global limits, or null for none
         * @param routes the routes, or null for none
         * @param trustedProxies the trusted proxies, or null for none
         * @param refusalStatus the refusal status, or null for 429
         * @param headerStyle the header style, or null for {@code ietf}
         * @param problemJson whether to answer problem documents, or null for false
         */
        public HttpProperties {
            enabled = enabled == null || enabled;
            global = global == null ? List.of() : List.copyOf(global);
            routes = routes == null ? List.of() : List.copyOf(routes);
            trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
            refusalStatus = refusalStatus == null ? 429 : refusalStatus;
            headerStyle = headerStyle == null ? HeaderStyle.IETF : headerStyle;
            problemJson = problemJson != null && problemJson;
        }

        /**
         * Whether a policy is configured: enabled, with a global limit or a route.
         *
         * @return true if the filter has something to enforce
         */
        public boolean configured() {
            return enabled && !(global.isEmpty() && routes.isEmpty());
        }
    }
}
