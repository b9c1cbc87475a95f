package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::reconfigure[]
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
// end::reconfigure[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: live changes. */
class ReconfigureSnippetTest extends ManualClockFixture {

    private final dev.throttle.RateLimiter api = engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100)));

    void slowDown() {
        // tag::reconfigure[]
        LocalEngine.reconfigure(api, TokenBucket.of(10, Rate.perSecond(50)));   // the backend struggles: half the rate
        // end::reconfigure[]
    }

    @Test
    void theLimiterRefillsAtTheNewRate() {
        assertThat(api.allow(10)).isTrue();
        slowDown();
        assertThat(api.spec()).isEqualTo(TokenBucket.of(10, Rate.perSecond(50)));
        clock.advance(java.time.Duration.ofMillis(10));
        assertThat(api.allow()).as("100/s would have refilled one by now").isFalse();
        clock.advance(java.time.Duration.ofMillis(10));
        assertThat(api.allow()).as("50/s: one every 20 ms").isTrue();
    }

    @Test
    void aSlidingLogCannotChangeLive() {
        dev.throttle.Limiter log =
                engine.limiter("log", dev.throttle.SlidingLog.of(10, java.time.Duration.ofSeconds(1)));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> LocalEngine.reconfigure(log, dev.throttle.SlidingLog.of(20, java.time.Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
