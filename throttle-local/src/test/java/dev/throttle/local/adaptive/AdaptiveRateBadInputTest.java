package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.throttle.ManualClock;
import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.time.Instant;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class AdaptiveRateBadInputTest {

    private final ManualClock clock = new ManualClock();
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();

    private static void refused(ThrowingCallable call, String... fragments) {
        assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll(fragments);
    }

    private StepRateLimiter.Builder steps() {
        return StepRateLimiter.builder("api", engine).signal(now -> 0.0).thresholds(0.5, 0.1);
    }

    @Test
    void stepLimitersRefuseBadStepsThresholdsAndDurations() {
        refused(() -> steps().build(), "steps = []", "1 or more");
        refused(() -> steps().step(Rate.perSecond(100)).step(Rate.perSecond(100)).build(),
                "steps[1]", "slower than steps[0]");
        refused(() -> steps().step(Rate.perSecond(10)).step(Rate.perSecond(100)).build(),
                "steps[1]", "slower than steps[0]");
        refused(() -> steps().thresholds(0.1, 0.5), "recoverBelow = 0.5", "below degradeAt");
        refused(() -> steps().thresholds(0.5, 0.5), "recoverBelow = 0.5", "allowed range");
        refused(() -> steps().thresholds(Double.NaN, 0.1), "degradeAt = NaN", "allowed range");
        refused(() -> new StepRateLimiter.Step(TokenBucket.of(1, Rate.perSecond(1)), 0.2, 0.3), "recoverBelow = 0.3");
        refused(() -> steps().step(StepRateLimiter.Step.of(Rate.perSecond(100), 0.5, 0.4))
                .step(StepRateLimiter.Step.of(Rate.perSecond(10), 0.3, 0.1)).step(Rate.perSecond(1)).build(),
                "steps[1].degradeAt = 0.3", "[0.4, Infinity]");
        refused(() -> StepRateLimiter.builder("api", engine).signal(now -> 0.0)
                .step(Rate.perSecond(100)).step(Rate.perSecond(10)).build(), "steps[0].degradeAt");
        refused(() -> steps().cooldowns(Duration.ofSeconds(-1), Duration.ZERO), "downCooldown", "allowed range");
        refused(() -> steps().cooldowns(Duration.ZERO, Duration.ofDays(4000)), "upCooldown", "allowed range");
        refused(() -> steps().evaluationInterval(Duration.ZERO), "evaluationInterval", "allowed range");
        refused(() -> steps().step(Rate.perSecond(10)).initialStep(1).build(), "initialStep = 1", "[0, 0]");
        refused(() -> StepRateLimiter.builder("api", engine).thresholds(0.5, 0.1).step(Rate.perSecond(10)).build(),
                "signal must not be null");
        refused(() -> StepRateLimiter.builder("", engine), "name");
        refused(() -> StepRateLimiter.builder("api", null), "engine");
        refused(() -> steps().step((Rate) null), "rate");
        refused(() -> steps().shareThrough(RateLevelStore.inProcess(clock, Duration.ofSeconds(1)), ""), "node");
    }

    @Test
    void permitsAreCheckedAgainstTheLargestBurst() {
        StepRateLimiter limiter = steps().step(TokenBucket.of(10, Rate.perSecond(100)))
                .step(TokenBucket.of(2, Rate.perSecond(10))).build();
        refused(() -> limiter.allow(0), "permits = 0", "[1, 10]");
        refused(() -> limiter.tryAcquire(11), "permits = 11", "[1, 10]");
        refused(() -> limiter.acquire(1, Duration.ofSeconds(-1)), "maxWait");
        assertThat(limiter.availablePermits()).isEqualTo(10);
    }

    @Test
    void aimdRefusesBadBoundsFactorsAndDurations() {
        refused(() -> AimdRateLimiter.builder("aimd", engine).rates(0, 1, 2), "minRate = 0");
        refused(() -> AimdRateLimiter.builder("aimd", engine).rates(10, 10, 5), "maxRate = 5", "[10, ");
        refused(() -> AimdRateLimiter.builder("aimd", engine).rates(10, 50, 20), "initialRate = 50", "[10, 20]");
        refused(() -> AimdRateLimiter.builder("aimd", engine).decreaseFactor(1.0), "decreaseFactor = 1.0",
                "(0.0, 1.0)");
        refused(() -> AimdRateLimiter.builder("aimd", engine).decreaseFactor(0.0), "decreaseFactor = 0.0");
        refused(() -> AimdRateLimiter.builder("aimd", engine).increase(0), "increase = 0");
        refused(() -> AimdRateLimiter.builder("aimd", engine).burst(0), "burst = 0");
        refused(() -> AimdRateLimiter.builder("aimd", engine).cooldown(Duration.ofMillis(-1)), "cooldown");
        refused(() -> AimdRateLimiter.builder("aimd", engine).signal(now -> 0.0, Double.NaN), "unhealthyAt = NaN");
        refused(() -> AimdRateLimiter.builder("aimd", engine).period(Duration.ofNanos(10)).rates(1, 1, 11).build(),
                "permits = 11", "[1, 10]");
    }

    @Test
    void signalsRefuseBadWindowsAndValues() {
        refused(() -> HealthSignal.errorRatio(clock, Duration.ofSeconds(10), 0, 1), "buckets = 0", "[1, 3600]");
        refused(() -> HealthSignal.errorRatio(clock, Duration.ofNanos(10), 3, 1), "window", "multiple of buckets");
        refused(() -> HealthSignal.errorRatio(clock, Duration.ZERO, 1, 1), "window");
        refused(() -> HealthSignal.errorRatio(clock, Duration.ofSeconds(1), 1, 0), "minimumCalls = 0");
        refused(() -> HealthSignal.errorRatio(null, Duration.ofSeconds(1), 1, 1), "ticker");
        refused(() -> HealthSignal.latencyPercentile(clock, Duration.ofSeconds(1), 1, 0.0, 1), "percentile = 0.0",
                "(0.0, 100.0]");
        refused(() -> HealthSignal.latencyPercentile(clock, Duration.ofSeconds(1), 1, 100.5, 1), "percentile");
        HealthSignal.LatencyPercentile latency = HealthSignal.latencyPercentile(clock, Duration.ofSeconds(1), 1, 99, 1);
        refused(() -> latency.record(-1), "latencyNanos = -1");
        refused(() -> latency.record(Duration.ofMillis(-1)), "latency");
        assertThat(latency.read(clock.read())).isNaN(); // nothing was recorded
        HealthSignal.RetryAfter retry = HealthSignal.retryAfter(clock);
        refused(() -> retry.throttledFor(Duration.ofSeconds(-1)), "wait");
        refused(() -> retry.onRetryAfter(null, Instant.EPOCH), "header");
        refused(() -> HealthSignal.gauge(null), "gauge");
        refused(() -> HealthSignal.inFlight(null), "stats");
        refused(() -> RateLevelStore.inProcess(clock, Duration.ZERO), "ttl");
        refused(() -> RateLevelStore.inProcess(clock, Duration.ofSeconds(1)).publish("a", -1), "level = -1");
    }
}
