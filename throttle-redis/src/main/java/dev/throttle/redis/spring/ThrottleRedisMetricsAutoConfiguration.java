package dev.throttle.redis.spring;

import dev.throttle.redis.RedisEngine;
import dev.throttle.redis.micrometer.RedisEngineMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration of the Redis engine's meters ({@link RedisEngineMetrics}: decisions, failures,
 * failure-policy answers, the breaker), with Micrometer on the class path and a {@link RedisEngine} bean, bound to the
 * application's {@link MeterRegistry} bean if it has one.
 */
@AutoConfiguration(after = ThrottleRedisAutoConfiguration.class)
@ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
@ConditionalOnBean(RedisEngine.class)
public final class ThrottleRedisMetricsAutoConfiguration {

    /** Created by Spring Boot, which finds this class in the module's auto-configuration imports. */
    public ThrottleRedisMetricsAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    RedisEngineMetrics throttleRedisEngineMetrics(RedisEngine engine, ObjectProvider<MeterRegistry> registries) {
        RedisEngineMetrics metrics = new RedisEngineMetrics(engine);
        // Bound here, so that an application without Spring Boot's actuator (which binds MeterBinder beans itself)
        // has them too; binding the same meters again registers nothing new.
        registries.ifUnique(metrics::bindTo);
        return metrics;
    }
}
