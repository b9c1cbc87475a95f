package dev.throttle.local.spring;

import dev.throttle.ManualClock;
import dev.throttle.local.LocalEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The Spring Boot applications of the tests, configured from {@code application-boot.yml} (the profile
 * {@value #PROFILE}), each answering {@code 200 hello <path>} on every path: a servlet one (Spring MVC on Jetty) and a
 * reactive one (WebFlux on Reactor Netty). Both declare their own engine, on a manual clock, which the
 * auto-configuration uses instead of making one, and a Micrometer registry.
 */
final class BootApps {

    /** The profile whose YAML configures the throttle. */
    static final String PROFILE = "boot";

    private BootApps() {
    }

    /**
     * The servlet application, to be run.
     *
     * @return its builder, on a random port of the loopback interface
     */
    static SpringApplicationBuilder servlet() {
        return new SpringApplicationBuilder(ServletApp.class).profiles(PROFILE)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "spring.main.web-application-type=servlet");
    }

    /**
     * The WebFlux application, to be run.
     *
     * @return its builder, on a random port of the loopback interface
     */
    static SpringApplicationBuilder webFlux() {
        return new SpringApplicationBuilder(WebFluxApp.class).profiles(PROFILE)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "spring.main.web-application-type=reactive");
    }

    /** The beans an application declares itself: its engine, on a clock the test drives, and its registry. */
    @Configuration(proxyBeanMethods = false)
    static class ManualTime {

        @Bean
        ManualClock clock() {
            return new ManualClock();
        }

        @Bean
        LocalEngine engine(ManualClock clock) {
            return LocalEngine.builder().ticker(clock).scheduler(clock).build();
        }

        @Bean
        SimpleMeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    /** A Spring MVC application. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(ManualTime.class)
    static class ServletApp {

        @Bean
        org.springframework.web.servlet.function.RouterFunction<org.springframework.web.servlet.function.ServerResponse>
                hello() {
            return org.springframework.web.servlet.function.RouterFunctions.route()
                    .GET("/**", request -> org.springframework.web.servlet.function.ServerResponse.ok()
                            .body("hello " + request.path()))
                    .build();
        }
    }

    /** A Spring WebFlux application. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(ManualTime.class)
    static class WebFluxApp {

        @Bean
        org.springframework.web.reactive.function.server.RouterFunction<
                org.springframework.web.reactive.function.server.ServerResponse> hello() {
            return org.springframework.web.reactive.function.server.RouterFunctions.route()
                    .GET("/**", request -> org.springframework.web.reactive.function.server.ServerResponse.ok()
                            .bodyValue("hello " + request.path()))
                    .build();
        }
    }
}
