package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::rejection-handler[]
import dev.throttle.http.HttpLimit;
import dev.throttle.http.HttpRejection;
import dev.throttle.http.HttpThrottlePolicy;
import dev.throttle.http.RejectionHandler;
// end::rejection-handler[]
import org.junit.jupiter.api.Test;

/** README, integrations: replacing the refusal's response. */
class RejectionHandlerSnippetTest extends ManualClockFixture {

    private final dev.throttle.RateLimiter api =
            engine.rateLimiter("api", dev.throttle.TokenBucket.of(10, dev.throttle.Rate.perSecond(100)));

    HttpThrottlePolicy makeThePolicy() {
        // tag::rejection-handler[]
        RejectionHandler json = (request, refusal) -> new HttpRejection(refusal.status(), refusal.rateLimitHeaders(),
                "application/json", "{\"error\":\"throttled\",\"limit\":\"" + refusal.permit().limiterName() + "\"}");
        HttpThrottlePolicy withJson = HttpThrottlePolicy.builder().global(HttpLimit.shared(api)).rejectionHandler(json)
                .build();
        // end::rejection-handler[]
        return withJson;
    }

    @Test
    void theHandlerWritesTheRefusalAsJsonNamingTheLimit() {
        HttpThrottlePolicy policy = makeThePolicy();
        assertThat(api.allow(10)).isTrue();
        dev.throttle.Permit refused = api.tryAcquire();
        dev.throttle.http.Refusal refusal = new dev.throttle.http.Refusal(429, refused, java.util.OptionalLong.of(1),
                java.util.OptionalLong.of(1), java.util.List.of());
        HttpRejection response = policy.rejectionHandler().reject(null, refusal);
        assertThat(response.status()).isEqualTo(429);
        assertThat(response.contentType()).isEqualTo("application/json");
        assertThat(response.body()).isEqualTo("{\"error\":\"throttled\",\"limit\":\"api\"}");
    }
}
