/**
 * Netty integrations, each an immutable configuration that makes one handler per channel (the handlers themselves
 * are package-private: their type is not API, only their place in the pipeline is):
 * <ul>
 *   <li>{@link dev.throttle.netty.NettyHttpThrottle} throttles the requests of an HTTP/1.1 server with an
 *   {@link dev.throttle.http.HttpThrottlePolicy}, through the HTTP core the servlet filter shares: keys, route rules,
 *   429 with {@code Retry-After} and the RateLimit headers, permits held until the response is written or the
 *   connection closes;</li>
 *   <li>{@link dev.throttle.netty.ReadThrottle} shapes the reads of any channel to a rate by pausing auto-read while
 *   the channel owes its limiter (backpressure: never dropping, never buffering), each message weighed by a
 *   {@link dev.throttle.netty.ReadThrottle.Weigher}.</li>
 * </ul>
 * Needs netty-codec-http (an optional dependency of throttle-api) on the class path.
 */
package dev.throttle.netty;
