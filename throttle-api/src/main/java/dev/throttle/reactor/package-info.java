/**
 * Reactor operators that guard a {@code Mono} or a {@code Flux} with a limiter, without blocking: {@link
 * dev.throttle.reactor.ReactorThrottle}. Needs {@code io.projectreactor:reactor-core} (optional for everything
 * else).
 */
package dev.throttle.reactor;
