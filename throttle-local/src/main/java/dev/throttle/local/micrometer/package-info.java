/**
 * Micrometer metrics for the local engine's resilience parts:
 * {@link dev.throttle.local.micrometer.CircuitBreakerMetrics} binds a
 * {@link dev.throttle.local.resilience.CircuitBreaker}'s state (gauges), transitions and calls (counters). The
 * counters are fed by a listener of the breaker's {@link dev.throttle.local.resilience.CircuitBreaker.Event}s, added
 * with {@link dev.throttle.local.resilience.CircuitBreaker#addListener} when the binder is bound, so they count from
 * the binding on.
 *
 * <p>Limiters of any engine are metered by {@code dev.throttle.micrometer.ThrottleMetrics}. Needs micrometer-core on
 * the class path (an optional dependency of this module).
 */
package dev.throttle.local.micrometer;
