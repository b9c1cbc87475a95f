package dev.throttle.local.spring;

import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.servlet.ThrottleFilter;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration of the servlet filter in servlet applications that have an
 * {@link HttpThrottlePolicy} bean (from {@code throttle.http}, or the application's own): a {@link ThrottleFilter}
 * registered first in the chain (right after Spring Security's filter chain when a limit is keyed by the principal:
 * {@code FilterOrder}), on every path, for {@code REQUEST} and {@code ASYNC} dispatches with async support,
 * so that a queueing limit holds a waiting request without a thread. An application's own
 * {@code FilterRegistrationBean<ThrottleFilter>} (or {@code ThrottleFilter} bean) replaces it.
 */
@AutoConfiguration(after = ThrottleAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "jakarta.servlet.Filter")
@ConditionalOnBean(HttpThrottlePolicy.class)
public final class ThrottleServletAutoConfiguration {

    /** The filter's name in the servlet context. */
    static final String FILTER_NAME = "throttleFilter";

    /** Created by Spring Boot, which finds this class in the module's auto-configuration imports. */
    public ThrottleServletAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean(value = ThrottleFilter.class, parameterizedContainer = FilterRegistrationBean.class)
    FilterRegistrationBean<ThrottleFilter> throttleFilterRegistration(HttpThrottlePolicy policy,
            ThrottleProperties properties) {
        FilterRegistrationBean<ThrottleFilter> registration = new FilterRegistrationBean<>(new ThrottleFilter(policy));
        registration.setName(FILTER_NAME);
        registration.addUrlPatterns("/*");
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC);
        registration.setAsyncSupported(true);
        // First (a refused request costs the application nothing, and a queued one is re-dispatched through it), or
        // right after authentication for a policy keyed by the principal.
        registration.setOrder(FilterOrder.of(properties.http()));
        return registration;
    }
}
