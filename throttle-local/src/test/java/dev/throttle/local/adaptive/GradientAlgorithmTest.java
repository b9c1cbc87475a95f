package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The gradient rule, window by window, against hand-computed values. */
class GradientAlgorithmTest {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;
    private static final long T = 1 * MS;

    /** Long window 60 s; probe every hour at a limit of 2 over 3 samples; windows of at least 4 samples. */
    private static GradientAlgorithm.Builder gradient() {
        return GradientAlgorithm.builder().initialLimit(20).minWindowSamples(4).longWindow(Duration.ofSeconds(60))
                .noLoadProbe(Duration.ofHours(1), 0.0, 2, 3);
    }

    /**
     * A state past its first probe at time {@link #T}, whose long latency is the probe's average, 11 ms, and whose
     * limit is back at the initial one (20 with {@link #gradient()}).
     */
    private static GradientAlgorithm.State measured(GradientAlgorithm algorithm) {
        LimitAlgorithm.State state = algorithm.start(0);
        assertThat(state.measuringNoLoad()).isTrue();
        assertThat(state.limit()).isEqualTo(2);
        state = state.onSample(T, 0, 10 * MS, 1, false);
        state = state.onSample(T, 0, 12 * MS, 2, false);
        state = state.onSample(T, 0, 11 * MS, 2, false);
        assertThat(state.measuringNoLoad()).isFalse();
        assertThat(state.limit()).isEqualTo(algorithm.initialLimit);
        GradientAlgorithm.State measured = (GradientAlgorithm.State) state;
        assertThat(measured.longRttNanos()).isCloseTo(11.0 * MS, within(1e-6));
        return measured;
    }

    /** A window of samples granted at {@code now} and judged at {@code now}, each with the given latency. */
    private static GradientAlgorithm.State window(LimitAlgorithm.State state, int count, long rtt, long inFlight, long now) {
        for (int i = 0; i < count; i++) {
            state = state.onSample(now, now, rtt, inFlight, false);
        }
        return (GradientAlgorithm.State) state;
    }

    @Test
    void gradientIsClamped() {
        assertThat(GradientAlgorithm.gradient(10, 12.5)).isCloseTo(0.8, within(1e-12));
        assertThat(GradientAlgorithm.gradient(10, 40)).isCloseTo(0.5, within(1e-12));
        assertThat(GradientAlgorithm.gradient(20, 10)).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void slowStartDoublesThenTheGradientRuleApplies() {
        GradientAlgorithm.State state = measured(gradient().build());
        // Window of max(4, 10) samples at 11 ms: gradient 1 in slow start, 40. No time elapsed: long stays 11 ms.
        state = window(state, 10, 11 * MS, 20, T);
        assertThat(state.limit()).isEqualTo(40);
        // 20 samples at 22 ms: gradient max(0.5, 11/22) = 0.5; 40 × 0.5 + 4 = 24; 40 + 0.2 × (24 − 40) = 36.8.
        state = window(state, 20, 22 * MS, 40, T);
        assertThat(state.limit()).isEqualTo(36);
        // 30 s later, 18 samples at 12 ms: long 11 + (12 − 11) × 30/60 = 11.5; gradient 11.5/12;
        // 36.8 × 0.958333 + 4 = 39.2667; 36.8 + 0.2 × 2.4667 = 37.2933.
        state = window(state, 18, 12 * MS, 36, T + 30 * SECOND);
        assertThat(state.longRttNanos()).isCloseTo(11.5 * MS, within(1.0));
        assertThat(state.limit()).isEqualTo(37);
    }

    @Test
    void theLongLatencyIsCutWhileTheBackendIsMuchFaster() {
        GradientAlgorithm.State state = window(window(measured(gradient().build()), 10, 11 * MS, 20, T), 20,
                22 * MS, 40, T); // 36.8 after slow start
        // 18 samples at 5 ms: 11 / 5 > 2, long 11 × 0.9 = 9.9; gradient 1; 36.8 + 0.2 × 4 = 37.6.
        state = window(state, 18, 5 * MS, 36, T);
        assertThat(state.longRttNanos()).isCloseTo(9.9 * MS, within(1.0));
        assertThat(state.limit()).isEqualTo(37);
    }

    @Test
    void aDropAppliesTheLowestGradientAtOnce() {
        GradientAlgorithm.State state = window(measured(gradient().build()), 10, 11 * MS, 20, T); // 40
        // 40 × 0.5 = 20, no queue allowed; 40 + 0.2 × (20 − 40) = 36.
        LimitAlgorithm.State dropped = state.onSample(T + 5 * MS, T, 5 * MS, 40, true);
        assertThat(dropped.limit()).isEqualTo(36);
        // Permits granted before that change do not count again.
        assertThat(dropped.onSample(T + 6 * MS, T, 6 * MS, 40, true)).isSameAs(dropped);
    }

    @Test
    void aDropLowersEvenALimitBelowTwiceTheQueueSize() {
        // A limit of 4 with the default queue size of 4: 4 × 0.5 + 4 would be 6, a rise. A drop halves it instead.
        LimitAlgorithm.State state = measured(gradient().initialLimit(4).smoothing(1.0).build());
        assertThat(state.limit()).isEqualTo(4);
        state = state.onSample(T + 5 * MS, T, 5 * MS, 4, true);
        assertThat(state.limit()).isEqualTo(2);
        // With the default smoothing, drop after drop, it only ever goes down, to the minimum.
        LimitAlgorithm.State smoothed = measured(gradient().initialLimit(8).build());
        int previous = smoothed.limit();
        for (int i = 1; i <= 40; i++) {
            smoothed = smoothed.onSample(T + i * MS, T + i * MS, 5 * MS, previous, true);
            assertThat(smoothed.limit()).isLessThanOrEqualTo(previous);
            previous = smoothed.limit();
        }
        assertThat(previous).isEqualTo(1);
    }

    @Test
    void anIdleLimitDoesNotMove() {
        GradientAlgorithm.State state = window(measured(gradient().build()), 10, 11 * MS, 20, T); // 40
        // In flight 19 < 40 / 2: the limit was not in use, the sample is skipped without a new state.
        assertThat(state.onSample(T, T, 30 * MS, 19, false)).isSameAs(state);
        // Still in slow start with gradient 1, but the window did not reach the limit: no doubling.
        state = window(state, 20, 11 * MS, 39, T);
        assertThat(state.limit()).isEqualTo(40);
        state = window(state, 20, 11 * MS, 40, T); // reached: 80
        assertThat(state.limit()).isEqualTo(80);
    }

    @Test
    void queueSizeFunctionAndLimitsApply() {
        GradientAlgorithm algorithm = gradient().queueSize(limit -> (int) Math.sqrt(limit)).smoothing(1.0)
                .maxLimit(45).build();
        GradientAlgorithm.State state = window(measured(algorithm), 10, 11 * MS, 20, T); // 40
        // Envoy-like: 40 × 0.5 + sqrt(40) = 26, smoothing 1.
        state = window(state, 20, 22 * MS, 40, T);
        assertThat(state.limit()).isEqualTo(26);
        // Gradient 1: 26 + 5 = 31.
        state = window(state, 13, 11 * MS, 26, T);
        assertThat(state.limit()).isEqualTo(31);
        assertThat(algorithm.minLimit()).isEqualTo(1);
    }
}
