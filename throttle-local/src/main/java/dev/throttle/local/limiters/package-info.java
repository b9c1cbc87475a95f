/**
 * The local engine's limiters, one per spec: internal, not exported by the module descriptor; make them with
 * {@link dev.throttle.local.LocalEngine}.
 *
 * <table>
 *   <caption>Spec to limiter</caption>
 *   <tr><th>spec</th><th>limiter</th><th>algorithm</th></tr>
 *   <tr><td>{@link dev.throttle.TokenBucket}, {@link dev.throttle.LeakyBucket}</td>
 *   <td>{@link dev.throttle.local.limiters.BucketLimiter}</td><td>GCRA: one CAS on one word</td></tr>
 *   <tr><td>{@link dev.throttle.FixedWindow}</td><td>{@link dev.throttle.local.limiters.FixedWindowLimiter}</td>
 *   <td>a sealed counter per window</td></tr>
 *   <tr><td>{@link dev.throttle.SlidingWindow}</td><td>{@link dev.throttle.local.limiters.SlidingWindowLimiter}</td>
 *   <td>two counters, the previous window weighted exactly</td></tr>
 *   <tr><td>{@link dev.throttle.SlidingLog}</td><td>{@link dev.throttle.local.limiters.SlidingLogLimiter}</td>
 *   <td>a ring of timestamps, one CAS per grant</td></tr>
 *   <tr><td>{@link dev.throttle.Concurrency}</td><td>{@link dev.throttle.local.limiters.ConcurrencyLimiter}</td>
 *   <td>a count by CAS and a lock-free ordered wait queue</td></tr>
 *   <tr><td>any spec, per key</td><td>{@link dev.throttle.local.limiters.LocalKeyedLimiter}</td>
 *   <td>Caffeine; a key forgotten only at rest</td></tr>
 * </table>
 * Waiting and permits are the kernel's ({@code dev.throttle.kernel}); an {@link dev.throttle.AllOf} is the kernel's
 * all-of limiter over limiters of this package.
 */
package dev.throttle.local.limiters;
