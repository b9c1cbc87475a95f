package dev.throttle.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.FixedWindow;
import dev.throttle.KeyedLimiter;
import dev.throttle.Limiter;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.KeyResolver;
import dev.throttle.http.RouteRule;
import dev.throttle.testing.HttpPolicyScenarios;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * real engines on a manual clock: the scenarios every adapter shares ({@link HttpPolicyScenarios}: the same statuses,
 * {@code Retry-After} and RateLimit fields as the servlet filter and the Netty handler), and what WebFlux adds: the
 * principal of the exchange, the path within the application, each field sent once.
 */
class ThrottleWebFilterTest extends HttpPolicyScenarios {

    /** Paths the application saw. */
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private WebFluxFixture app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
            app = null;
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

    @Override
    protected void start(HttpThrottlePolicy policy) {
        start(policy, new WebFilter[0]);
    }

    private void start(HttpThrottlePolicy policy, WebFilter... before) {
        stop();
        WebFilter[] filters = Arrays.copyOf(before, before.length + 1);
        filters[before.length] = new ThrottleWebFilter(policy);
        app = WebFluxFixture.start(ok(), filters);
    }

    @Override
    protected HttpRequest.Builder request(String path) {
        return app.request(path);
    }

    @Override
    protected CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
        return app.sendAsync(request);
    }

    /** The refusal as the policy writes it, each field once, and the admitted responses' fields once each too. */
    @Test
    void eachFieldIsSentOnceAndTheRefusalHasItsLength() {
        Limiter api = engine.limiter("api", FixedWindow.of(1, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().global(HttpLimit.shared(api)).build());
        HttpResponse<String> ok = get("/hello");
        assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"api\";q=1;w=60");
        assertThat(ok.headers().allValues("RateLimit")).containsExactly("\"api\";r=0;t=60");
        assertThat(ok.headers().firstValue("Cache-Control")).isEmpty();
        HttpResponse<String> refused = get("/hello");
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().allValues("Content-Type")).containsExactly("text/plain; charset=utf-8");
        assertThat(refused.headers().allValues("Retry-After")).containsExactly("60");
        assertThat(refused.headers().firstValueAsLong("Content-Length")).hasValue(refused.body().length());
        assertThat(seen).containsExactly("/hello");
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
        assertThat(get("/").statusCode()).isEqualTo(200);
        assertThat(get("/").statusCode()).isEqualTo(200);
        assertThat(perUser.forKey("carol").availablePermits()).isZero();
    }

    private int asUser(String user) {
        return send(request("/").header("X-User", user).GET().build()).statusCode();
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

    /** Percent-escapes, dot segments and doubled slashes cannot dodge a rule: it sees the path the application serves. */
    @Test
    void routeRulesMatchTheDecodedNormalizedPath() {
        Limiter orders = engine.limiter("orders", FixedWindow.of(1, Duration.ofMinutes(1)));
        start(HttpThrottlePolicy.builder().route(RouteRule.of("POST", "/api/orders", HttpLimit.shared(orders)))
                .build());
        assertThat(post("/api/orders").statusCode()).isEqualTo(200);
        assertThat(post("/api//%6Frders").statusCode()).isEqualTo(429);
        assertThat(post("/public/../api/./orders").statusCode()).isEqualTo(429);
        assertThat(get("/api/orders").statusCode()).isEqualTo(200); // the rule is for POST
        assertThat(seen).containsExactly("/api/orders", "/api/orders");
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
        HttpResponse<String> ok = get("/items/123");
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
