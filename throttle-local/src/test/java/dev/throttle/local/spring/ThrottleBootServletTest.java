package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.servlet.ThrottleFilter;
import jakarta.servlet.DispatcherType;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;

/** A Spring Boot servlet application (Spring MVC on Jetty) throttled by the auto-configured servlet filter. */
class ThrottleBootServletTest extends BootHttpScenarios {

    @Override
    protected SpringApplicationBuilder application() {
        return BootApps.servlet();
    }

    @Test
    void theFilterIsRegisteredFirstForRequestAndAsyncDispatchesWithAsyncSupport() {
        @SuppressWarnings("unchecked")
        FilterRegistrationBean<ThrottleFilter> registration = context.getBean(FilterRegistrationBean.class);
        assertThat(registration.getFilter()).isInstanceOf(ThrottleFilter.class);
        assertThat(registration.getOrder()).isEqualTo(Ordered.HIGHEST_PRECEDENCE);
        assertThat(registration.isAsyncSupported()).isTrue();
        assertThat(registration.getUrlPatterns()).containsExactly("/*");
        assertThat(registration.determineDispatcherTypes()).containsExactlyInAnyOrder(DispatcherType.REQUEST,
                DispatcherType.ASYNC);
    }
}
