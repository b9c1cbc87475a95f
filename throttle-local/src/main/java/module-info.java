/**
 * The local engine: every spec enforced in this JVM's memory by lock-free limiters; keyed limiters; adaptive limits,
 * partitions and LLM budgets; the circuit breaker, retries and the decorator chain; Spring Boot auto-configuration.
 */
module dev.throttle.local {
    requires transitive dev.throttle;
    requires com.github.benmanes.caffeine;
    requires static micrometer.core;
    // Spring Boot auto-configuration (dev.throttle.local.spring): optional, a Spring Boot application has them.
    requires static spring.boot;
    requires static spring.boot.autoconfigure;
    requires static spring.context;
    requires static spring.beans;
    requires static spring.core;
    requires static spring.aop;          // @Throttled's advisor and interceptor
    requires static spring.expression;   // @Throttled's key
    requires static reactor.core;        // @Throttled on a method returning a Mono or a Flux
    requires static spring.web;
    requires static jakarta.servlet;

    exports dev.throttle.local;
    exports dev.throttle.local.adaptive;
    exports dev.throttle.local.partition;
    exports dev.throttle.local.resilience;
    exports dev.throttle.local.micrometer;
    exports dev.throttle.local.spring;

    // Spring reads the configuration classes, binds the properties records and calls the bean methods reflectively.
    opens dev.throttle.local.spring;
}
