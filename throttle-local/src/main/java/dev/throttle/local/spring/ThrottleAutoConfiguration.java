package dev.throttle.local.spring;

import dev.throttle.Engine;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.local.LocalEngine;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;

/**
 * Spring Boot auto-configuration of the engine, the limiters and the HTTP policy, from {@link ThrottleProperties}:
 * <ul>
 *   <li>a {@link LocalEngine} unless {@code throttle.engine.type} is {@code redis} (throttle-redis then makes a Redis
 *   engine) or the application has an {@link Engine} bean of its own;</li>
 *   <li>{@link ThrottleLimiters}: the limiters of {@code throttle.limiters} and {@code throttle.keyed}, made by the
 *   engine and wrapped by every {@link ThrottleLimiterDecorator} bean (metered when a Micrometer registry is
 *   there);</li>
 *   <li>the {@link HttpThrottlePolicy} of {@code throttle.http}, once it has a global limit or a route: the servlet
 *   filter ({@link ThrottleServletAutoConfiguration}) or the WebFlux filter ({@link ThrottleWebFluxAutoConfiguration})
 *   enforces it;</li>
 *   <li>the advisor that guards {@link Throttled} methods, applied by the application's auto-proxy creator, or by
 *   Spring's infrastructure-advisor creator where the application has none ({@link ThrottledProxying}).</li>
 * </ul>
 * Each bean yields to a bean of the same type the application declares. Any value the library refuses fails the
 * startup with a {@link ThrottlePropertyException} naming the property.
 */
@AutoConfiguration
@EnableConfigurationProperties(ThrottleProperties.class)
@Import(ThrottledProxying.class)
public final class ThrottleAutoConfiguration {

    /** Created by Spring Boot, which finds this class in the module's auto-configuration imports. */
    public ThrottleAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean(Engine.class)
    @ConditionalOnProperty(prefix = "throttle.engine", name = "type", havingValue = "local", matchIfMissing = true)
    LocalEngine throttleEngine() {
        return LocalEngine.create();
    }

    @Bean
    @ConditionalOnMissingBean
    ThrottleLimiters throttleLimiters(ThrottleProperties properties, ObjectProvider<Engine> engines,
            ObjectProvider<ThrottleLimiterDecorator> decorators, Environment environment) {
        UnknownParameters.refuseIn(environment);
        Engine engine = engines.getIfUnique();
        if (engine == null) {
            throw new ThrottlePropertyException("throttle.engine.type", properties.engine().type()
                    == ThrottleProperties.EngineType.REDIS
                    ? "redis needs the Redis engine: add dev.throttle:throttle-redis, or declare an Engine bean"
                    : "the limiters need one Engine bean; there are several: mark one @Primary");
        }
        return ConfiguredLimiters.make(properties, engine, decorators.orderedStream().toList());
    }

    @Bean
    @ConditionalOnMissingBean
    @Conditional(HttpPolicyConfigured.class)
    HttpThrottlePolicy throttleHttpPolicy(ThrottleProperties properties, ThrottleLimiters limiters) {
        return HttpPolicies.of(properties.http(), limiters);
    }

    /*
     * @Throttled: infrastructure beans, the only advisors an auto-proxy creator applies when AspectJ is absent;
     * static, so that making them (before most beans) does not make this configuration. The limiters are looked up
     * only once every singleton exists (see ThrottledCalls).
     */

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static ThrottledCalls throttledCalls(ObjectProvider<ThrottleLimiters> limiters) {
        return new ThrottledCalls(limiters);
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static ThrottledAdvisor throttledAdvisor(ThrottledCalls throttledCalls) {
        return new ThrottledAdvisor(throttledCalls);
    }
}
