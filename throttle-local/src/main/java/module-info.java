/**
 * The local engine: every spec enforced in this JVM's memory by lock-free limiters; keyed limiters; adaptive limits,
 * partitions and LLM budgets; the circuit breaker, retries and the decorator chain.
 */
module dev.throttle.local {
    requires transitive dev.throttle;
    requires com.github.benmanes.caffeine;
    requires static micrometer.core;

    exports dev.throttle.local;
    exports dev.throttle.local.adaptive;
    exports dev.throttle.local.partition;
    exports dev.throttle.local.resilience;
    exports dev.throttle.local.micrometer;
}
