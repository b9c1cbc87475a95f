package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::spring-boot[]
import dev.throttle.KeyedLimiter;
import dev.throttle.RateLimiter;
import dev.throttle.local.spring.ThrottleLimiters;
// end::spring-boot[]
import org.junit.jupiter.api.Test;

/** README, Spring Boot: the configured limiters, injected by name. */
class SpringBootSnippetTest extends ManualClockFixture {

    /** What the auto-configuration makes from the README's YAML: the same names and specs. */
    private final ThrottleLimiters limiters = ThrottleLimiters.of(
            java.util.Map.of("api", engine.rateLimiter("api",
                    dev.throttle.FixedWindow.of(5, java.time.Duration.ofMinutes(1)))),
            java.util.Map.of("per-client", engine.keyed("per-client", dev.throttle.TokenBucket.of(2,
                    dev.throttle.Rate.of(1, java.time.Duration.ofSeconds(10))))));

    // tag::spring-boot[]
    boolean admit(ThrottleLimiters limiters, String client) {          // a bean: inject it
        RateLimiter api = limiters.rateLimiter("api");                 // throttle.limiters.api
        KeyedLimiter<String> perClient = limiters.keyed("per-client"); // throttle.keyed.per-client
        return perClient.allow(client, 1) && api.allow();
    }
    // end::spring-boot[]

    @Test
    void theLimitersAreTheConfiguredOnes() {
        assertThat(admit(limiters, "a")).isTrue();
        assertThat(admit(limiters, "a")).isTrue();
        assertThat(admit(limiters, "a")).as("two per client").isFalse();
        assertThat(admit(limiters, "b")).isTrue();
        assertThat(limiters.rateLimiter("api").availablePermits()).isEqualTo(2);
    }
}
