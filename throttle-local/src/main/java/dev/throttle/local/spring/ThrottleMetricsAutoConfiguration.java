package dev.throttle.local.spring;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration of the limiters' metrics: with Micrometer on the class path, a
 * {@link ThrottleLimiterDecorator} that meters every limiter of {@link ThrottleLimiters} with
 * {@link dev.throttle.micrometer.ThrottleMetrics} into the application's {@link MeterRegistry} bean, if it has one
 * (the primary one, if several). Declare a bean named {@value #DECORATOR} to replace it.
 */
@AutoConfiguration(before = ThrottleAutoConfiguration.class)
@ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
public final class ThrottleMetricsAutoConfiguration {

    /** The name of the metering decorator's bean. */
    public static final String DECORATOR = "throttleMetricsDecorator";

    /** Created by Spring Boot, which finds this class in the module's auto-configuration imports. */
    public ThrottleMetricsAutoConfiguration() {
    }

    @Bean(DECORATOR)
    @ConditionalOnMissingBean(name = DECORATOR)
    ThrottleLimiterDecorator throttleMetricsDecorator(ObjectProvider<MeterRegistry> registries) {
        return new MeteringDecorator(registries);
    }
}
