package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.testing.Draws;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Vegas rule, window by window, against hand-computed values. */
class VegasAlgorithmTest {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000 * MS;

    /** Probe: every 1 s plus a jitter fixed at 123 ns, at a limit of 2, over 3 samples; windows of at least 4. */
    private static VegasAlgorithm.Builder vegas() {
        return VegasAlgorithm.builder().initialLimit(20).minWindowSamples(4)
                .noLoadProbe(Duration.ofSeconds(1), 0.5, 2, 3).random(Draws.of(bound -> 123L));
    }

    /** A state past its first probe, whose no-load latency is 10 ms, at time {@code 1 ms}. */
    private static LimitAlgorithm.State measured(VegasAlgorithm algorithm) {
        LimitAlgorithm.State state = algorithm.start(0);
        assertThat(state.measuringNoLoad()).isTrue();
        assertThat(state.limit()).isEqualTo(2);
        assertThat(state.onSample(1, 0, 1, 3, false)).as("more in flight than the probe's limit").isSameAs(state);
        state = state.onSample(1 * MS, 0, 12 * MS, 1, false);
        state = state.onSample(1 * MS, 0, 10 * MS, 2, false);
        assertThat(state.measuringNoLoad()).isTrue();
        state = state.onSample(1 * MS, 0, 11 * MS, 2, false);
        assertThat(state.measuringNoLoad()).isFalse();
        assertThat(((VegasAlgorithm.State) state).noLoadRttNanos()).isEqualTo(10 * MS); // the lowest of the three
        assertThat(state.limit()).isEqualTo(20); // the estimate comes back
        return state;
    }

    /** A window of {@code count} samples granted at 1 ms, all with the same latency and in-flight count. */
    private static LimitAlgorithm.State window(LimitAlgorithm.State state, int count, long rtt, long inFlight) {
        for (int i = 0; i < count; i++) {
            state = state.onSample(2 * MS, 1 * MS, rtt, inFlight, false);
        }
        return state;
    }

    @Test
    void queueEstimateAndLogUnit() {
        assertThat(VegasAlgorithm.queue(40, 10, 12.5)).isEqualTo(8); // ceil(40 × 0.2)
        assertThat(VegasAlgorithm.queue(39, 10, 10.5)).isEqualTo(2); // ceil(1.857)
        assertThat(VegasAlgorithm.queue(40, 10, 9)).isZero(); // faster than the baseline: no queue
        assertThat(VegasAlgorithm.log10(9)).isEqualTo(1);
        assertThat(VegasAlgorithm.log10(99)).isEqualTo(1);
        assertThat(VegasAlgorithm.log10(100)).isEqualTo(2);
        assertThat(VegasAlgorithm.log10(1000)).isEqualTo(3);
    }

    @Test
    void slowStartDoublesPerWindowUntilTheQueueGrows() {
        LimitAlgorithm.State state = measured(vegas().build());
        // Window of max(4, 20 / 2) = 10 samples at the no-load latency: queue 0 <= 1: 40.
        LimitAlgorithm.State nine = window(state, 9, 10 * MS, 20);
        assertThat(nine.limit()).isEqualTo(20);
        state = window(nine, 1, 10 * MS, 20);
        assertThat(state.limit()).isEqualTo(40);
        // Samples granted before that change (at 1 ms, the window opened at 2 ms) are not judged.
        assertThat(state.onSample(3 * MS, 1 * MS, 30 * MS, 40, false)).isSameAs(state);
        // 20 samples at 12.5 ms: queue ceil(40 × 0.2) = 8 > beta 6: slow start ends, 40 − 1 = 39.
        state = windowAt(state, 20, 12_500_000L, 40, 3 * MS);
        assertThat(state.limit()).isEqualTo(39);
    }

