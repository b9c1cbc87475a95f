package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.examples.boot.BootApp;
import dev.throttle.examples.boot.ReportBackend;
import dev.throttle.local.LocalEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Example 7 for real: the Spring Boot application started from its own {@code application.yml} on a free loopback
 * port, exercised through java.net.http. The test declares three beans of its own, as any application may: an engine
 * on a manual clock (so counts and header values are exact; the auto-configuration uses it instead of making one), a
 * Micrometer registry (the auto-configuration meters every limiter into it), and a report backend it completes itself.
 */
class BootAppTest {

    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Reports the backend is building now, each completed when the test says. */
    private final Queue<MonoSink<String>> building = new ConcurrentLinkedQueue<>();
    private final AtomicInteger mostBuiltAtOnce = new AtomicInteger();
    private ConfigurableApplicationContext app;
    private URI base;
    private final ServerProbe probe = new ServerProbe(() -> base);

    @BeforeEach
    void start() {
        app = new SpringApplicationBuilder(BootApp.class, TestBeans.class)
                .initializers(context -> context.getBeanFactory().registerSingleton("testFixture", this))
                .properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
                        "spring.main.allow-bean-definition-overriding=true")
                .run();
        base = URI.create("http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port"));
    }

    @AfterEach
    void stop() {
        building.forEach(report -> report.success("late\n"));
        if (app != null) {
            app.close();
        }
    }

    /** The beans the test declares beside the application's. */
    @Configuration(proxyBeanMethods = false)
    static class TestBeans {

        @Bean
        LocalEngine engine(BootAppTest test) {
            return LocalEngine.builder().ticker(test.clock).scheduler(test.clock).build();
        }

        @Bean
        MeterRegistry meterRegistry(BootAppTest test) {
            return test.registry;
        }

        /** Replaces the application's stand-in backend (same bean name). */
        @Bean
        ReportBackend reportBackend(BootAppTest test) {
            return id -> Mono.create(report -> {
                test.building.add(report);
                test.mostBuiltAtOnce.accumulateAndGet(test.building.size(), Math::max);
                report.onDispose(() -> test.building.remove(report));
            });
        }
    }

    @Test
    void eachClientGetsItsBurstOfTenThenFiveASecondWithExactHeaders() throws Exception {
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            responses.add(probe.get("/api/hello"));
        }

        assertThat(responses.subList(0, 10)).extracting(HttpResponse::statusCode).containsOnly(200);
        assertThat(responses.get(0).body()).isEqualTo("hello\n");
        assertThat(responses.get(0).headers().firstValue("RateLimit-Policy")).hasValue("\"per-client\";q=10;w=2");
        assertThat(responses.get(0).headers().firstValue("RateLimit")).hasValue("\"per-client\";r=9;t=1");
        HttpResponse<String> refused = responses.get(10);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"per-client\";r=0;t=1");
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"per-client\";q=10;w=2");

        clock.advance(Duration.ofSeconds(1));
        assertThat(probe.statuses(6, "/api/hello")).containsExactly(200, 200, 200, 200, 200, 429);
        assertThat(registry.get("throttle.permits").tags("limiter", "per-client", "outcome", "granted").counter()
                .count()).isEqualTo(15.0);
        assertThat(registry.get("throttle.permits").tags("limiter", "per-client", "outcome", "refused", "reason", "limit")
                .counter()
                .count()).isEqualTo(2.0);
    }

    @Test
    void theThrottledServiceGivesEachUserThreeQuotesAMinuteThenItsFallback() throws Exception {
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> quote = probe.get("/api/quotes/ann");
            assertThat(quote.statusCode()).isEqualTo(200);
            assertThat(quote.body()).isEqualTo("quote for ann: 42.00\n");
        }
        HttpResponse<String> fourth = probe.get("/api/quotes/ann");
        assertThat(fourth.statusCode()).isEqualTo(200);
        // A sliding window counter: its window ends in 60 s, and 20 s later the 3 quotes it counted there weigh 2.
        assertThat(fourth.body()).isEqualTo("no more quotes for ann now; retry in 80 s\n");
        assertThat(probe.get("/api/quotes/bob").body()).isEqualTo("quote for bob: 42.00\n");

        clock.advance(Duration.ofMinutes(2));
        assertThat(probe.get("/api/quotes/ann").body()).isEqualTo("quote for ann: 42.00\n");
    }

    @Test
    void reportsAreBuiltTwoAtATimeFourWaitTheirTurnAndTheRestAreTurnedAway() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            sent.add(probe.client.sendAsync(probe.request("/api/reports/r" + i).GET().build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        ServerProbe.await(() -> sent.stream().filter(CompletableFuture::isDone).count() == 2
                && building.size() == 2 && gauge("throttle.queue.length") == 4.0, "2 building, 4 waiting, 2 refused");
        for (CompletableFuture<HttpResponse<String>> response : sent) {
            if (response.isDone()) {
                assertThat(response.get().statusCode()).isEqualTo(503);
                assertThat(response.get().headers().firstValue("Retry-After")).hasValue("1");
                assertThat(response.get().body()).isEqualTo("busy: retry in 1 s\n");
            }
        }
        assertThat(gauge("throttle.in.flight")).isEqualTo(2.0);

        for (int done = 0; done < 6; done++) {
            int finished = done;
            ServerProbe.await(() -> !building.isEmpty(), "a report being built");
            building.poll().success("report " + finished + "\n");
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : sent) {
            statuses.add(response.get(10, TimeUnit.SECONDS).statusCode());
        }
        assertThat(statuses).filteredOn(status -> status == 200).hasSize(6);
        assertThat(statuses).filteredOn(status -> status == 503).hasSize(2);
        assertThat(mostBuiltAtOnce).hasValue(2);
        ServerProbe.await(() -> gauge("throttle.in.flight") == 0.0, "every report slot given back");
        assertThat(gauge("throttle.queue.length")).isEqualTo(0.0);
    }

    private double gauge(String name) {
        return registry.get(name).tags("limiter", "reports").gauge().value();
    }
}
