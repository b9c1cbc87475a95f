package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Mono;

/**
 * Behaviours of bucket4j-spring-boot-starter's servlet and WebFlux filter tests (exact counts per URL pattern, keys
 * from request attributes, the 429 answer and its headers, ordering with other filters), against the filter the
 * auto-configuration registers from properties.
 */
class ThrottleHttpPeerTest {

    /** Spring Security's filter chain order in servlet and reactive applications (SecurityProperties.DEFAULT_FILTER_ORDER). */
    static final int SECURITY_ORDER = -100;

    static final String[] PROPERTIES = {
        "throttle.limiters.api.type=fixed-window", "throttle.limiters.api.limit=3",
        "throttle.limiters.api.window=1m",
        "throttle.keyed.per-key.type=fixed-window", "throttle.keyed.per-key.limit=2",
        "throttle.keyed.per-key.window=1m",
        "throttle.keyed.per-user.type=fixed-window", "throttle.keyed.per-user.limit=1",
        "throttle.keyed.per-user.window=1m",
        "throttle.http.routes[0].path=/api/**", "throttle.http.routes[0].limits[0].limiter=api",
        "throttle.http.routes[1].method=POST", "throttle.http.routes[1].path=/keys/**",
        "throttle.http.routes[1].limits[0].keyed=per-key", "throttle.http.routes[1].limits[0].key=header",
        "throttle.http.routes[1].limits[0].header=X-Api-Key",
        "throttle.http.routes[2].path=/me/**", "throttle.http.routes[2].limits[0].keyed=per-user",
        "throttle.http.routes[2].limits[0].key=principal",
        "throttle.http.header-style=legacy",
    };

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    enum Server {
        SERVLET, WEBFLUX;

        ConfigurableApplicationContext start(String... extra) {
            SpringApplicationBuilder builder = this == SERVLET
                    ? new SpringApplicationBuilder(ServletApp.class).properties("spring.main.web-application-type=servlet")
                    : new SpringApplicationBuilder(WebFluxApp.class).properties("spring.main.web-application-type=reactive");
            return builder.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off")
                    .properties(PROPERTIES).properties(extra).run();
        }
    }

