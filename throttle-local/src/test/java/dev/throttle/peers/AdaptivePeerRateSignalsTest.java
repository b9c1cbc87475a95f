package dev.throttle.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.throttle.ManualClock;
import dev.throttle.Permit;
import dev.throttle.Rate;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.adaptive.AimdRateLimiter;
import dev.throttle.local.adaptive.HealthSignal;
import dev.throttle.local.adaptive.StepRateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

/**
 * Edges of the adaptive rates and their health signals, after Envoy's admission-control tests (thresholds, sliding
 * windows, minimum request counts) and TCP/AIMD expectations: bounds, cooldown, recovery after overload.
 */
class AdaptivePeerRateSignalsTest {

    private static final long SECOND = 1_000_000_000L;
    private final ManualClock clock = new ManualClock(100 * SECOND);
    private final LocalEngine engine = LocalEngine.builder().ticker(clock).scheduler(clock).build();
    private volatile double reading;

    // --- AIMD rate ---------------------------------------------------------------------------------------------

    @Test
    void aimdNeverGoesBelowItsMinimumOnRepeatedDrops() {
        AimdRateLimiter l = AimdRateLimiter.builder("aimd", engine).rates(7, 100, 1000).decreaseFactor(0.5)
                .cooldown(Duration.ZERO).burst(1000).build();
        for (int i = 0; i < 50; i++) {
            Permit p = l.tryAcquire();
            assertThat(p.granted()).isTrue();
            p.dropped();
            assertThat(l.currentPermitsPerPeriod()).isBetween(7L, 1000L);
        }
        assertThat(l.currentPermitsPerPeriod()).isEqualTo(7);
    }

    @Test
    void aimdRecoversAdditivelyToItsMaximumAfterOverloadEnds() {
        AimdRateLimiter l = AimdRateLimiter.builder("aimd", engine).rates(1, 10, 50).increase(7)
                .evaluationInterval(Duration.ofSeconds(1)).build();
        for (int s = 1; s <= 20; s++) {
            clock.advance(SECOND);
            l.tryAcquire();
            long expected = Math.min(50, 10 + 7L * s);
            assertThat(l.currentPermitsPerPeriod()).as("after %s s", s).isEqualTo(expected);
        }
    }

    @Test
    void aimdSignalExactlyAtItsThresholdIsOverload() {
        AimdRateLimiter l = AimdRateLimiter.builder("aimd", engine).rates(1, 100, 1000).decreaseFactor(0.5)
                .signal(now -> reading, 0.5).build();
        reading = 0.5;
        clock.advance(SECOND);
        l.tryAcquire();
        assertThat(l.currentPermitsPerPeriod()).isEqualTo(50);
    }

    @Test
    void aimdCooldownAllowsOneDecreasePerCooldown() {
        AimdRateLimiter l = AimdRateLimiter.builder("aimd", engine).rates(1, 100, 1000).decreaseFactor(0.5)
                .cooldown(Duration.ofSeconds(2)).burst(10).build();
        l.tryAcquire().dropped();
        l.tryAcquire().dropped();
        assertThat(l.currentPermitsPerPeriod()).isEqualTo(50);
        clock.advance(2 * SECOND);
        l.tryAcquire().dropped();
        assertThat(l.currentPermitsPerPeriod()).isEqualTo(25);
    }

    /** The documented bounds hold for any accepted increase: the rate is min(maxRate, rate + increase). */
    @Test
    void aimdHugeIncreaseStaysAtTheMaximum() {
        AimdRateLimiter l = AimdRateLimiter.builder("aimd", engine).rates(1, 100, 1000).increase(Long.MAX_VALUE)
                .build();
        clock.advance(SECOND);
        assertThatCode(l::tryAcquire).doesNotThrowAnyException();
        assertThat(l.currentPermitsPerPeriod()).isEqualTo(1000);
    }

    // --- Step rate -------------------------------------------------------------------------------------------

    private StepRateLimiter steps() {
        return StepRateLimiter.builder("steps", engine).signal(now -> reading).thresholds(0.10, 0.02)
                .step(Rate.perSecond(1000)).step(Rate.perSecond(100)).step(Rate.perSecond(10))
                .cooldowns(Duration.ZERO, Duration.ZERO).build();
    }

    @Test
    void stepDegradesExactlyAtTheThresholdAndHoldsInTheBand() {
        StepRateLimiter l = steps();
        reading = 0.0999;
        clock.advance(SECOND);
        l.tryAcquire();
        assertThat(l.currentStep()).isZero();
        reading = 0.10;
        clock.advance(SECOND);
        l.tryAcquire();
        assertThat(l.currentStep()).isEqualTo(1);
        reading = 0.02; // at recoverBelow: not below it, holds
        clock.advance(SECOND);
        l.tryAcquire();
        assertThat(l.currentStep()).isEqualTo(1);
        reading = Double.NaN; // no evidence holds
        clock.advance(SECOND);
        l.tryAcquire();
        assertThat(l.currentStep()).isEqualTo(1);
        reading = 0.0199;
        clock.advance(SECOND);
        l.tryAcquire();
        assertThat(l.currentStep()).isZero();
    }

    @Test
    void stepMovesOneStepPerEvaluationAndStaysInItsSteps() {
        StepRateLimiter l = steps();
        reading = 1.0;
        for (int i = 0; i < 10; i++) {
            clock.advance(SECOND);
            l.tryAcquire();
            assertThat(l.currentStep()).isEqualTo(Math.min(i + 1, 2));
        }
        assertThat(l.currentRate()).isEqualTo(Rate.perSecond(10));
        reading = 0.0;
        for (int i = 0; i < 10; i++) {
            clock.advance(SECOND);
            l.tryAcquire();
            assertThat(l.currentStep()).isEqualTo(Math.max(1 - i, 0));
        }
        assertThat(l.currentRate()).isEqualTo(Rate.perSecond(1000));
    }

