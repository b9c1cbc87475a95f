/**
 * The Redis engine: the throttle specs (rate, concurrency leases, all-of composites) enforced atomically in Redis by
 * Lua scripts, through Lettuce. Start at
 * {@link dev.throttle.redis.RedisEngine}.
 */
package dev.throttle.redis;
