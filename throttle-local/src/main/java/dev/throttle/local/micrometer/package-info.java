/**
 * Micrometer metrics for the local engine's resilience parts:
 * {@link dev.throttle.local.micrometer.CircuitBreakerMetrics} binds a circuit breaker's state, transitions and calls.
 * Limiters of any engine are metered by {@code dev.throttle.micrometer.ThrottleMetrics}. Needs micrometer-core on the
 * class path (an optional dependency of this module).
 */
package dev.throttle.local.micrometer;