    // --- Error ratio (Envoy admission control: minimum request count, sliding window) --------------------------

    @Test
    void errorRatioNeedsItsMinimumCallsExactly() {
        HealthSignal.ErrorRatio errors = HealthSignal.errorRatio(clock, Duration.ofSeconds(10), 10, 4);
        errors.recordFailure();
        errors.recordSuccess();
        errors.recordSuccess();
        assertThat(errors.read(clock.read())).isNaN();
        errors.recordFailure();
        assertThat(errors.read(clock.read())).isEqualTo(0.5);
    }

    @Test
    void errorRatioForgetsBetweenNineTenthsAndAWholeWindow() {
        HealthSignal.ErrorRatio errors = HealthSignal.errorRatio(clock, Duration.ofSeconds(10), 10, 1);
        errors.recordFailure(); // at 100 s: a bucket boundary
        clock.advance(10 * SECOND - 1);
        assertThat(errors.calls(clock.read())).isEqualTo(1);
        assertThat(errors.read(clock.read())).isEqualTo(1.0);
        clock.advance(1);
        assertThat(errors.calls(clock.read())).isZero();
        assertThat(errors.read(clock.read())).isNaN();
        errors.recordSuccess();
        assertThat(errors.read(clock.read())).isEqualTo(0.0);
    }

    @Test
    void errorRatioFarForwardForgetsEverything() {
        HealthSignal.ErrorRatio errors = HealthSignal.errorRatio(clock, Duration.ofSeconds(10), 10, 1);
        for (int i = 0; i < 100; i++) {
            errors.recordFailure();
        }
        clock.advance(Duration.ofDays(36_500));
        assertThat(errors.calls(clock.read())).isZero();
        errors.recordSuccess();
        assertThat(errors.read(clock.read())).isEqualTo(0.0);
    }

    // --- Retry-After -------------------------------------------------------------------------------------------

    @Test
    void retryAfterReadsOneUntilTheEndExclusiveAndKeepsTheLatest() {
        HealthSignal.RetryAfter signal = HealthSignal.retryAfter(clock);
        assertThat(signal.read(clock.read())).isEqualTo(0.0);
        long start = clock.read();
        signal.throttledFor(Duration.ofSeconds(5));
        signal.throttledFor(Duration.ofSeconds(2)); // out of order: the later end stays
        assertThat(signal.read(start + 5 * SECOND - 1)).isEqualTo(1.0);
        assertThat(signal.read(start + 5 * SECOND)).isEqualTo(0.0);
        assertThat(signal.onRetryAfter("0", Instant.EPOCH)).isTrue();
        assertThat(signal.read(start)).isEqualTo(1.0);
        signal.clear();
        assertThat(signal.read(start)).isEqualTo(0.0);
    }

    @Test
    void retryAfterHttpDateAndGarbage() {
        HealthSignal.RetryAfter signal = HealthSignal.retryAfter(clock);
        Instant wall = Instant.parse("2024-01-01T00:00:00Z");
        String in30 = DateTimeFormatter.RFC_1123_DATE_TIME.format(wall.plusSeconds(30).atOffset(ZoneOffset.UTC));
        long now = clock.read();
        assertThat(signal.onRetryAfter(in30, wall)).isTrue();
        assertThat(signal.read(now + 30 * SECOND - 1)).isEqualTo(1.0);
        assertThat(signal.read(now + 30 * SECOND)).isEqualTo(0.0);
        assertThat(signal.onRetryAfter("soon", wall)).isFalse();
        assertThat(signal.onRetryAfter("-5", wall)).isFalse();
        assertThat(signal.onRetryAfter("1234567890", wall)).isFalse();
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(wall.minusSeconds(30).atOffset(ZoneOffset.UTC));
        HealthSignal.RetryAfter fresh = HealthSignal.retryAfter(clock);
        assertThat(fresh.onRetryAfter(past, wall)).isTrue();
        assertThat(fresh.read(now)).isEqualTo(0.0);
    }

    // --- Latency percentile ------------------------------------------------------------------------------------

    @Test
    void latencyPercentileNearestRankWithinItsPrecision() {
        HealthSignal.LatencyPercentile p50 = HealthSignal.latencyPercentile(clock, Duration.ofSeconds(10), 10, 50.0,
                1);
        HealthSignal.LatencyPercentile p100 = HealthSignal.latencyPercentile(clock, Duration.ofSeconds(10), 10,
                100.0, 1);
        assertThat(p50.read(clock.read())).isNaN();
        for (long ms = 1; ms <= 100; ms++) {
            p50.record(ms * 1_000_000L);
            p100.record(ms * 1_000_000L);
        }
        double median = p50.read(clock.read());
        assertThat(median).isBetween(50e6, 50e6 * (1 + 1.0 / 16));
        double max = p100.read(clock.read());
        assertThat(max).isBetween(100e6, 100e6 * (1 + 1.0 / 16));
        p100.record(5); // exact below 16 ns
        HealthSignal.LatencyPercentile small = HealthSignal.latencyPercentile(clock, Duration.ofSeconds(10), 10,
                100.0, 1);
        small.record(0);
        small.record(15);
        assertThat(small.read(clock.read())).isEqualTo(15.0);
    }
}
