package dev.throttle.local.spring;

import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.webflux.ThrottleWebFilter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration of the WebFlux filter in reactive applications that have an
 * {@link HttpThrottlePolicy} bean (from {@code throttle.http}, or the application's own): a {@link ThrottleWebFilter}
 * first in every request's chain, or right after Spring Security's filter chain when a limit is keyed by the principal
 * ({@code FilterOrder}). An application's own {@code ThrottleWebFilter} bean replaces it.
 */
@AutoConfiguration(after = ThrottleAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
@ConditionalOnBean(HttpThrottlePolicy.class)
public final class ThrottleWebFluxAutoConfiguration {

    /** Created by Spring Boot, which finds this class in the module's auto-configuration imports. */
    public ThrottleWebFluxAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    ThrottleWebFilter throttleWebFilter(HttpThrottlePolicy policy, ThrottleProperties properties) {
        // First (a refused request costs the application nothing), or right after authentication for a policy keyed
        // by the principal: an order that depends on the configuration, hence given to the filter, not annotated.
        return new ThrottleWebFilter(policy, FilterOrder.of(properties.http()));
    }
}
