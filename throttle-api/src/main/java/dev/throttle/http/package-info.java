/**
 * Throttling for HTTP servers, independent of any server: the request view servers adapt to
 * ({@link dev.throttle.http.HttpRequestView}), key resolvers (client address, trusted forwarding headers, API key,
 * principal, path), route rules, the policy, the admission step ({@link dev.throttle.http.HttpThrottle}) with
 * all-or-nothing permits, and refusals with {@code Retry-After} and the RateLimit headers. The servlet filter and
 * the Netty handler are thin adapters over this package. No dependency beyond the JDK and {@code dev.throttle}.
 */
package dev.throttle.http;
