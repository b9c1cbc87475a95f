package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ConcurrencyStats;
import dev.throttle.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HealthSignalTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MILLI = 1_000_000L;

    private final ManualClock clock = new ManualClock();

    @Test
    void errorRatioIsExactOverTheWindowAndForgetsBucketsThatLeaveIt() {
        HealthSignal.ErrorRatio errors = HealthSignal.errorRatio(clock, Duration.ofSeconds(10), 10, 1);
        assertThat(errors.read(clock.read())).isNaN();
        clock.advance(500 * MILLI);
        for (int i = 0; i < 10; i++) {
            errors.record(i < 3);
        }
        clock.advance(5 * SECOND); // 5.5 s
        for (int i = 0; i < 10; i++) {
            errors.recordSuccess();
        }
        errors.recordFailure();
        assertThat(errors.calls(clock.read())).isEqualTo(21);
        assertThat(errors.read(clock.read())).isEqualTo(4.0 / 21);
        // The window at 9.999 s still holds the bucket [0, 1 s); at 10 s it has left.
        assertThat(errors.read(10 * SECOND - 1)).isEqualTo(4.0 / 21);
        assertThat(errors.read(10 * SECOND)).isEqualTo(1.0 / 11);
        clock.advance(5 * SECOND); // 10.5 s: reuses the slot of the first bucket
        errors.recordFailure();
        assertThat(errors.failures(clock.read())).isEqualTo(2);
        assertThat(errors.calls(clock.read())).isEqualTo(12);
        assertThat(errors.read(16 * SECOND)).isEqualTo(1.0);
        assertThat(errors.read(21 * SECOND)).isNaN();
    }

    @Test
    void errorRatioReadsNanBelowTheMinimumCalls() {
        HealthSignal.ErrorRatio errors = HealthSignal.errorRatio(clock, Duration.ofSeconds(1), 1, 5);
        for (int i = 0; i < 4; i++) {
            errors.recordFailure();
        }
        assertThat(errors.read(clock.read())).isNaN();
        errors.recordSuccess();
        assertThat(errors.read(clock.read())).isEqualTo(0.8);
    }

    @Test
    void aPercentileIsExactBelowSixteenNanosAndWithinOneSixteenthAbove() {
        HealthSignal.LatencyPercentile p50 = HealthSignal.latencyPercentile(clock, Duration.ofSeconds(1), 1, 50.0, 1);
        p50.record(5);
        p50.record(7);
        p50.record(9);
        assertThat(p50.read(clock.read())).isEqualTo(7.0);

        HealthSignal.LatencyPercentile p99 = HealthSignal.latencyPercentile(clock, Duration.ofSeconds(10), 10, 99.0, 1);
        for (int ms = 1; ms <= 100; ms++) {
            p99.record(Duration.ofMillis(ms));
        }
        double reading = p99.read(clock.read());
        assertThat(reading).isGreaterThanOrEqualTo(99 * MILLI).isLessThan(99 * MILLI * (1 + 1.0 / 16));
    }

    @Test
    void randomLatenciesReadWithinTheStatedPrecisionAtEveryPercentile() {
        Random random = new Random(7);
        for (double percentile : new double[] {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
            HealthSignal.LatencyPercentile signal = HealthSignal.latencyPercentile(clock, Duration.ofSeconds(1), 1,
                    percentile, 1);
            long[] samples = new long[2000];
            for (int i = 0; i < samples.length; i++) {
                samples[i] = (long) Math.exp(random.nextDouble() * Math.log(10.0 * SECOND)); // 1 ns to 10 s
                signal.record(samples[i]);
            }
            Arrays.sort(samples);
            long exact = samples[(int) Math.ceil(percentile / 100.0 * samples.length - 1e-9) - 1];
            assertThat(signal.read(clock.read())).as("p%s", percentile)
                    .isGreaterThanOrEqualTo(exact).isLessThanOrEqualTo(exact + Math.floor(exact / 16.0));
        }
    }

    @Test
    void theLogLinearScaleBoundsEveryValueFromAbove() {
        int previous = -1;
        for (long v = 0; v < 1 << 20; v += 1 + v / 64) {
            int index = LogLinearScale.index(v);
            assertThat(index).isGreaterThanOrEqualTo(previous).isLessThan(LogLinearScale.SIZE);
            long upper = LogLinearScale.upperBound(index);
            assertThat(upper).isGreaterThanOrEqualTo(v).isLessThanOrEqualTo(v + v / 16);
            previous = index;
        }
        assertThat(LogLinearScale.index(Long.MAX_VALUE)).isEqualTo(LogLinearScale.SIZE - 1);
        assertThat(LogLinearScale.upperBound(LogLinearScale.SIZE - 1)).isEqualTo(LogLinearScale.MAX_VALUE);
    }

    @Test
    void aPercentileForgetsOldSamplesAndNeedsItsMinimum() {
        HealthSignal.LatencyPercentile signal = HealthSignal.latencyPercentile(clock, Duration.ofSeconds(2), 2, 90.0, 3);
        signal.record(1000);
        signal.record(1000);
        assertThat(signal.read(clock.read())).isNaN();
        signal.record(1000);
        assertThat(signal.read(clock.read())).isEqualTo(LogLinearScale.upperBound(LogLinearScale.index(1000)));
        clock.advance(2 * SECOND);
        assertThat(signal.read(clock.read())).isNaN();
    }

    @Test
    void retryAfterStaysBadUntilTheLatestTimeTheBackendGave() {
        HealthSignal.RetryAfter signal = HealthSignal.retryAfter(clock);
        assertThat(signal.read(clock.read())).isZero();
        signal.throttledFor(Duration.ofSeconds(30));
        signal.throttledFor(Duration.ofSeconds(10)); // an earlier answer, late: the longer wait stands
        assertThat(signal.read(30 * SECOND - 1)).isEqualTo(1.0);
        assertThat(signal.read(30 * SECOND)).isZero();
        Instant wallNow = Instant.parse("2026-01-01T00:00:00Z");
        clock.advance(40 * SECOND);
        assertThat(signal.onRetryAfter("120", wallNow)).isTrue();
        assertThat(signal.read(160 * SECOND - 1)).isEqualTo(1.0);
        assertThat(signal.read(160 * SECOND)).isZero();
        assertThat(signal.onRetryAfter("Thu, 01 Jan 2026 00:05:00 GMT", wallNow)).isTrue();
        assertThat(signal.read(340 * SECOND - 1)).isEqualTo(1.0);
        assertThat(signal.read(340 * SECOND)).isZero();
        assertThat(signal.onRetryAfter("soon", wallNow)).isFalse();
        assertThat(signal.onRetryAfter("-5", wallNow)).isFalse();
        assertThat(signal.onRetryAfter("99999999999", wallNow)).isFalse();
        signal.clear();
        assertThat(signal.read(clock.read())).isZero();
    }

    @Test
    void gaugesAndInFlightReadTheirSourcesAndOrTakesTheWorse() {
        double[] ratio = {0.25};
        HealthSignal gauge = HealthSignal.gauge(() -> ratio[0]);
        ConcurrencyStats stats = new ConcurrencyStats() {
            @Override
            public long limit() {
                return 20;
            }

            @Override
            public long inFlight() {
                return 15;
            }

            @Override
            public int queueLength() {
                return 0;
            }
        };
        assertThat(gauge.read(0)).isEqualTo(0.25);
        assertThat(HealthSignal.inFlight(stats).read(0)).isEqualTo(15.0);
        assertThat(HealthSignal.inFlightRatio(stats).read(0)).isEqualTo(0.75);
        assertThat(gauge.or(HealthSignal.inFlightRatio(stats)).read(0)).isEqualTo(0.75);
        assertThat(gauge.or(now -> Double.NaN).read(0)).isEqualTo(0.25);
        assertThat(((HealthSignal) now -> Double.NaN).or(gauge).read(0)).isEqualTo(0.25);
        ratio[0] = 0.9;
        assertThat(gauge.or(HealthSignal.inFlightRatio(stats)).read(0)).isEqualTo(0.9);
    }
}
