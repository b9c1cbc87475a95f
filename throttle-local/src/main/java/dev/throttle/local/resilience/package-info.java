/**
 * Resilience around a call to another service: a circuit breaker, retries with full-jitter backoff and a retry budget,
 * and a decorator chain that composes them with rate limiters, a bulkhead, a timeout and a fallback.
 *
 * <p>Where to start:
 * <ul>
 *   <li>{@link dev.throttle.local.resilience.Decorators}, to guard one call with several layers at once. Whatever the
 *   order of the {@code with...} calls, the layers are always composed, from the outside in:
 *   <pre>
 * fallback → retry → circuit breaker → rate limiter → bulkhead → timeout → the call
 *   </pre>
 *   so that every retry passes the breaker and the limiters, an open breaker stops the retries and spends no rate
 *   permit, and the fallback sees the final outcome; {@code Decorators} gives the reason for each step.</li>
 *   <li>{@link dev.throttle.local.resilience.CircuitBreaker}, to stop calling a service that keeps failing or
 *   answering slowly; its policy is a {@link dev.throttle.local.resilience.CircuitBreaker.Config}, its refusal a
 *   {@link dev.throttle.local.resilience.CallNotPermittedException}, and listeners receive its
 *   {@link dev.throttle.local.resilience.CircuitBreaker.Event}s (metrics: {@code CircuitBreakerMetrics} in
 *   {@code dev.throttle.local.micrometer}).</li>
 *   <li>{@link dev.throttle.local.resilience.Retry}, to call again after a backoff; its policy is a
 *   {@link dev.throttle.local.resilience.Retry.Config}. A
 *   {@link dev.throttle.local.resilience.RetryBudget}, shared by the retries of one service, caps retries at a share
 *   of the calls, so that retries cannot multiply the load on a service that is already failing.</li>
 * </ul>
 *
 * <p>Each can also be used alone. Breakers, retries, budgets and decorated calls are thread-safe and meant to be
 * shared. They read time only through a {@link dev.throttle.Ticker} and wait only through a
 * {@link dev.throttle.Scheduler} or a {@link dev.throttle.local.resilience.Retry.Sleeper}, so that tests can run
 * them on a manual clock without sleeping.
 */
package dev.throttle.local.resilience;
