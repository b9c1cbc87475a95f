package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::metrics[]
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.micrometer.CircuitBreakerMetrics;
import dev.throttle.micrometer.ThrottleMetrics;
// end::metrics[]
import org.junit.jupiter.api.Test;

/** README, metrics: metering a limiter and a breaker. */
class MetricsSnippetTest extends ManualClockFixture {

    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final dev.throttle.local.resilience.CircuitBreaker breaker =
            dev.throttle.local.resilience.CircuitBreaker.builder().name("billing").build();

    RateLimiter meter() {
        // tag::metrics[]
        RateLimiter api = ThrottleMetrics.meter(engine.rateLimiter("api", TokenBucket.of(10, Rate.perSecond(100))),
                registry);                                       // still a RateLimiter: allow() is counted too
        new CircuitBreakerMetrics(breaker).bindTo(registry);
        // end::metrics[]
        return api;
    }

    @Test
    void decisionsAreCountedUnderTheLimitersNameAndTheBreakerHasItsGauges() {
        RateLimiter api = meter();
        for (int i = 0; i < 11; i++) {
            api.allow();
        }
        assertThat(registry.get("throttle.permits").tags("limiter", "api", "outcome", "granted", "reason", "none")
                .counter().count()).isEqualTo(10.0);
        assertThat(registry.get("throttle.permits").tags("limiter", "api", "outcome", "refused", "reason", "limit")
                .counter().count()).isEqualTo(1.0);
        assertThat(registry.get("throttle.available").tag("limiter", "api").gauge().value()).isZero();
        assertThat(registry.get("throttle.breaker.state").tags("breaker", "billing", "state", "closed").gauge().value())
                .isEqualTo(1.0);
    }
}
