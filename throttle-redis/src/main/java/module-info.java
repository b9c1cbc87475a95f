/**
 * The Redis engine: every spec enforced atomically in Redis by Lua scripts through Lettuce, shared by every JVM that
 * uses the same server (standalone, Sentinel or Cluster).
 */
module dev.throttle.redis {
    requires transitive dev.throttle;
    // Its types (RedisClient, RedisURI, connections) make a Redis engine: part of this module's API.
    requires transitive lettuce.core;
    requires static micrometer.core;

    exports dev.throttle.redis;
    exports dev.throttle.redis.micrometer;
}
