package dev.throttle.examples.readme;

import static org.assertj.core.api.Assertions.assertThat;

// tag::manual-clock[]
import dev.throttle.ManualClock;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
// end::manual-clock[]
import org.junit.jupiter.api.Test;

/** README, five-minute tour: testing without sleeping. */
class ManualClockSnippetTest {

    @Test
    void waitingRequestsAreServedAsTheTestMovesTime() {
        // tag::manual-clock[]
        ManualClock clock = new ManualClock();
        LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
        // end::manual-clock[]
        dev.throttle.RateLimiter api =
                engine.rateLimiter("api", dev.throttle.TokenBucket.of(10, dev.throttle.Rate.perSecond(5)));
        assertThat(api.allow(10)).isTrue();
        java.util.concurrent.CompletableFuture<dev.throttle.Permit> waiting =
                api.acquireAsync(1, Duration.ofSeconds(1));
        assertThat(waiting).isNotDone();
        // tag::manual-clock[]
        // ... exhaust a limiter, then:
        clock.advance(Duration.ofMillis(200));
        // end::manual-clock[]
        assertThat(waiting).isCompleted();
        assertThat(waiting.join().granted()).isTrue();
    }
}
