package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::webflux[]
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.webflux.ThrottleWebFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
// end::webflux[]
import org.junit.jupiter.api.Test;

/**
 * README, integrations: the WebFlux filter as a bean of a Spring WebFlux application (as in a Spring Boot one), here on
 * Reactor Netty on a loopback port.
 */
class WebFluxSnippetTest {

    /** The application's throttling configuration, as the README shows it. */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class Throttling {
        // tag::webflux[]
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)   // first: a refused request costs the application nothing
        ThrottleWebFilter throttle(HttpThrottlePolicy policy) {
            return new ThrottleWebFilter(policy);
        }
        // end::webflux[]
    }

    /** The rest of the application: WebFlux itself, a policy of 2 requests per second, one endpoint. */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    @org.springframework.web.reactive.config.EnableWebFlux
    static class Application {
        static final dev.throttle.ManualClock CLOCK = new dev.throttle.ManualClock();

        @Bean
        HttpThrottlePolicy policy() {
            dev.throttle.local.LocalEngine engine = dev.throttle.local.LocalEngine.builder().ticker(CLOCK)
                    .scheduler(CLOCK).build();
            return HttpThrottlePolicy.builder().global(dev.throttle.http.HttpLimit.shared(
                    engine.rateLimiter("all", dev.throttle.TokenBucket.of(2, dev.throttle.Rate.perSecond(1)))))
                    .build();
        }

        @Bean
        org.springframework.web.reactive.function.server.RouterFunction<
                org.springframework.web.reactive.function.server.ServerResponse> hello() {
            return org.springframework.web.reactive.function.server.RouterFunctions.route(
                    org.springframework.web.reactive.function.server.RequestPredicates.GET("/hello"),
                    request -> org.springframework.web.reactive.function.server.ServerResponse.ok()
                            .bodyValue("hello"));
        }
    }

    @Test
    void theFilterBeanRefusesWhatThePolicyRefusesBeforeTheHandlerRuns() throws Exception {
        try (org.springframework.context.annotation.AnnotationConfigApplicationContext context =
                new org.springframework.context.annotation.AnnotationConfigApplicationContext(Application.class,
                        Throttling.class)) {
            reactor.netty.DisposableServer server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1")
                    .port(0).handle(new org.springframework.http.server.reactive.ReactorHttpHandlerAdapter(
                            org.springframework.web.server.adapter.WebHttpHandlerBuilder.applicationContext(context)
                                    .build()))
                    .bindNow();
            try {
                java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                        .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
                java.net.http.HttpRequest hello = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + server.port() + "/hello")).build();
                java.util.List<java.net.http.HttpResponse<String>> responses = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    responses.add(client.send(hello, java.net.http.HttpResponse.BodyHandlers.ofString()));
                }
                assertThat(responses).extracting(java.net.http.HttpResponse::statusCode)
                        .containsExactly(200, 200, 429);
                assertThat(responses.get(0).body()).isEqualTo("hello");
                assertThat(responses.get(0).headers().firstValue("RateLimit")).hasValue("\"all\";r=1;t=1");
                assertThat(responses.get(2).headers().firstValue("Retry-After")).hasValue("1");
                assertThat(responses.get(2).body()).doesNotContain("hello");
            } finally {
                server.disposeNow();
            }
        }
    }
}
