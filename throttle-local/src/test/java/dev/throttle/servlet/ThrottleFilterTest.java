package dev.throttle.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.KeyResolver;
import dev.throttle.http.RateLimitHeaderStyle;
import dev.throttle.http.RouteRule;
import dev.throttle.http.TrustedProxies;
import dev.throttle.local.LocalEngine;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The filter's rate limits, over real HTTP against a real Jetty, with real engines on a manual clock. */
class ThrottleFilterTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
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
        }
    }

    private void start(HttpThrottlePolicy policy) {
        jetty = JettyFixture.start(new ThrottleFilter(policy), new Ok());
    }

    private static List<Integer> statuses(List<HttpResponse<String>> responses) {
        List<Integer> statuses = new ArrayList<>();
        responses.forEach(r -> statuses.add(r.statusCode()));
        return statuses;
    }

    @Test
    void tenRequestsAgainstFiveGiveFiveOkAndFiveRefusedWithExactHeaders() {
        Limiter api = engine.limiter("api", FixedWindow.of(5, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api)).build());

        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            responses.add(jetty.get("/hello"));
        }
        assertThat(statuses(responses)).containsExactly(200, 200, 200, 200, 200, 429, 429, 429, 429, 429);
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> ok = responses.get(i);
            assertThat(ok.body()).isEqualTo("ok /hello");
            assertThat(ok.headers().firstValue("RateLimit-Policy")).contains("\"api\";q=5;w=60");
            assertThat(ok.headers().firstValue("RateLimit")).contains("\"api\";r=" + (4 - i) + ";t=60");
            assertThat(ok.headers().firstValue("Retry-After")).isEmpty();
        }
        HttpResponse<String> refused = responses.get(5);
        assertThat(refused.headers().firstValue("Retry-After")).contains("60");
        assertThat(refused.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(refused.headers().firstValue("RateLimit-Policy")).contains("\"api\";q=5;w=60");
        assertThat(refused.headers().firstValue("RateLimit")).contains("\"api\";r=0;t=60");
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        assertThat(refused.body()).isEqualTo("Too many requests; retry after 60 s\n");

        clock.advance(Duration.ofMillis(1500));
        HttpResponse<String> later = jetty.get("/hello");
        assertThat(later.statusCode()).isEqualTo(429);
        assertThat(later.headers().firstValue("Retry-After")).contains("59");

        clock.advance(Duration.ofMillis(58_500));
        assertThat(jetty.get("/hello").statusCode()).isEqualTo(200);
    }

    @Test
    void concurrentRequestsAreAdmittedExactlyUpToTheLimit() throws Exception {
        Limiter global = engine.limiter("global", FixedWindow.of(20, Duration.ofMinutes(1)));
        Limiter route = engine.limiter("route", FixedWindow.of(30, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(global))
                .route(RouteRule.anyMethod("/**", HttpLimit.shared(route))).build());
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            inFlight.add(jetty.sendAsync(jetty.request("/c").GET().build()));
        }
        Map<Integer, Long> counts = new TreeMap<>();
        for (CompletableFuture<HttpResponse<String>> response : inFlight) {
            counts.merge(response.get(20, TimeUnit.SECONDS).statusCode(), 1L, Long::sum);
        }
        assertThat(counts).containsExactly(Map.entry(200, 20L), Map.entry(429, 40L));
        // The global limit refused first, so the route limit counted only the 20 admitted.
        assertThat(route.availablePermits()).isEqualTo(10);
    }

    @Test
    void tokenBucketRetryAfterIsRoundedUp() {
        // 5 per 7 s: one token every 1.4 s; the sixth request must wait 1.4 s, sent as 2.
        Limiter bucket = engine.limiter("bucket", TokenBucket.of(5, Rate.of(5, Duration.ofSeconds(7))));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(bucket))
                .headerStyle(RateLimitHeaderStyle.LEGACY).build());
        for (int i = 0; i < 5; i++) {
            assertThat(jetty.get("/").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = jetty.get("/");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).contains("2");
        assertThat(refused.headers().firstValue("RateLimit-Limit")).contains("5");
        assertThat(refused.headers().firstValue("RateLimit-Remaining")).contains("0");
        assertThat(refused.headers().firstValue("RateLimit-Reset")).contains("2");
        clock.advance(Duration.ofMillis(1400));
        HttpResponse<String> refilled = jetty.get("/");
        assertThat(refilled.statusCode()).isEqualTo(200);
        // The bucket is empty again: five tokens, 1.4 s each, are back in 7 s.
        assertThat(refilled.headers().firstValue("RateLimit-Reset")).contains("7");
    }

    @Test
    void perClientKeyingBelievesForwardedForOnlyFromATrustedProxy() {
        KeyedLimiter<String> perClient = engine.keyed("per-client", FixedWindow.of(2, Duration.ofMinutes(1)));
        // The test client connects from 127.0.0.1, so it is the trusted proxy here.
        start(HttpThrottlePolicy.builder()
                .global(HttpLimit.keyed(perClient, KeyResolver.forwardedFor(TrustedProxies.of("127.0.0.0/8", "::1"))))
                .build());
        assertThat(sendAsClient("198.51.100.1", 3)).containsExactly(200, 200, 429);
        assertThat(sendAsClient("198.51.100.2", 3)).containsExactly(200, 200, 429);
        // A client cannot escape by prepending another address: the proxy's appended entry is the one believed.
        assertThat(sendAsClient("203.0.113.50, 198.51.100.1", 1)).containsExactly(429);
    }

    @Test
    void forwardedForFromAnUntrustedPeerIsIgnored() {
        KeyedLimiter<String> perClient = engine.keyed("per-client", FixedWindow.of(2, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder()
                .global(HttpLimit.keyed(perClient, KeyResolver.forwardedFor(TrustedProxies.of("10.0.0.0/8"))))
                .build());
        // Every forged address lands on the peer's own key, 127.0.0.1.
        assertThat(sendAsClient("198.51.100.1", 2)).containsExactly(200, 200);
        assertThat(sendAsClient("198.51.100.2", 1)).containsExactly(429);
        assertThat(perClient.forKey("127.0.0.1").availablePermits()).isZero();
    }

    private List<Integer> sendAsClient(String forwardedFor, int count) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            statuses.add(jetty.send(jetty.request("/").header("X-Forwarded-For", forwardedFor).GET().build())
                    .statusCode());
        }
        return statuses;
    }

    @Test
    void perApiKeyWithAddressFallback() {
        KeyedLimiter<String> perKey = engine.keyed("per-key", FixedWindow.of(1, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder()
                .global(HttpLimit.keyed(perKey, KeyResolver.header("X-Api-Key").orElse(KeyResolver.remoteAddress())))
                .build());
        assertThat(withKey("alpha").statusCode()).isEqualTo(200);
        assertThat(withKey("alpha").statusCode()).isEqualTo(429);
        assertThat(withKey("beta").statusCode()).isEqualTo(200);
        assertThat(jetty.get("/").statusCode()).isEqualTo(200);
        assertThat(jetty.get("/").statusCode()).isEqualTo(429);
        HttpResponse<String> refused = withKey("beta");
        assertThat(refused.headers().firstValue("RateLimit")).contains("\"per-key\";r=0;t=60");
    }

    private HttpResponse<String> withKey(String key) {
        return jetty.send(jetty.request("/").header("X-Api-Key", key).GET().build());
    }

    @Test
    void routeRulesBehindAGlobalLimit() {
        Limiter global = engine.limiter("global", FixedWindow.of(4, Duration.ofMinutes(1)));
        Limiter orders = engine.limiter("orders", FixedWindow.of(1, Duration.ofMinutes(1)));
        Limiter api = engine.limiter("api", FixedWindow.of(10, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder()
                .global(HttpLimit.shared(global))
                .route(RouteRule.of("POST", "/api/orders", HttpLimit.shared(orders)))
                .route(RouteRule.anyMethod("/api/**", HttpLimit.shared(api)))
                .build());

        assertThat(post("/api/orders").statusCode()).isEqualTo(200);
        HttpResponse<String> secondOrder = post("/api/orders");
        assertThat(secondOrder.statusCode()).isEqualTo(429);
        assertThat(secondOrder.headers().firstValue("RateLimit")).contains("\"orders\";r=0;t=60");
        // The refused order took nothing from the global limit (all or nothing): 3 of its 4 are left.
        assertThat(global.availablePermits()).isEqualTo(3);

        HttpResponse<String> first = jetty.get("/api/orders/7");
        assertThat(first.statusCode()).isEqualTo(200);
        // Every limit the request passed, in the order checked: the global one (2 left), then the api route's (9).
        assertThat(first.headers().firstValue("RateLimit-Policy"))
                .contains("\"global\";q=4;w=60, \"api\";q=10;w=60");
        assertThat(first.headers().firstValue("RateLimit")).contains("\"global\";r=2;t=60, \"api\";r=9;t=60");
        assertThat(jetty.get("/api/items").statusCode()).isEqualTo(200);
        assertThat(jetty.get("/elsewhere").statusCode()).isEqualTo(200);
        HttpResponse<String> exhausted = jetty.get("/api/items");
        assertThat(exhausted.statusCode()).isEqualTo(429);
        assertThat(exhausted.headers().firstValue("RateLimit-Policy"))
                .contains("\"global\";q=4;w=60, \"api\";q=10;w=60");
        assertThat(api.availablePermits()).isEqualTo(8);
    }

    private HttpResponse<String> post(String path) {
        return jetty.send(jetty.request(path).POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    }

    @Test
    void configuredStatusAndNoHeaders() {
        Limiter api = engine.limiter("api", FixedWindow.of(1, Duration.ofSeconds(10)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api)).refusalStatus(503)
                .headerStyle(RateLimitHeaderStyle.NONE).build());
        HttpResponse<String> ok = jetty.get("/");
        assertThat(ok.headers().firstValue("RateLimit")).isEmpty();
        HttpResponse<String> refused = jetty.get("/");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).contains("10");
        assertThat(refused.headers().firstValue("RateLimit-Policy")).isEmpty();
    }

    /** RFC 9457 through a real client: the draft's quota-exceeded problem type, with the standard headers. */
    @Test
    void refusalsAnswerWithAProblemDocumentWhenConfigured() {
        Limiter api = engine.limiter("api", FixedWindow.of(1, Duration.ofSeconds(10)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api))
                .rejectionHandler(dev.throttle.http.RejectionHandler.problemJson()).build());
        assertThat(jetty.get("/").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = jetty.get("/");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("10");
        assertThat(refused.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"api\";r=0;t=10");
        assertThat(refused.body()).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Quota Exceeded\",\"status\":429,"
                + "\"detail\":\"Too many requests for the limit api; retry after 10 s\","
                + "\"violated-policies\":[\"api\"],\"retry-after\":10}\n");
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
            responses.add(jetty.get("/api/items"));
        }
        for (int i = 0; i < 3; i++) {
            responses.add(jetty.get("/elsewhere")); // the global limit only
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
        HttpResponse<String> ok = jetty.get("/items/123");
        assertThat(ok.headers().firstValue("RateLimit")).hasValue("\"fixedwindow\";r=99;t=50");
        assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"fixedwindow\";q=100;w=60");
        jetty.close();

        // Section 3.2: RateLimit-Policy: "permin";q=50;w=60,"perhr";q=1000;w=3600
        Limiter perMinute = engine.limiter("permin", FixedWindow.of(50, Duration.ofMinutes(1)));
        Limiter perHour = engine.limiter("perhr", FixedWindow.of(1000, Duration.ofHours(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(perMinute)).global(HttpLimit.shared(perHour))
                .build());
        assertThat(jetty.get("/").headers().firstValue("RateLimit-Policy"))
                .hasValue("\"permin\";q=50;w=60, \"perhr\";q=1000;w=3600");
        jetty.close();

        // Appendix B.1.4: a throttled response whose Retry-After and RateLimit "reference the same moment":
        //     Retry-After: Mon, 05 Aug 2019 09:27:05 GMT   (5 s after its Date)
        //     RateLimit: "default";r=0;t=5
        Limiter exhausted = engine.limiter("default", FixedWindow.of(1, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(exhausted)).build());
        assertThat(jetty.get("/").statusCode()).isEqualTo(200);
        clock.advance(Duration.ofSeconds(115 - 60 - 10)); // the window ends in 5 s
        HttpResponse<String> throttled = jetty.get("/items/123");
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(throttled.headers().firstValue("RateLimit")).hasValue("\"default\";r=0;t=5");
    }
}
