package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::rate-limiter[]
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
// end::rate-limiter[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: a rate limiter and the fast path. */
class RateLimiterSnippetTest extends ManualClockFixture {

    private final java.util.List<String> handled = new java.util.ArrayList<>();

    RateLimiter makeTheLimiter() {
        // tag::rate-limiter[]
        RateLimiter api = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100))); // bursts of 10, 100/s
        // end::rate-limiter[]
        return api;
    }

    void ask(RateLimiter api, String request) {
        // tag::rate-limiter[]
        if (api.allow()) {
            handle(request);
        }
        // end::rate-limiter[]
    }

    private void handle(String request) {
        handled.add(request);
    }

    @Test
    void allowAnswersTrueForABurstOfTenThenAtOneHundredPerSecond() {
        RateLimiter api = makeTheLimiter();
        for (int i = 1; i <= 12; i++) {
            ask(api, "request " + i);
        }
        assertThat(handled).as("the bucket starts full: a burst of 10").hasSize(10);
        clock.advance(java.time.Duration.ofMillis(10));
        ask(api, "after 10 ms");
        ask(api, "at the same instant");
        assertThat(handled).as("one more permit every 10 ms").hasSize(11).endsWith("after 10 ms");
    }
}
