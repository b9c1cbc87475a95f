package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.webflux.ThrottleWebFilter;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

/** A Spring Boot WebFlux application (Reactor Netty) throttled by the auto-configured WebFlux filter. */
class ThrottleBootWebFluxTest extends BootHttpScenarios {

    @Override
    protected SpringApplicationBuilder application() {
        return BootApps.webFlux();
    }

    @Test
    void theWebFilterIsTheAutoConfiguredOne() {
        assertThat(context.getBeansOfType(ThrottleWebFilter.class)).containsOnlyKeys("throttleWebFilter");
        assertThat(context.getBean(ThrottleWebFilter.class).toString()).isNotEmpty();
    }
}
