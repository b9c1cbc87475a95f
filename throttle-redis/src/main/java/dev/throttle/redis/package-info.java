/**
 * The Redis engine: the throttle specs enforced atomically in Redis by Lua scripts, through Lettuce. Not built yet;
 * the module exists so the build has its final shape.
 */
package dev.throttle.redis;
