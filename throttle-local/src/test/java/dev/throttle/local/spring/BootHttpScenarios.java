package dev.throttle.local.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.Engine;
import dev.throttle.ManualClock;
import dev.throttle.local.LocalEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot application throttled by the auto-configuration alone, from {@code application-boot.yml}, exercised
 * over real HTTP: the same statuses and fields whatever the server. A server's test extends this with its
 * application.
 */
abstract class BootHttpScenarios {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** The running application. */
    protected ConfigurableApplicationContext context;
    private ManualClock clock;
    private int port;

    /**
     * The application under test.
     *
     * @return its builder
     */
    protected abstract SpringApplicationBuilder application();

    @BeforeEach
    void start() {
        context = application().run();
        clock = context.getBean(ManualClock.class);
        port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    @AfterEach
    void stop() {
        context.close();
    }

    private HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("GET " + path + " interrupted", e);
        }
    }

    @Test
    void aSharedLimitAdmitsExactlyItsLimitThenRefusesWithExactFieldsAndCountsInTheRegistry() {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> ok = get("/api/orders");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("hello /api/orders");
            assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"api\";q=5;w=60");
            assertThat(ok.headers().allValues("RateLimit")).containsExactly("\"api\";r=" + (4 - i) + ";t=60");
            assertThat(ok.headers().firstValue("Retry-After")).isEmpty();
        }
        HttpResponse<String> refused = get("/api/orders");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().allValues("Retry-After")).containsExactly("60");
        assertThat(refused.headers().allValues("RateLimit-Policy")).containsExactly("\"api\";q=5;w=60");
        assertThat(refused.headers().allValues("RateLimit")).containsExactly("\"api\";r=0;t=60");
        assertThat(get("/other").statusCode()).isEqualTo(200); // no route, no global limit

        clock.advance(Duration.ofMinutes(1));
        assertThat(get("/api/orders").headers().allValues("RateLimit")).containsExactly("\"api\";r=4;t=60");

        MeterRegistry registry = context.getBean(SimpleMeterRegistry.class);
        assertThat(registry.get("throttle.permits").tags("limiter", "api", "outcome", "granted").counter().count())
                .isEqualTo(6.0);
        assertThat(registry.get("throttle.permits").tags("limiter", "api", "outcome", "refused", "reason", "limit")
                .counter().count()).isEqualTo(1.0);
        assertThat(registry.get("throttle.available").tags("limiter", "api").gauge().value()).isEqualTo(4.0);
    }

    @Test
    void aKeyedLimitCountsEachClientBehindTheTrustedProxyOnItsOwn() {
        String[] first = {"X-Forwarded-For", "203.0.113.7"};
        HttpResponse<String> one = get("/clients/me", first);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(one.headers().allValues("RateLimit-Policy")).containsExactly("\"per-client\";q=2;w=20");
        assertThat(one.headers().allValues("RateLimit")).containsExactly("\"per-client\";r=1;t=10");
        assertThat(get("/clients/me", first).headers().allValues("RateLimit"))
                .containsExactly("\"per-client\";r=0;t=10");
        HttpResponse<String> refused = get("/clients/me", first);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().allValues("Retry-After")).containsExactly("10");
        assertThat(refused.headers().allValues("RateLimit")).containsExactly("\"per-client\";r=0;t=10");

        HttpResponse<String> other = get("/clients/me", "X-Forwarded-For", "198.51.100.1, 203.0.113.8");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(other.headers().allValues("RateLimit")).containsExactly("\"per-client\";r=1;t=10");
        assertThat(get("/clients/me", "X-Forwarded-For", "203.0.113.8").statusCode()).isEqualTo(200);
        assertThat(get("/clients/me", "X-Forwarded-For", "203.0.113.8").statusCode()).isEqualTo(429);

        clock.advance(Duration.ofSeconds(10));
        assertThat(get("/clients/me", first).statusCode()).isEqualTo(200);
        assertThat(get("/clients/me", first).statusCode()).isEqualTo(429);
    }

    @Test
    void theApplicationsOwnEngineReplacesTheAutoConfiguredOne() {
        assertThat(context.getBeansOfType(Engine.class)).containsOnlyKeys("engine");
        LocalEngine engine = context.getBean(LocalEngine.class);
        assertThat(engine.ticker()).isSameAs(clock);
        ThrottleLimiters limiters = context.getBean(ThrottleLimiters.class);
        assertThat(limiters.limiters()).containsOnlyKeys("api");
        assertThat(limiters.keyedLimiters()).containsOnlyKeys("per-client");
    }
}