    @Test
    void queueBetweenThresholdsIncreasesHoldsOrDecreases() {
        LimitAlgorithm.State state = exitedSlowStart();
        assertThat(state.limit()).isEqualTo(39);
        // queue ceil(39 × (1 − 10/10.5)) = 2 < alpha 3: + 1.
        state = windowAt(state, 20, 10_500_000L, 39, 4 * MS);
        assertThat(state.limit()).isEqualTo(40);
        // queue ceil(40 × (1 − 10/11.25)) = 5, within [3, 6]: no change.
        state = windowAt(state, 20, 11_250_000L, 40, 5 * MS);
        assertThat(state.limit()).isEqualTo(40);
        // queue 0 <= threshold 1 after slow start: + beta = 46.
        state = windowAt(state, 20, 10 * MS, 40, 6 * MS);
        assertThat(state.limit()).isEqualTo(46);
        // queue 0 but the window never reached the limit (highest in-flight 30 < 46): no increase.
        state = windowAt(state, 23, 10 * MS, 30, 7 * MS - 1);
        assertThat(state.limit()).isEqualTo(46);
        // Highest in-flight 22 < 46 / 2: the limit is not in use, no change.
        state = windowAt(state, 23, 30 * MS, 22, 7 * MS);
        assertThat(state.limit()).isEqualTo(46);
    }

    @Test
    void aDropMultipliesByTheBackoffRatioAtOnce() {
        LimitAlgorithm.State state = exitedSlowStart(); // 39
        state = state.onSample(5 * MS, 4 * MS, 1 * MS, 39, true); // 39 × 0.9 = 35.1
        assertThat(state.limit()).isEqualTo(35);
        // A drop of a permit granted before that change is not counted again.
        assertThat(state.onSample(6 * MS, 4 * MS, 2 * MS, 39, true)).isSameAs(state);
    }

    @Test
    void reMeasuresTheNoLoadLatencyAfterTheJitteredInterval() {
        LimitAlgorithm.State state = exitedSlowStart(); // probe ended at 1 ms: next at 1 ms + 1 s + 123 ns
        long next = 1 * MS + SECOND + 123;
        LimitAlgorithm.State before = state.onSample(next - 1, next - 2, 1, 39, false);
        assertThat(before.measuringNoLoad()).isFalse();
        LimitAlgorithm.State probing = state.onSample(next, next - 1, 1, 39, false);
        assertThat(probing.measuringNoLoad()).isTrue();
        assertThat(probing.limit()).isEqualTo(2);
        // The backend got slower: the new baseline is 20 ms, even though it is above the old one.
        probing = probing.onSample(next + 20 * MS, next, 20 * MS, 1, false);
        probing = probing.onSample(next + 20 * MS, next, 21 * MS, 2, false);
        LimitAlgorithm.State after = probing.onSample(next + 25 * MS, next + 5 * MS, 20 * MS, 2, false);
        assertThat(after.measuringNoLoad()).isFalse();
        assertThat(after.limit()).isEqualTo(39);
        assertThat(((VegasAlgorithm.State) after).noLoadRttNanos()).isEqualTo(20 * MS);
    }

    @Test
    void smoothingAndClampApplyAfterSlowStart() {
        VegasAlgorithm algorithm = vegas().smoothing(0.5).maxLimit(41).build();
        LimitAlgorithm.State state = windowAt(window(measured(algorithm), 10, 10 * MS, 20), 20, 12_500_000L, 40, 3 * MS);
        // 40 − 1 smoothed by half: 39.5.
        assertThat(state.limit()).isEqualTo(39);
        // queue 0: + 6 = 45.5, smoothed 42.5, clamped to 41.
        state = windowAt(state, 20, 10 * MS, 40, 4 * MS);
        assertThat(state.limit()).isEqualTo(41);
        assertThat(algorithm.minLimit()).isEqualTo(1);
        assertThat(vegas().minLimit(5).build().minLimit()).as("the probe's limit is lower").isEqualTo(2);
    }

    private static LimitAlgorithm.State exitedSlowStart() {
        LimitAlgorithm.State state = window(measured(vegas().build()), 10, 10 * MS, 20);
        return windowAt(state, 20, 12_500_000L, 40, 3 * MS);
    }

    /** A window of samples granted at {@code start} and ended just after, each with the given latency. */
    private static LimitAlgorithm.State windowAt(LimitAlgorithm.State state, int count, long rtt, long inFlight, long start) {
        for (int i = 0; i < count; i++) {
            state = state.onSample(start + 1, start, rtt, inFlight, false);
        }
        return state;
    }
}