    private HttpResponse<String> send(ConfigurableApplicationContext context, String method, String path,
            String... headers) throws IOException, InterruptedException {
        int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void each(Scenario scenario) throws Exception {
        for (Server server : Server.values()) {
            try (ConfigurableApplicationContext context = server.start()) {
                scenario.run(server, context);
            }
        }
    }

    @FunctionalInterface
    interface Scenario {
        void run(Server server, ConfigurableApplicationContext context) throws Exception;
    }

    /** Bucket4j: N requests pass on a matched URL, the N+1st gets 429 with Retry-After; other URLs are untouched. */
    @Test
    void aRouteLetsExactlyItsLimitThroughThenAnswers429() throws Exception {
        each((server, context) -> {
            for (int i = 1; i <= 3; i++) {
                HttpResponse<String> ok = send(context, "GET", "/api/x");
                assertThat(ok.statusCode()).as("%s request %d", server, i).isEqualTo(200);
                assertThat(ok.headers().firstValue("RateLimit-Remaining")).as(server.name())
                        .contains(Integer.toString(3 - i));
            }
            HttpResponse<String> refused = send(context, "GET", "/api/y");
            assertThat(refused.statusCode()).as(server.name()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).as(server.name()).isPresent();
            assertThat(send(context, "GET", "/other").statusCode()).as(server.name()).isEqualTo(200);
        });
    }

    /** Bucket4j: keys by a header; each key counts on its own; the method of the route matters. */
    @Test
    void aHeaderKeyedLimitCountsEachKeyOnItsOwn() throws Exception {
        each((server, context) -> {
            for (int i = 0; i < 2; i++) {
                assertThat(send(context, "POST", "/keys/a", "X-Api-Key", "k1").statusCode()).as(server.name())
                        .isEqualTo(200);
            }
            assertThat(send(context, "POST", "/keys/a", "X-Api-Key", "k1").statusCode()).as(server.name())
                    .isEqualTo(429);
            assertThat(send(context, "POST", "/keys/a", "X-Api-Key", "k2").statusCode()).as(server.name())
                    .isEqualTo(200);
            assertThat(send(context, "GET", "/keys/a", "X-Api-Key", "k1").statusCode()).as("GET: no route")
                    .isEqualTo(200);
        });
    }

    /** Bucket4j: a custom status and a problem body. */
    @Test
    void aRefusalAnswersTheConfiguredStatusAndProblemDocument() throws Exception {
        for (Server server : Server.values()) {
            try (ConfigurableApplicationContext context = server.start("throttle.http.refusal-status=503",
                    "throttle.http.problem-json=true")) {
                for (int i = 0; i < 3; i++) {
                    send(context, "GET", "/api/x");
                }
                HttpResponse<String> refused = send(context, "GET", "/api/x");
                assertThat(refused.statusCode()).as(server.name()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Content-Type")).as(server.name()).hasValueSatisfying(
                        type -> assertThat(type).startsWith("application/problem+json"));
            }
        }
    }

    /**
     * Bucket4j orders its filter after Spring Security's to key by the user; throttle offers {@code key: principal}
     * ("the authenticated user's name") in properties, and documents "place it after the authentication filter to
     * key by KeyResolver.principal()". An authentication filter at Spring Security's order sets the user; the
     * per-user limit of 1 should refuse the user's second request.
     */
    @Test
    void aPrincipalKeyedLimitSeesTheUserAnAuthenticationFilterSets() throws Exception {
        List<String> observed = new java.util.ArrayList<>();
        for (Server server : Server.values()) {
            try (ConfigurableApplicationContext context = server.start()) {
                HttpResponse<String> firstResponse = send(context, "GET", "/me/profile", "X-User", "alice");
                assertThat(firstResponse.body()).as("the application sees the user").isEqualTo("hello /me/profile alice");
                int first = firstResponse.statusCode();
                int second = send(context, "GET", "/me/profile", "X-User", "alice").statusCode();
                int third = send(context, "GET", "/me/profile", "X-User", "alice").statusCode();
                observed.add(server + ": " + first + ", " + second + ", " + third);
            }
        }
        assertThat(observed).containsExactly("SERVLET: 200, 429, 429", "WEBFLUX: 200, 429, 429");
    }

    /** The control: the same limit, with the filter the application places after the authentication filter. */
    @Test
    void controlAPrincipalKeyedLimitWorksWhenTheFilterComesAfterAuthentication() throws Exception {
        List<String> observed = new java.util.ArrayList<>();
        for (Server server : Server.values()) {
            try (ConfigurableApplicationContext context = server.start("peer.throttle-after-auth=true")) {
                int first = send(context, "GET", "/me/profile", "X-User", "alice").statusCode();
                int second = send(context, "GET", "/me/profile", "X-User", "alice").statusCode();
                int bob = send(context, "GET", "/me/profile", "X-User", "bob").statusCode();
                observed.add(server + ": " + first + ", " + second + ", " + bob);
            }
        }
        assertThat(observed).containsExactly("SERVLET: 200, 429, 200", "WEBFLUX: 200, 429, 200");
    }

    /** The servlet application: Spring MVC on Jetty, with a Spring-Security-like authentication filter. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(BootApps.ManualTime.class)
    static class ServletApp {

        @Bean
        org.springframework.web.servlet.function.RouterFunction<org.springframework.web.servlet.function.ServerResponse>
                hello() {
            return org.springframework.web.servlet.function.RouterFunctions.route()
                    .route(request -> true, request -> org.springframework.web.servlet.function.ServerResponse.ok()
                            .body("hello " + request.path() + " "
                                    + request.principal().map(Principal::getName).orElse("anonymous")))
                    .build();
        }

        @Bean
        FilterRegistrationBean<Filter> authentication() {
            Filter filter = (request, response, chain) -> {
                String user = ((HttpServletRequest) request).getHeader("X-User");
                if (user == null) {
                    chain.doFilter(request, response);
                    return;
                }
                chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
                    @Override
                    public Principal getUserPrincipal() {
                        return () -> user;
                    }

                    @Override
                    public String getRemoteUser() {
                        return user;
                    }
                }, response);
            };
            FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(filter);
            registration.setOrder(SECURITY_ORDER);
            return registration;
        }

        /** The control: the application's own registration, after the authentication filter. */
        @Bean
        @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty("peer.throttle-after-auth")
        FilterRegistrationBean<dev.throttle.servlet.ThrottleFilter> ownThrottle(
                dev.throttle.http.HttpThrottlePolicy policy) {
            FilterRegistrationBean<dev.throttle.servlet.ThrottleFilter> registration =
                    new FilterRegistrationBean<>(new dev.throttle.servlet.ThrottleFilter(policy));
            registration.setOrder(SECURITY_ORDER + 1);
            return registration;
        }
    }

    /** The WebFlux application, with a Spring-Security-like authentication filter. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(BootApps.ManualTime.class)
    static class WebFluxApp {

        @Bean
        org.springframework.web.reactive.function.server.RouterFunction<
                org.springframework.web.reactive.function.server.ServerResponse> hello() {
            return org.springframework.web.reactive.function.server.RouterFunctions.route()
                    .route(request -> true, request -> request.principal().map(Principal::getName)
                            .defaultIfEmpty("anonymous")
                            .flatMap(user -> org.springframework.web.reactive.function.server.ServerResponse.ok()
                                    .bodyValue("hello " + request.path() + " " + user)))
                    .build();
        }

        @Bean
        @Order(SECURITY_ORDER)
        WebFilter authentication() {
            return (exchange, chain) -> {
                String user = exchange.getRequest().getHeaders().getFirst("X-User");
                if (user == null) {
                    return chain.filter(exchange);
                }
                Principal principal = () -> user;
                return chain.filter(exchange.mutate().principal(Mono.just(principal)).build());
            };
        }

        /** The control: the application's own filter, after the authentication filter. */
        @Bean
        @Order(SECURITY_ORDER + 1)
        @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty("peer.throttle-after-auth")
        dev.throttle.webflux.ThrottleWebFilter ownThrottle(dev.throttle.http.HttpThrottlePolicy policy) {
            return new dev.throttle.webflux.ThrottleWebFilter(policy);
        }
    }
}
