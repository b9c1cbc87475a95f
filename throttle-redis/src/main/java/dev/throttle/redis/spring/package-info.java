/**
 * Spring Boot auto-configuration of the Redis engine (optional: with spring-boot-autoconfigure and throttle-local on
 * the class path): {@code throttle.engine.type=redis} and {@code throttle.engine.redis.*}
 * ({@link dev.throttle.redis.spring.ThrottleRedisProperties}) make a {@link dev.throttle.redis.RedisEngine} bean, by
 * which throttle-local's auto-configuration then makes the configured limiters and the HTTP policy.
 */
package dev.throttle.redis.spring;
