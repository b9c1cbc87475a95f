/**
 * Netty integrations, each a factory of per-channel handlers:
 * <ul>
 *   <li>{@link dev.throttle.netty.ReadThrottle} shapes the reads of any channel to a rate by pausing auto-read while
 *   the channel owes its limiter (backpressure: never dropping, never buffering);</li>
 *   <li>{@link dev.throttle.netty.NettyHttpThrottle} throttles the requests of an HTTP/1.1 server with the shared
 *   HTTP core ({@link dev.throttle.http}): keys, route rules, 429 with {@code Retry-After} and the RateLimit headers,
 *   permits held until the response is written or the connection closes.</li>
 * </ul>
 * Needs netty-codec-http (an optional dependency of throttle-api) on the class path.
 */
package dev.throttle.netty;
