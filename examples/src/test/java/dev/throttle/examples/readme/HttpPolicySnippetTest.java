package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::http-policy[]
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.KeyResolver;
import dev.throttle.http.RouteRule;
import java.time.Duration;
// end::http-policy[]
import org.junit.jupiter.api.Test;

/** README, integrations: one HTTP policy for servlets and Netty. */
class HttpPolicySnippetTest extends ManualClockFixture {

    HttpThrottlePolicy makeThePolicy() {
        // tag::http-policy[]
        KeyResolver client = KeyResolver.remoteAddress();   // the peer's address; behind proxies, forwardedFor(...)
        HttpThrottlePolicy policy = HttpThrottlePolicy.builder()
                .global(HttpLimit.shared(engine.rateLimiter("all", TokenBucket.of(500, Rate.perSecond(500)))))
                .route(RouteRule.of("POST", "/api/orders/**",
                        HttpLimit.keyed(engine.keyed("orders-per-key", FixedWindow.of(100, Duration.ofMinutes(1))),
                                KeyResolver.header("X-Api-Key")),
                        HttpLimit.shared(engine.limiter("orders-db", Concurrency.of(16)))))
                .route(RouteRule.anyMethod("/api/**",
                        HttpLimit.keyed(engine.keyed("per-client", TokenBucket.of(20, Rate.perSecond(10))), client)))
                .build();
        // end::http-policy[]
        return policy;
    }

    /** A request as any server adapter shows it to the policy. */
    record Request(String method, String path, String remoteAddress, java.util.Map<String, String> headerValues)
            implements dev.throttle.http.HttpRequestView {

        @Override
        public java.util.List<String> headers(String name) {
            return headerValues.entrySet().stream().filter(header -> header.getKey().equalsIgnoreCase(name))
                    .map(java.util.Map.Entry::getValue).toList();
        }

        @Override
        public java.util.Optional<String> principal() {
            return java.util.Optional.empty();
        }
    }

    /** Whether every limit of the request's route grants it (the policy's globals aside). */
    private static boolean routeAdmits(HttpThrottlePolicy policy, Request request) {
        RouteRule route = policy.routeFor(request).orElseThrow();
        return route.limits().stream().allMatch(limit -> limit.tryAcquire(request).map(dev.throttle.Permit::granted)
                .orElse(true));
    }

    @Test
    void theFirstMatchingRouteAppliesAndTheClientIsKeyedByItsAddress() {
        HttpThrottlePolicy policy = makeThePolicy();
        assertThat(policy.globalLimits()).extracting(HttpLimit::name).containsExactly("all");
        Request order = new Request("POST", "/api/orders/42/items", "192.0.2.1", java.util.Map.of("X-Api-Key", "k1"));
        assertThat(policy.routeFor(order).orElseThrow().limits()).extracting(HttpLimit::name)
                .containsExactly("orders-per-key", "orders-db");

        Request hello = new Request("GET", "/api/hello", "192.0.2.1", java.util.Map.of());
        Request helloAgain = new Request("GET", "/api/hello", "::ffff:192.0.2.1", java.util.Map.of());
        int admitted = 0;
        for (int i = 0; i < 12; i++) {
            admitted += routeAdmits(policy, i % 2 == 0 ? hello : helloAgain) ? 1 : 0;
            admitted += routeAdmits(policy, i % 2 == 0 ? helloAgain : hello) ? 1 : 0;
        }
        assertThat(admitted).as("one client however its address is written: a burst of 20").isEqualTo(20);
        assertThat(routeAdmits(policy, new Request("GET", "/api/hello", "198.51.100.7", java.util.Map.of())))
                .as("another client has its own bucket").isTrue();
    }
}
