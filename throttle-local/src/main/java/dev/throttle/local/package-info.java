/**
 * The local engine: start with {@link dev.throttle.local.LocalEngine}, which enforces every
 * {@link dev.throttle.LimitSpec} in this JVM's memory with lock-free limiters and makes keyed limiters (per client,
 * per API key) in bounded memory. {@link dev.throttle.local.LlmBudget} spends from several limits at once for
 * LLM-style calls (requests and tokens per minute, concurrency, tiers; estimate first, settle later).
 *
 * <p>Beside it: {@code dev.throttle.local.adaptive} (limits that follow the backend's health),
 * {@code dev.throttle.local.partition} (guaranteed shares of one concurrency limit), {@code dev.throttle.local.resilience}
 * (circuit breaker, retries, the decorator chain) and {@code dev.throttle.local.micrometer} (their metrics). The
 * limiters themselves live in a package the module does not export: each is named after its spec
 * ({@code BucketLimiter} for token and leaky buckets, {@code FixedWindowLimiter}, {@code SlidingWindowLimiter},
 * {@code SlidingLogLimiter}, {@code ConcurrencyLimiter}; keyed: {@code KeyedBucketLimiter} for buckets, their state
 * inline in its own map, and {@code LocalKeyedLimiter} on Caffeine for the other specs).
 */
package dev.throttle.local;
