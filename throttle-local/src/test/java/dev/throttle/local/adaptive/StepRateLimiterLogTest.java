package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.local.LocalEngine;
import dev.throttle.testing.RecordingLogger;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A step rate limiter logs each move of its enforced step, rate-limited per cause, never a line per request. */
class StepRateLimiterLogTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private final RecordingLogger logger = new RecordingLogger("dev.throttle.local.adaptive");
    private volatile double reading;

    @Test
    void movesAreLoggedWithTheirReadingAndThreshold() {
        StepRateLimiter limiter = StepRateLimiter.builder("api", engine)
                .signal(now -> reading).thresholds(0.5, 0.1)
                .step(Rate.perSecond(1000)).step(Rate.perSecond(500)).step(Rate.perSecond(100)).step(Rate.perSecond(10))
                .evaluationInterval(Duration.ofSeconds(1)).cooldowns(Duration.ofSeconds(1), Duration.ofSeconds(5))
                .logger(logger)
                .build();
        // Down at 3, 4 and 5 s; back up at 10, 15 and 20 s (the up cooldown is five seconds).
        for (int second = 1; second <= 25; second++) {
            reading = second < 3 ? 0.2 : second <= 6 ? 0.9 : 0.05;
            clock.advance(Duration.ofSeconds(1));
            for (int request = 0; request < 10; request++) {
                limiter.allow();
            }
        }
        assertThat(limiter.currentStep()).isZero();
        assertThat(logger.lines()).containsExactly(
                "INFO Step rate limiter api: step 0 -> 1 (token bucket 1000, 1000/s -> token bucket 500, 500/s): the"
                        + " health signal read 0.9, at or above 0.5",
                "INFO Step rate limiter api: step 3 -> 2 (token bucket 10, 10/s -> token bucket 100, 100/s): the health"
                        + " signal read 0.05, below 0.1",
                "INFO Step rate limiter api: step 1 -> 0 (token bucket 500, 500/s -> token bucket 1000, 1000/s): the"
                        + " health signal read 0.05, below 0.1 (1 similar event suppressed in the last 10 s)");
    }
}
