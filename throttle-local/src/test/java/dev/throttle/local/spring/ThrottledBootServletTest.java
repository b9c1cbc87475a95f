package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ThrottledException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code @Throttled} on a service method of a real Spring Boot servlet application (Spring MVC on Jetty). */
class ThrottledBootServletTest {

    private static ConfigurableApplicationContext context;
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        context = new SpringApplicationBuilder(App.class)
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "spring.main.web-application-type=servlet",
                        "throttle.keyed.quotes.type=fixed-window", "throttle.keyed.quotes.limit=2",
                        "throttle.keyed.quotes.window=1m")
                .run();
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Test
    void aControllerCallingAThrottledServiceAnswersTwicePerCustomerThenItsRefusal() throws Exception {
        assertThat(get("/quotes/alice").body()).isEqualTo("quote for alice");
        assertThat(get("/quotes/alice").body()).isEqualTo("quote for alice");
        HttpResponse<String> refused = get("/quotes/alice");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("60");
        assertThat(get("/quotes/bob").statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        String port = context.getEnvironment().getProperty("local.server.port");
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The application: a controller, and the service it calls, guarded per customer. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(BootApps.ManualTime.class)
    static class App {

        @Bean
        QuoteService quoteService() {
            return new QuoteService();
        }

        @Bean
        QuoteController quoteController(QuoteService quotes) {
            return new QuoteController(quotes);
        }
    }

    /** A service proxied by class, as Spring Boot proxies by default. */
    static class QuoteService {

        @Throttled(limiter = "quotes", key = "#customer")
        public String quote(String customer) {
            return "quote for " + customer;
        }
    }

    /** Answers a refusal as 429 with its Retry-After in whole seconds. */
    @RestController
    static class QuoteController {

        private final QuoteService quotes;

        QuoteController(QuoteService quotes) {
            this.quotes = quotes;
        }

        @GetMapping("/quotes/{customer}")
        String quote(@PathVariable("customer") String customer) {
            return quotes.quote(customer);
        }

        @ExceptionHandler(ThrottledException.class)
        ResponseEntity<String> refused(ThrottledException refusal) {
            return ResponseEntity.status(429)
                    .header("Retry-After", Long.toString(refusal.retryAfter().toSeconds())).body("busy");
        }
    }
}
