/**
 * Spring Boot auto-configuration (optional: with spring-boot-autoconfigure on the class path): the
 * {@code throttle.*} properties ({@link dev.throttle.local.spring.ThrottleProperties}) make the engine, the named and
 * keyed limiters ({@link dev.throttle.local.spring.ThrottleLimiters}), the HTTP policy and its servlet or WebFlux
 * filter, metered when a Micrometer registry is there; the Redis engine's auto-configuration lives in throttle-redis.
 * Every bean yields to the application's own, and a value the library refuses fails the startup with a
 * {@link dev.throttle.local.spring.ThrottlePropertyException} naming its property.
 */
package dev.throttle.local.spring;
