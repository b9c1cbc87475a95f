package dev.throttle.http.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.Concurrency;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.http.FakeRequest;
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpRejection;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.KeyResolver;
import dev.throttle.http.RateLimitHeaderStyle;
import dev.throttle.http.RouteRule;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HttpThrottleTest {

    private static Map<String, String> headers(List<HttpRejection.Header> headers) {
        return headers.stream().collect(
                Collectors.toMap(HttpRejection.Header::name, HttpRejection.Header::value, (a, b) -> a + "|" + b));
    }

    private static HttpThrottle throttle(Function<HttpThrottlePolicy.Builder, HttpThrottlePolicy.Builder> config) {
        return new HttpThrottle(config.apply(HttpThrottlePolicy.builder()).build());
    }

    @Test
    void grantsUntilTheLimitThenRefusesWithStandardHeaders() {
        CountingLimiter api = new CountingLimiter("api", 2, 1L);
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(api)));

        Admission first = throttle.admit(FakeRequest.get("/"));
        assertThat(first.admitted()).isTrue();
        assertThat(headers(first.headers())).containsOnly(
                Map.entry("RateLimit-Policy", "\"api\";q=2;w=60"), Map.entry("RateLimit", "\"api\";r=1"));
        Admission second = throttle.admit(FakeRequest.get("/"));
        assertThat(headers(second.headers())).containsEntry("RateLimit", "\"api\";r=0");

        Admission refused = throttle.admit(FakeRequest.get("/"));
        assertThat(refused.admitted()).isFalse();
        HttpRejection rejection = refused.rejection().orElseThrow();
        assertThat(rejection.status()).isEqualTo(429);
        assertThat(headers(rejection.headers())).containsOnly(
                Map.entry("Retry-After", "1"),
                Map.entry("Cache-Control", "no-store"),
                Map.entry("RateLimit-Policy", "\"api\";q=2;w=60"),
                Map.entry("RateLimit", "\"api\";r=0;t=1"));
        assertThat(rejection.contentType()).isEqualTo("text/plain; charset=utf-8");
        assertThat(rejection.body()).contains("retry after 1 s");
        assertThat(refused.permits()).isEmpty();
        assertThat(refused.complete(200)).isFalse();
    }

    @Test
    void retryAfterIsRoundedUpToWholeSeconds() {
        assertThat(RateLimitState.retryAfterSeconds(1L)).isEqualTo(1);
        assertThat(RateLimitState.retryAfterSeconds(2_000_000_000L)).isEqualTo(2);
        assertThat(RateLimitState.retryAfterSeconds(2_000_000_001L)).isEqualTo(3);
        assertThat(RateLimitState.retryAfterSeconds(0L)).isEqualTo(1);
        assertThat(retryAfterHeader(1L)).isEqualTo("1");
        assertThat(retryAfterHeader(2_000_000_000L)).isEqualTo("2");
        assertThat(retryAfterHeader(1_999_999_999L)).isEqualTo("2");
    }

    private static String retryAfterHeader(long retryNanos) {
        CountingLimiter full = new CountingLimiter("full", 1, retryNanos);
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(full)));
        throttle.admit(FakeRequest.get("/"));
        return headers(throttle.admit(FakeRequest.get("/")).rejection().orElseThrow().headers()).get("Retry-After");
    }

    @Test
    void neverLeavesOutRetryAfterAndReset() {
        CountingLimiter never = new CountingLimiter("never", 1, Permit.NEVER);
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(never)));
        throttle.admit(FakeRequest.get("/"));
        HttpRejection rejection = throttle.admit(FakeRequest.get("/")).rejection().orElseThrow();
        assertThat(headers(rejection.headers())).doesNotContainKey("Retry-After")
                .containsEntry("RateLimit", "\"never\";r=0").containsEntry("Cache-Control", "no-store");
    }

    @Test
    void laterRefusalGivesBackEarlierPermitsWhole() {
        CountingLimiter global = new CountingLimiter("global", 10, 1L);
        CountingLimiter route = new CountingLimiter("route", 1, 1L);
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(global))
                .route(RouteRule.anyMethod("/api/**", HttpLimit.shared(route))));
        assertThat(throttle.admit(FakeRequest.get("/api/x")).admitted()).isTrue();
        assertThat(throttle.admit(FakeRequest.get("/api/x")).admitted()).isFalse();

        CountingLimiter.RecordingPermit undone = global.issued.get(1);
        assertThat(undone.granted()).isTrue();
        assertThat(undone.settledTo.get()).isZero();
        assertThat(undone.closes.get()).isEqualTo(1);
        assertThat(global.inUse.get()).isEqualTo(1);
    }

    @Test
    void firstMatchingRouteOnlyAndMethodMatching() {
        CountingLimiter orders = new CountingLimiter("orders", 10, 1L);
        CountingLimiter api = new CountingLimiter("api", 10, 1L);
        HttpThrottle throttle = throttle(b -> b
                .route(RouteRule.of("post", "/api/orders", HttpLimit.shared(orders)))
                .route(RouteRule.anyMethod("/api/**", HttpLimit.shared(api))));
        throttle.admit(FakeRequest.of("POST", "/api/orders", "203.0.113.9"));
        throttle.admit(FakeRequest.of("GET", "/api/orders", "203.0.113.9"));
        throttle.admit(FakeRequest.of("GET", "/elsewhere", "203.0.113.9"));
        assertThat(orders.issued).hasSize(1);
        assertThat(api.issued).hasSize(1);
        assertThat(throttle.policy().routeFor(FakeRequest.get("/elsewhere"))).isEmpty();
    }

    @Test
    void noLimitAppliesMeansAdmittedWithoutHeaders() {
        Admission admission = throttle(b -> b).admit(FakeRequest.get("/"));
        assertThat(admission.admitted()).isTrue();
        assertThat(admission.headers()).isEmpty();
        assertThat(admission.complete(200)).isTrue();
    }

    @Test
    void keyedLimitWithoutKeyIsSkipped() {
        CountingLimiter perKey = new CountingLimiter("perKey", 1, 1L);
        RecordingKeyed keyed = new RecordingKeyed(perKey);
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.keyed(keyed, KeyResolver.header("X-Api-Key"))));
        assertThat(throttle.admit(FakeRequest.get("/")).admitted()).isTrue();
        assertThat(throttle.admit(FakeRequest.get("/")).admitted()).isTrue();
        assertThat(keyed.keys).isEmpty();
        assertThat(throttle.admit(FakeRequest.get("/").header("x-api-key", " k1 ")).admitted()).isTrue();
        assertThat(keyed.keys).containsExactly("k1");
    }

    @Test
    void completeEndsOnceAndReportsServerErrorsAsDropped() {
        CountingLimiter limiter = new CountingLimiter("c", 5, 1L);
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(limiter)));

        Admission ok = throttle.admit(FakeRequest.get("/"));
        assertThat(ok.complete(404)).isTrue();
        assertThat(ok.complete(500)).isFalse();
        assertThat(ok.dropped()).isFalse();
        ok.close();
        assertThat(limiter.issued.get(0).closes.get()).isEqualTo(1);
        assertThat(limiter.issued.get(0).drops.get()).isZero();

        Admission failed = throttle.admit(FakeRequest.get("/"));
        assertThat(failed.complete(503)).isTrue();
        failed.close();
        assertThat(limiter.issued.get(1).drops.get()).isEqualTo(1);
        assertThat(limiter.issued.get(1).closes.get()).isZero();

        Admission timedOut = throttle.admit(FakeRequest.get("/"));
        assertThat(timedOut.dropped()).isTrue();
        assertThat(timedOut.ended()).isTrue();
        assertThat(limiter.issued.get(2).drops.get()).isEqualTo(1);
        assertThat(limiter.inUse.get()).isZero();
    }

    /**
     * draft-ietf-httpapi-ratelimit-headers-11, section 3: "The field value SHOULD remain consistent over a sequence of
     * HTTP responses", as in its example {@code RateLimit-Policy: "permin";q=50;w=60,"perhr";q=1000;w=3600}: every
     * policy of the route, in the order checked, on granted and refused responses alike; the {@code RateLimit} items
     * are the limits' states after the decision.
     */
    @Test
    void everyPolicyOfTheRouteIsListedInOneOrderOnEveryResponse() {
        CountingLimiter perMinute = new CountingLimiter("permin", 50, 1L);
        CountingLimiter perHour = new CountingLimiter("perhr", 2, 7_000_000_000L,
                dev.throttle.FixedWindow.of(1000, java.time.Duration.ofHours(1)));
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(perMinute))
                .route(RouteRule.anyMethod("/**", HttpLimit.shared(perHour))));
        String policies = "\"permin\";q=50;w=60, \"perhr\";q=1000;w=3600";
        assertThat(headers(throttle.admit(FakeRequest.get("/")).headers())).containsOnly(
                Map.entry("RateLimit-Policy", policies), Map.entry("RateLimit", "\"permin\";r=49, \"perhr\";r=1"));
        assertThat(headers(throttle.admit(FakeRequest.get("/")).headers())).containsOnly(
                Map.entry("RateLimit-Policy", policies), Map.entry("RateLimit", "\"permin\";r=48, \"perhr\";r=0"));
        // Refused by the hourly limit: the same policies, and the refusing limit's state with t = Retry-After.
        assertThat(headers(throttle.admit(FakeRequest.get("/")).rejection().orElseThrow().headers())).containsOnly(
                Map.entry("Retry-After", "7"), Map.entry("Cache-Control", "no-store"),
                Map.entry("RateLimit-Policy", policies), Map.entry("RateLimit", "\"perhr\";r=0;t=7"));
    }

    /**
     * A bucket states its real rate and burst: {@code TokenBucket.of(10, 100/s)} refills 100 a second, not 10 (the
     * burst, as a vendor parameter); {@code TokenBucket.of(3, 1/s)} refills from empty in 3 s, so 3 in 3 s says both.
     * A grant's {@code t} is at most one interval: more quota comes with the next refill.
     */
    @Test
    void bucketsAdvertiseTheirRateAndBurst() {
        CountingLimiter fast = new CountingLimiter("fast", 10, 1L, TokenBucket.of(10, Rate.perSecond(100)));
        CountingLimiter slow = new CountingLimiter("slow", 3, 1L, TokenBucket.of(3, Rate.perSecond(1)));
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(fast)).global(HttpLimit.shared(slow)));
        assertThat(headers(throttle.admit(FakeRequest.get("/")).headers())).containsOnly(
                Map.entry("RateLimit-Policy", "\"fast\";q=100;w=1;throttle-burst=10, \"slow\";q=3;w=3"),
                Map.entry("RateLimit", "\"fast\";r=9;t=1, \"slow\";r=2;t=1"));
    }

    @Test
    void legacyAndNoHeaderStyles() {
        CountingLimiter limiter = new CountingLimiter("api", 1, 1_500_000_000L);
        HttpThrottle legacy = throttle(b -> b.global(HttpLimit.shared(limiter))
                .headerStyle(RateLimitHeaderStyle.LEGACY));
        assertThat(headers(legacy.admit(FakeRequest.get("/")).headers()))
                .containsOnly(Map.entry("RateLimit-Limit", "1"), Map.entry("RateLimit-Remaining", "0"));
        assertThat(headers(legacy.admit(FakeRequest.get("/")).rejection().orElseThrow().headers())).containsOnly(
                Map.entry("Retry-After", "2"), Map.entry("Cache-Control", "no-store"),
                Map.entry("RateLimit-Limit", "1"), Map.entry("RateLimit-Remaining", "0"),
                Map.entry("RateLimit-Reset", "2"));

        CountingLimiter other = new CountingLimiter("api", 1, 1L);
        HttpThrottle none = throttle(b -> b.global(HttpLimit.shared(other)).headerStyle(RateLimitHeaderStyle.NONE));
        assertThat(none.admit(FakeRequest.get("/")).headers()).isEmpty();
        assertThat(headers(none.admit(FakeRequest.get("/")).rejection().orElseThrow().headers()))
                .containsOnly(Map.entry("Retry-After", "1"), Map.entry("Cache-Control", "no-store"));
    }

    @Test
    void aConcurrencyLimitCountsConcurrentRequestsWithoutAWindow() {
        CountingLimiter bulkhead = new CountingLimiter("bulkhead", 1, 1L, Concurrency.of(1));
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(bulkhead)));
        // Section 3.1.2: "concurrent-requests: ... the quota is based on the number of concurrent requests".
        assertThat(headers(throttle.admit(FakeRequest.get("/")).headers())).containsOnly(
                Map.entry("RateLimit-Policy", "\"bulkhead\";q=1;qu=\"concurrent-requests\""),
                Map.entry("RateLimit", "\"bulkhead\";r=0"));
    }

    @Test
    void policyNamesAreStructuredFieldStrings() {
        assertThat(RateLimitHeaders.structuredString("a\"b\\c\u00e9\n")).isEqualTo("\"a\\\"b\\\\c??\"");
    }

    @Test
    void customStatusAndRejectionHandler() {
        CountingLimiter limiter = new CountingLimiter("api", 1, 3_000_000_000L);
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(limiter)).refusalStatus(503)
                .rejectionHandler((request, refusal) -> new HttpRejection(refusal.status(),
                        List.of(new HttpRejection.Header("X-Retry-In", refusal.retryAfterSeconds().getAsLong() + "s")),
                        "application/json", "{\"path\":\"" + request.path() + "\"}")));
        throttle.admit(FakeRequest.get("/a"));
        HttpRejection rejection = throttle.admit(FakeRequest.get("/a")).rejection().orElseThrow();
        assertThat(rejection.status()).isEqualTo(503);
        assertThat(rejection.headers()).containsExactly(new HttpRejection.Header("X-Retry-In", "3s"));
        assertThat(rejection.body()).isEqualTo("{\"path\":\"/a\"}");
    }

    @Test
    void limiterFailureGivesBackWhatWasTaken() {
        CountingLimiter global = new CountingLimiter("global", 5, 1L);
        KeyResolver failing = request -> {
            throw new IllegalStateException("boom");
        };
        HttpThrottle throttle = throttle(b -> b.global(HttpLimit.shared(global))
                .route(RouteRule.anyMethod("/**", HttpLimit.keyed(new RecordingKeyed(global), failing))));
        assertThatThrownBy(() -> throttle.admit(FakeRequest.get("/"))).hasMessage("boom");
        assertThat(global.inUse.get()).isZero();
    }

    @Test
    void badInputIsRefused() {
        HttpThrottlePolicy.Builder builder = HttpThrottlePolicy.builder();
        assertThatThrownBy(() -> builder.refusalStatus(200)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[400, 599]");
        assertThatThrownBy(() -> builder.global(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.headerStyle(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RouteRule.anyMethod("/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RouteRule.of(" ", "/x", HttpLimit.shared(new CountingLimiter("a", 1, 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HttpLimit.keyed(new RecordingKeyed(new CountingLimiter("a", 1, 1)), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpThrottle(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HttpRejection.Header("X", "a\r\nSet-Cookie: x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KeyResolver.header(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keyResolvers() {
        FakeRequest request = FakeRequest.of("GET", "/p/q", "2001:DB8::0:1").principal("alice");
        assertThat(KeyResolver.remoteAddress().resolve(request)).contains("2001:db8::1");
        assertThat(KeyResolver.principal().resolve(request)).contains("alice");
        assertThat(KeyResolver.path().resolve(request)).contains("/p/q");
        assertThat(KeyResolver.header("X-Api-Key").resolve(request)).isEmpty();
        assertThat(KeyResolver.header("X-Api-Key").orElse(KeyResolver.principal()).resolve(request))
                .contains("alice");
        assertThat(KeyResolver.principal().resolve(FakeRequest.get("/"))).isEmpty();
    }

    @Test
    void longHeaderKeysAreDigested() {
        String token = "t".repeat(5000);
        String key = KeyResolver.header("Authorization").resolve(FakeRequest.get("/").header("Authorization", token))
                .orElseThrow();
        assertThat(key).startsWith("sha256:").hasSize(7 + 64);
        String other = KeyResolver.header("Authorization")
                .resolve(FakeRequest.get("/").header("Authorization", token + "u")).orElseThrow();
        assertThat(other).isNotEqualTo(key);
        String exact = "k".repeat(128);
        assertThat(KeyResolver.header("X").resolve(FakeRequest.get("/").header("X", exact))).contains(exact);
    }
}
