/**
 * Throttling for HTTP servers, independent of any server: what a request is checked against and how a refusal is
 * answered. Start at {@link dev.throttle.http.HttpThrottlePolicy}: global {@link dev.throttle.http.HttpLimit}s and
 * {@link dev.throttle.http.RouteRule}s, each limit shared or keyed by a {@link dev.throttle.http.KeyResolver} (the
 * peer's address, forwarding headers believed only from {@link dev.throttle.http.TrustedProxies}, an API key, the
 * principal, the path), the refusal status, the {@link dev.throttle.http.RateLimitHeaderStyle} and the
 * {@link dev.throttle.http.RejectionHandler}, which turns a {@link dev.throttle.http.Refusal} into the
 * {@link dev.throttle.http.HttpRejection} written instead of calling the application.
 *
 * <p>A policy is enforced by a server adapter: {@link dev.throttle.servlet.ThrottleFilter} for servlet containers,
 * {@link dev.throttle.netty.NettyHttpThrottle} for Netty. Each sees its server's request as an
 * {@link dev.throttle.http.HttpRequestView} and shares one internal admission step, so a policy behaves the same
 * whichever server runs it. No dependency beyond the JDK and {@code dev.throttle}.
 */
package dev.throttle.http;
