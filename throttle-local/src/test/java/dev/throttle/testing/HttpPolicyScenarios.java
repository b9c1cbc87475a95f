package dev.throttle.testing;

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
import dev.throttle.http.RejectionHandler;
import dev.throttle.http.RouteRule;
import dev.throttle.http.TrustedProxies;
import dev.throttle.local.LocalEngine;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The HTTP policy as every server adapter must apply it, over real HTTP with real engines on a manual clock: the same
 * statuses, {@code Retry-After} and RateLimit fields whatever the server. A server's test extends this and starts its
 * server, the adapter in front of an application that reads the request's body and answers 200 {@code ok <path>}.
 */
public abstract class HttpPolicyScenarios {

    /** The clock of every limiter of the test. */
    protected final ManualClock clock = new ManualClock();
    /** The engine of every limiter of the test. */
    protected final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    /**
     * Starts the server with the adapter enforcing a policy (stopping the one before, if any).
     *
     * @param policy the policy
     */
    protected abstract void start(HttpThrottlePolicy policy);

    /**
     * A request to the running server.
     *
     * @param path the path and query
     * @return the request, to be completed
     */
    protected abstract HttpRequest.Builder request(String path);

    /**
     * Sends a request.
     *
     * @param request the request
     * @return its response
     */
    protected abstract CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request);

    /**
     * Sends a request and waits for its response.
     *
     * @param request the request
     * @return its response
     */
    protected HttpResponse<String> send(HttpRequest request) {
        try {
            return sendAsync(request).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(request + " failed", e);
        }
    }

    /**
     * Sends {@code GET path}.
     *
     * @param path the path and query
     * @return its response
     */
    protected HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
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
            responses.add(get("/hello"));
        }
        assertThat(statuses(responses)).containsExactly(200, 200, 200, 200, 200, 429, 429, 429, 429, 429);
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> ok = responses.get(i);
            assertThat(ok.body()).isEqualTo("ok /hello");
            assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"api\";q=5;w=60");
            assertThat(ok.headers().allValues("RateLimit")).containsExactly("\"api\";r=" + (4 - i) + ";t=60");
            assertThat(ok.headers().firstValue("Retry-After")).isEmpty();
        }
        for (int i = 5; i < 10; i++) {
            HttpResponse<String> refused = responses.get(i);
            assertThat(refused.headers().allValues("Retry-After")).containsExactly("60");
            assertThat(refused.headers().allValues("Cache-Control")).containsExactly("no-store");
            assertThat(refused.headers().allValues("RateLimit-Policy")).containsExactly("\"api\";q=5;w=60");
            assertThat(refused.headers().allValues("RateLimit")).containsExactly("\"api\";r=0;t=60");
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/plain"));
            assertThat(refused.body()).isEqualTo("Too many requests; retry after 60 s\n");
        }

        clock.advance(Duration.ofMillis(1500));
        HttpResponse<String> later = get("/hello");
        assertThat(later.statusCode()).isEqualTo(429);
        assertThat(later.headers().firstValue("Retry-After")).contains("59");

        clock.advance(Duration.ofMillis(58_500));
        assertThat(get("/hello").statusCode()).isEqualTo(200);
    }

    @Test
    void concurrentRequestsAreAdmittedExactlyUpToTheLimit() throws Exception {
        Limiter global = engine.limiter("global", FixedWindow.of(20, Duration.ofMinutes(1)));
        Limiter route = engine.limiter("route", FixedWindow.of(30, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(global))
                .route(RouteRule.anyMethod("/**", HttpLimit.shared(route))).build());
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            inFlight.add(sendAsync(request("/c").GET().build()));
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
            assertThat(get("/").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = get("/");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).contains("2");
        assertThat(refused.headers().firstValue("RateLimit-Limit")).contains("5");
        assertThat(refused.headers().firstValue("RateLimit-Remaining")).contains("0");
        assertThat(refused.headers().firstValue("RateLimit-Reset")).contains("2");
        clock.advance(Duration.ofMillis(1400));
        HttpResponse<String> refilled = get("/");
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
            statuses.add(send(request("/").header("X-Forwarded-For", forwardedFor).GET().build()).statusCode());
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
        assertThat(get("/").statusCode()).isEqualTo(200);
        assertThat(get("/").statusCode()).isEqualTo(429);
        HttpResponse<String> refused = withKey("beta");
        assertThat(refused.headers().firstValue("RateLimit")).contains("\"per-key\";r=0;t=60");
    }

    private HttpResponse<String> withKey(String key) {
        return send(request("/").header("X-Api-Key", key).GET().build());
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

        HttpResponse<String> first = get("/api/orders/7");
        assertThat(first.statusCode()).isEqualTo(200);
        // Every limit the request passed, in the order checked: the global one (2 left), then the api route's (9).
        assertThat(first.headers().firstValue("RateLimit-Policy"))
                .contains("\"global\";q=4;w=60, \"api\";q=10;w=60");
        assertThat(first.headers().firstValue("RateLimit")).contains("\"global\";r=2;t=60, \"api\";r=9;t=60");
        assertThat(get("/api/items").statusCode()).isEqualTo(200);
        assertThat(get("/elsewhere").statusCode()).isEqualTo(200);
        HttpResponse<String> exhausted = get("/api/items");
        assertThat(exhausted.statusCode()).isEqualTo(429);
        assertThat(exhausted.headers().firstValue("RateLimit-Policy"))
                .contains("\"global\";q=4;w=60, \"api\";q=10;w=60");
        assertThat(api.availablePermits()).isEqualTo(8);
    }

    /**
     * Sends {@code POST path} with a small JSON body.
     *
     * @param path the path
     * @return its response
     */
    protected HttpResponse<String> post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    }

    @Test
    void configuredStatusAndNoHeaders() {
        Limiter api = engine.limiter("api", FixedWindow.of(1, Duration.ofSeconds(10)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api)).refusalStatus(503)
                .headerStyle(RateLimitHeaderStyle.NONE).build());
        HttpResponse<String> ok = get("/");
        assertThat(ok.headers().firstValue("RateLimit")).isEmpty();
        HttpResponse<String> refused = get("/");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).contains("10");
        assertThat(refused.headers().firstValue("RateLimit-Policy")).isEmpty();
    }

    /** RFC 9457 through a real client: the draft's quota-exceeded problem type, with the standard headers. */
    @Test
    void refusalsAnswerWithAProblemDocumentWhenConfigured() {
        Limiter api = engine.limiter("api", FixedWindow.of(1, Duration.ofSeconds(10)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api))
                .rejectionHandler(RejectionHandler.problemJson()).build());
        assertThat(get("/").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = get("/");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().allValues("Content-Type")).containsExactly("application/problem+json");
        assertThat(refused.headers().allValues("Retry-After")).containsExactly("10");
        assertThat(refused.headers().allValues("Cache-Control")).containsExactly("no-store");
        assertThat(refused.headers().allValues("RateLimit")).containsExactly("\"api\";r=0;t=10");
        assertThat(refused.body()).isEqualTo("{\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\","
                + "\"title\":\"Quota Exceeded\",\"status\":429,"
                + "\"detail\":\"Too many requests for the limit api; retry after 10 s\","
                + "\"violated-policies\":[\"api\"],\"retry-after\":10}\n");
        assertThat(refused.headers().firstValueAsLong("Content-Length")).hasValue(refused.body().length());
    }
}
