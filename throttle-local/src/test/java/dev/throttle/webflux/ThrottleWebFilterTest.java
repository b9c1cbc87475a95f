package dev.throttle.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The WebFlux filter's rate limits over real HTTP, against a real Spring WebFlux application on Reactor Netty, with
 * real engines on a manual clock: the same statuses, {@code Retry-After} and RateLimit fields as the servlet filter
 * ({@code ThrottleFilterTest}) and the Netty handler.
 */
class ThrottleWebFilterTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    /** Paths the application saw. */
    private final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    private WebFluxFixture app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    /** Answers 200 with the path (after reading the body, as an application does), so a test sees it got through. */
    private RouterFunction<ServerResponse> ok() {
        return RouterFunctions.route(RequestPredicates.all(), request -> request.bodyToMono(String.class)
                .defaultIfEmpty("")
                .flatMap(body -> {
                    seen.add(request.path());
                    return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue("ok " + request.path());
                }));
    }

    private void start(HttpThrottlePolicy policy, WebFilter... before) {
        WebFilter[] filters = java.util.Arrays.copyOf(before, before.length + 1);
        filters[before.length] = new ThrottleWebFilter(policy);
        app = WebFluxFixture.start(ok(), filters);
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
            responses.add(app.get("/hello"));
        }
        assertThat(statuses(responses)).containsExactly(200, 200, 200, 200, 200, 429, 429, 429, 429, 429);
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> ok = responses.get(i);
            assertThat(ok.body()).isEqualTo("ok /hello");
            assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"api\";q=5;w=60");
            assertThat(ok.headers().allValues("RateLimit")).containsExactly("\"api\";r=" + (4 - i) + ";t=60");
            assertThat(ok.headers().firstValue("Retry-After")).isEmpty();
            assertThat(ok.headers().firstValue("Cache-Control")).isEmpty();
        }
        for (int i = 5; i < 10; i++) {
            HttpResponse<String> refused = responses.get(i);
            assertThat(refused.headers().allValues("Retry-After")).containsExactly("60");
            assertThat(refused.headers().allValues("Cache-Control")).containsExactly("no-store");
            assertThat(refused.headers().allValues("RateLimit-Policy")).containsExactly("\"api\";q=5;w=60");
            assertThat(refused.headers().allValues("RateLimit")).containsExactly("\"api\";r=0;t=60");
            assertThat(refused.headers().allValues("Content-Type")).containsExactly("text/plain; charset=utf-8");
            assertThat(refused.body()).isEqualTo("Too many requests; retry after 60 s\n");
            assertThat(refused.headers().firstValueAsLong("Content-Length")).hasValue(refused.body().length());
        }
        assertThat(seen).hasSize(5);

        clock.advance(Duration.ofMillis(1500));
        HttpResponse<String> later = app.get("/hello");
        assertThat(later.statusCode()).isEqualTo(429);
        assertThat(later.headers().firstValue("Retry-After")).contains("59");

        clock.advance(Duration.ofMillis(58_500));
        assertThat(app.get("/hello").statusCode()).isEqualTo(200);
    }

    @Test
    void concurrentRequestsAreAdmittedExactlyUpToTheLimit() throws Exception {
        Limiter global = engine.limiter("global", FixedWindow.of(20, Duration.ofMinutes(1)));
        Limiter route = engine.limiter("route", FixedWindow.of(30, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(global))
                .route(RouteRule.anyMethod("/**", HttpLimit.shared(route))).build());
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            inFlight.add(app.getAsync("/c"));
        }
        Map<Integer, Long> counts = new TreeMap<>();
        for (CompletableFuture<HttpResponse<String>> response : inFlight) {
            counts.merge(response.get(20, TimeUnit.SECONDS).statusCode(), 1L, Long::sum);
        }
        assertThat(counts).containsExactly(Map.entry(200, 20L), Map.entry(429, 40L));
        // The global limit refused first, so the route limit counted only the 20 admitted.
        assertThat(route.availablePermits()).isEqualTo(10);
        assertThat(seen).hasSize(20);
    }

    @Test
    void tokenBucketRetryAfterIsRoundedUpAndTheLegacyFieldsAreSent() {
        // 5 per 7 s: one token every 1.4 s; the sixth request must wait 1.4 s, sent as 2.
        Limiter bucket = engine.limiter("bucket", TokenBucket.of(5, Rate.of(5, Duration.ofSeconds(7))));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(bucket))
                .headerStyle(RateLimitHeaderStyle.LEGACY).build());
        for (int i = 0; i < 5; i++) {
            assertThat(app.get("/").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = app.get("/");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).contains("2");
        assertThat(refused.headers().firstValue("RateLimit-Limit")).contains("5");
        assertThat(refused.headers().firstValue("RateLimit-Remaining")).contains("0");
        assertThat(refused.headers().firstValue("RateLimit-Reset")).contains("2");
        clock.advance(Duration.ofMillis(1400));
        HttpResponse<String> refilled = app.get("/");
        assertThat(refilled.statusCode()).isEqualTo(200);
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
        assertThat(perClient.forKey("198.51.100.1").availablePermits()).isZero();
        assertThat(perClient.forKey("127.0.0.1").availablePermits()).isEqualTo(2);
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
            statuses.add(app.send(app.request("/").header("X-Forwarded-For", forwardedFor).GET().build())
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
        assertThat(app.get("/").statusCode()).isEqualTo(200);
        assertThat(app.get("/").statusCode()).isEqualTo(429);
        HttpResponse<String> refused = withKey("beta");
        assertThat(refused.headers().firstValue("RateLimit")).contains("\"per-key\";r=0;t=60");
        assertThat(perKey.forKey("127.0.0.1").availablePermits()).isZero();
    }

    private HttpResponse<String> withKey(String key) {
        return app.send(app.request("/").header("x-api-key", key).GET().build());
    }

    /** The principal WebFlux resolves (here set by an authentication filter placed before the throttle) keys a limit. */
    @Test
    void thePrincipalOfTheExchangeKeysByUser() {
        KeyedLimiter<String> perUser = engine.keyed("per-user", FixedWindow.of(1, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.keyed(perUser, KeyResolver.principal())).build(),
                new HeaderAuthentication());
        assertThat(asUser("carol")).isEqualTo(200);
        assertThat(asUser("carol")).isEqualTo(429);
        assertThat(asUser("dave")).isEqualTo(200);
        // Anonymous: the keyed limit does not apply.
        assertThat(app.get("/").statusCode()).isEqualTo(200);
        assertThat(app.get("/").statusCode()).isEqualTo(200);
        assertThat(perUser.forKey("carol").availablePermits()).isZero();
    }

    private int asUser(String user) {
        return app.send(app.request("/").header("X-User", user).GET().build()).statusCode();
    }

    /** A stand-in for an authentication filter: the user named by {@code X-User}; ordered before the throttle. */
    @Order(0)
    static final class HeaderAuthentication implements WebFilter {
        @Override
        public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
            String user = exchange.getRequest().getHeaders().getFirst("X-User");
            if (user == null) {
                return chain.filter(exchange);
            }
            Principal principal = () -> user;
            return chain.filter(exchange.mutate().principal(Mono.just(principal)).build());
        }
    }

    @Test
    void routeRulesBehindAGlobalLimitMatchTheNormalizedPath() {
        Limiter global = engine.limiter("global", FixedWindow.of(5, Duration.ofMinutes(1)));
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
        // Percent-escapes and doubled slashes cannot dodge a rule either.
        assertThat(post("/api//%6Frders").statusCode()).isEqualTo(429);
        // The refused orders took nothing from the global limit (all or nothing): 4 of its 5 are left.
        assertThat(global.availablePermits()).isEqualTo(4);

        HttpResponse<String> first = app.get("/api/orders/7");
        assertThat(first.statusCode()).isEqualTo(200);
        // Every limit the request passed, in the order checked: the global one (3 left), then the api route's (9).
        assertThat(first.headers().firstValue("RateLimit-Policy"))
                .contains("\"global\";q=5;w=60, \"api\";q=10;w=60");
        assertThat(first.headers().firstValue("RateLimit")).contains("\"global\";r=3;t=60, \"api\";r=9;t=60");
        assertThat(app.get("/api/items").statusCode()).isEqualTo(200);
        assertThat(app.get("/elsewhere").statusCode()).isEqualTo(200);
        assertThat(app.get("/elsewhere/./again").statusCode()).isEqualTo(200);
        HttpResponse<String> exhausted = app.get("/api/items");
        assertThat(exhausted.statusCode()).isEqualTo(429);
        assertThat(exhausted.headers().firstValue("RateLimit-Policy"))
                .contains("\"global\";q=5;w=60, \"api\";q=10;w=60");
        assertThat(api.availablePermits()).isEqualTo(8);
    }

    private HttpResponse<String> post(String path) {
        return app.send(app.request(path).POST(HttpRequest.BodyPublishers.ofString("{}")).build());
    }

    @Test
    void configuredStatusAndNoHeaders() {
        Limiter api = engine.limiter("api", FixedWindow.of(1, Duration.ofSeconds(10)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api)).refusalStatus(503)
                .headerStyle(RateLimitHeaderStyle.NONE).build());
        HttpResponse<String> ok = app.get("/");
        assertThat(ok.headers().firstValue("RateLimit")).isEmpty();
        HttpResponse<String> refused = app.get("/");
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
        assertThat(app.get("/").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = app.get("/");
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

    /**
     * draft-ietf-httpapi-ratelimit-headers-11, appendix B.2.1, on WebFlux: "The client has 99 quota units left for the
     * next 50 seconds."
     */
    @Test
    void theDraftsFixedWindowExample() {
        Limiter fixed = engine.limiter("fixedwindow", FixedWindow.of(100, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(fixed)).build());
        clock.advance(Duration.ofSeconds(10));
        HttpResponse<String> ok = app.get("/items/123");
        assertThat(ok.headers().allValues("RateLimit")).containsExactly("\"fixedwindow\";r=99;t=50");
        assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"fixedwindow\";q=100;w=60");
    }

    @Test
    void aNullPolicyIsRefused() {
        assertThatThrownBy(() -> new ThrottleWebFilter(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy");
        HttpThrottlePolicy policy = HttpThrottlePolicy.builder().build();
        assertThat(new ThrottleWebFilter(policy).policy()).isSameAs(policy);
    }
}
