/**
 * The Redis engine: every spec enforced atomically in Redis by Lua scripts through Lettuce, shared by every JVM that
 * uses the same server (standalone, Sentinel or Cluster).
 */
module dev.throttle.redis {
    requires transitive dev.throttle;
    // Its types (RedisClient, RedisURI, connections) make a Redis engine: part of this module's API.
    requires transitive lettuce.core;
    // Netty's buffer, which Lettuce writes commands into: a coalesced call appends its arguments as it is written.
    requires io.netty.buffer;
    requires static micrometer.core;
    // Spring Boot auto-configuration (dev.throttle.redis.spring): optional. throttle-local holds the properties and the
    // limiters' auto-configuration it completes, and the local engine of the fallback policy.
    requires static dev.throttle.local;
    requires static spring.boot;
    requires static spring.boot.autoconfigure;
    requires static spring.context;
    requires static spring.beans;
    requires static spring.core;

    exports dev.throttle.redis;
    exports dev.throttle.redis.micrometer;
    exports dev.throttle.redis.spring;

    // Spring reads the configuration classes, binds the properties record and calls the bean methods reflectively.
    opens dev.throttle.redis.spring;
}
