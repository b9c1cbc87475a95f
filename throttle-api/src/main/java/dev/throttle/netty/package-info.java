/**
 * Netty integrations: {@link dev.throttle.netty.ReadThrottle} shapes the reads of any channel to a rate by pausing
 * auto-read (backpressure, never dropping nor buffering). Needs netty-codec-http (an optional dependency of
 * throttle-api) on the class path.
 */
package dev.throttle.netty;
