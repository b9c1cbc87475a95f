/**
 * The Redis engine: the throttle rate specs enforced atomically in Redis by Lua scripts, through Lettuce. Start at
 * {@link dev.throttle.redis.RedisEngine}.
 */
package dev.throttle.redis;
