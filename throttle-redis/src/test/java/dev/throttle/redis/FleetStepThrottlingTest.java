package dev.throttle.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.adaptive.RateSwitch;
import dev.throttle.local.adaptive.StepRateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Health-driven throttling for a whole fleet: one node's step function, moved by its health signal, publishes its
 * current rate as the shared factor; every node's Redis limiter reads that factor in the same script call as its
 * decision, so the fleet slows down and recovers together. The wiring is one listener, in user code.
 */
class FleetStepThrottlingTest {

    private static final long MILLI = 1_000_000L;
    private static final TokenBucket FULL = TokenBucket.of(10, Rate.perSecond(100));

    private final TwoNodes nodes = new TwoNodes("fleet-step");
    private final ManualClock clock = nodes.clock;
    private final RedisEngine nodeA = nodes.nodeA;
    private final RedisEngine nodeB = nodes.nodeB;

    @AfterEach
    void close() {
        nodes.close();
    }

    @Test
    void aStepDownOnOneNodeSlowsEveryNodeAndTheStepBackUpRestoresThem() {
        RedisSharedRate shared = nodeA.sharedRate("backend", Duration.ofMinutes(1));
        List<RateSwitch> switches = new ArrayList<>();
        double[] errorRatio = {0.0};
        // The controller: 100/s while healthy, 50/s then 20/s as the error ratio crosses 0.5, back below 0.1.
        StepRateLimiter controller = StepRateLimiter.builder("backend-health", LocalEngine.builder().ticker(clock).build())
                .signal(now -> errorRatio[0])
                .thresholds(0.5, 0.1)
                .step(FULL).step(TokenBucket.of(10, Rate.perSecond(50))).step(TokenBucket.of(10, Rate.perSecond(20)))
                .evaluationInterval(Duration.ofSeconds(1))
                .cooldowns(Duration.ZERO, Duration.ZERO)
                .listener(change -> {
                    switches.add(change);
                    shared.setFactor(perSecond(change.to()) / perSecond(FULL));
                })
                .build();
        RateLimiter onA = nodeA.sharedRateLimiter("backend", FULL);
        RateLimiter onB = nodeB.sharedRateLimiter("backend", FULL);

        assertThat(onB.tryAcquire(10).granted()).isTrue();
        assertThat(onB.tryAcquire(1).retryAfterNanos()).isEqualTo(10 * MILLI);

        errorRatio[0] = 0.8;
        clock.advance(Duration.ofSeconds(1));
        controller.allow(); // the controller evaluates when asked, at most once an interval
        assertThat(controller.currentStep()).isEqualTo(1);
        assertThat(shared.factor()).isEqualTo(0.5);
        // Node B never saw the signal: its next decision already runs at 50/s (a permit every 20 ms, burst 5).
        assertThat(onB.tryAcquire(5).granted()).isTrue();
        assertThat(onB.tryAcquire(1).retryAfterNanos()).isEqualTo(20 * MILLI);
        assertThat(onA.tryAcquire(1).retryAfterNanos()).isEqualTo(20 * MILLI);

        clock.advance(Duration.ofSeconds(1));
        controller.allow();
        assertThat(controller.currentStep()).isEqualTo(2);
        assertThat(shared.factor()).isEqualTo(0.2);
        assertThat(onA.tryAcquire(2).granted()).isTrue();
        assertThat(onA.tryAcquire(1).retryAfterNanos()).isEqualTo(50 * MILLI);

        errorRatio[0] = 0.05;
        clock.advance(Duration.ofSeconds(1));
        controller.allow();
        clock.advance(Duration.ofSeconds(1));
        controller.allow();
        assertThat(controller.currentStep()).isZero();
        assertThat(shared.factor()).isEqualTo(1.0);
        assertThat(onB.tryAcquire(10).granted()).isTrue();
        assertThat(onB.tryAcquire(1).retryAfterNanos()).isEqualTo(10 * MILLI);
        assertThat(switches).extracting(RateSwitch::toLevel).containsExactly(1L, 2L, 1L, 0L);
    }

    private static double perSecond(TokenBucket bucket) {
        return 1e9 / bucket.refill().intervalNanos();
    }
}
