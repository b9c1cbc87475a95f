package dev.throttle.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.Limiter;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.RouteRule;
import dev.throttle.testing.HttpPolicyScenarios;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The filter's rate limits, over real HTTP against a real Jetty, with real engines on a manual clock: the scenarios
 * every adapter shares ({@link HttpPolicyScenarios}), the counters, and the RateLimit draft's examples.
 */
class ThrottleFilterTest extends HttpPolicyScenarios {

    private JettyFixture jetty;

    /**
     * Answers 200 with the path, so a test sees the request reached the application. It reads the request's body, as
     * an application does: a body left unread can make the server close the connection after the response, and the
     * client's next POST on that pooled connection (POST is not retried) would fail with no bytes received.
     */
    static final class Ok extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            request.getInputStream().readAllBytes();
            response.setContentType("text/plain");
            response.getWriter().write("ok " + request.getRequestURI());
        }
    }

    @AfterEach
    void stop() {
        if (jetty != null) {
            jetty.close();
            jetty = null;
        }
    }

    @Override
    protected void start(HttpThrottlePolicy policy) {
        stop();
        jetty = JettyFixture.start(new ThrottleFilter(policy), new Ok());
    }

    @Override
    protected HttpRequest.Builder request(String path) {
        return jetty.request(path);
    }

    @Override
    protected CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
        return jetty.sendAsync(request);
    }

    /**
     * Every counter against what the client saw: a global limit of 10 in front of a route limit of 4. Requests the
     * route refuses took a global permit and gave it back, so the global limiter's grants exceed its admissions by
     * exactly the permits counted as returned.
     */
    @Test
    void theCountersAgreeWithWhatTheClientSaw() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        Limiter global = dev.throttle.micrometer.ThrottleMetrics.meter(
                engine.limiter("global", FixedWindow.of(10, Duration.ofMinutes(1))), registry);
        Limiter route = dev.throttle.micrometer.ThrottleMetrics.meter(
                engine.limiter("route", FixedWindow.of(4, Duration.ofMinutes(1))), registry);
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(global))
                .route(RouteRule.anyMethod("/api/**", HttpLimit.shared(route))).build());

        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            responses.add(get("/api/items"));
        }
        for (int i = 0; i < 3; i++) {
            responses.add(get("/elsewhere")); // the global limit only
        }
        long ok = responses.stream().filter(r -> r.statusCode() == 200).count();
        long refused = responses.stream().filter(r -> r.statusCode() == 429).count();
        assertThat(ok).isEqualTo(7);
        assertThat(refused).isEqualTo(8);

        double globalGranted = count(registry, "throttle.permits", "global", "granted");
        double globalReturned = registry.get("throttle.returned").tag("limiter", "global").counter().count();
        double routeGranted = count(registry, "throttle.permits", "route", "granted");
        double routeRefused = count(registry, "throttle.permits", "route", "refused");
        assertThat(globalGranted - globalReturned).as("admitted by the global limit").isEqualTo(ok);
        assertThat(globalReturned).as("given back when the route refused").isEqualTo(refused);
        assertThat(routeGranted).isEqualTo(4);
        assertThat(routeRefused).isEqualTo(refused);
        assertThat(count(registry, "throttle.permits", "global", "refused")).isZero();
    }

    private static double count(io.micrometer.core.instrument.MeterRegistry registry, String name, String limiter,
            String outcome) {
        return registry.find(name).tag("limiter", limiter).tag("outcome", outcome).counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /**
     * The draft's own examples (draft-ietf-httpapi-ratelimit-headers-11), reproduced through a real client. Lists are
     * written as RFC 9651 serializes them (members joined by ", "), which parses the same as the draft's ",".
     */
    @Test
    void theDraftsExamplesReproduced() {
        // Appendix B.2.1: "The client has 99 quota units left for the next 50 seconds."
        //     RateLimit: "fixedwindow";r=99;t=50
        //     RateLimit-Policy: "fixedwindow";q=100;w=60
        Limiter fixed = engine.limiter("fixedwindow", FixedWindow.of(100, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(fixed)).build());
        clock.advance(Duration.ofSeconds(10));
        HttpResponse<String> ok = get("/items/123");
        assertThat(ok.headers().firstValue("RateLimit")).hasValue("\"fixedwindow\";r=99;t=50");
        assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"fixedwindow\";q=100;w=60");

        // Section 3.2: RateLimit-Policy: "permin";q=50;w=60,"perhr";q=1000;w=3600
        Limiter perMinute = engine.limiter("permin", FixedWindow.of(50, Duration.ofMinutes(1)));
        Limiter perHour = engine.limiter("perhr", FixedWindow.of(1000, Duration.ofHours(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(perMinute)).global(HttpLimit.shared(perHour))
                .build());
        assertThat(get("/").headers().firstValue("RateLimit-Policy"))
                .hasValue("\"permin\";q=50;w=60, \"perhr\";q=1000;w=3600");

        // Appendix B.1.4: a throttled response whose Retry-After and RateLimit "reference the same moment":
        //     Retry-After: Mon, 05 Aug 2019 09:27:05 GMT   (5 s after its Date)
        //     RateLimit: "default";r=0;t=5
        Limiter exhausted = engine.limiter("default", FixedWindow.of(1, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(exhausted)).build());
        assertThat(get("/").statusCode()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(115 - 60 - 10)); // the window ends in 5 s
        HttpResponse<String> throttled = get("/items/123");
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(throttled.headers().firstValue("RateLimit")).hasValue("\"default\";r=0;t=5");
    }
}
