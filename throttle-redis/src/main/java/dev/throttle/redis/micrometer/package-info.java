/**
 * Micrometer metrics for the Redis engine: {@link dev.throttle.redis.micrometer.RedisEngineMetrics} binds its counts of
 * decisions, Redis failures, failure-policy answers, breaker openings and refusal-cache hits. Limiters of any engine
 * are metered by {@code dev.throttle.micrometer.ThrottleMetrics}. Needs micrometer-core on the class path (an optional
 * dependency of this module).
 */
package dev.throttle.redis.micrometer;
