package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The AIMD rule, sample by sample, against hand-computed values. */
class AimdAlgorithmTest {

    private static final long MS = 1_000_000L;

    private static LimitAlgorithm.State sample(LimitAlgorithm.State state, long now, long start, long inFlight, boolean dropped) {
        return state.onSample(now, start, now - start, inFlight, dropped);
    }

    @Test
    void slowStartAddsOnePerSampleWhileTheLimitIsInUse() {
        LimitAlgorithm.State state = AimdAlgorithm.builder().initialLimit(20).build().start(0);
        assertThat(state.limit()).isEqualTo(20);

        state = sample(state, 10 * MS, 0, 10, false); // 2 × 10 >= 20: in use
        assertThat(state.limit()).isEqualTo(21);
        LimitAlgorithm.State idle = sample(state, 11 * MS, 1 * MS, 10, false); // 2 × 10 < 21: not in use
        assertThat(idle).isSameAs(state);
    }

    @Test
    void overloadMultipliesByTheBackoffRatioThenGrowsByOnePerRoundTrip() {
        LimitAlgorithm.State state = AimdAlgorithm.builder().initialLimit(20).build().start(0);
        state = sample(state, 10 * MS, 0, 20, true); // min(20 - 1, 20 × 0.9) = 18
        assertThat(state.limit()).isEqualTo(18);

        // After slow start: + 1 / L per sample. 18 + 1/18 = 18.0556; eighteen samples make about one more.
        LimitAlgorithm.State grown = state;
        for (int i = 0; i < 18; i++) {
            grown = sample(grown, 20 * MS, 11 * MS, 18, false);
        }
        assertThat(grown.limit()).isEqualTo(18);
        grown = sample(grown, 20 * MS, 11 * MS, 18, false);
        assertThat(grown.limit()).isEqualTo(19); // 18 + sum of 1/L over 19 samples ≈ 19.03
    }

    @Test
    void aLatencyAboveTheTimeoutIsOverload() {
        LimitAlgorithm.State state = AimdAlgorithm.builder().initialLimit(100).timeout(Duration.ofMillis(50)).build().start(0);
        LimitAlgorithm.State fine = sample(state, 50 * MS, 0, 100, false); // exactly the timeout: not above it
        assertThat(fine.limit()).isEqualTo(101);
        LimitAlgorithm.State slow = sample(fine, 52 * MS, 1 * MS, 100, false); // 51 ms: 101 × 0.9 = 90.9
        assertThat(slow.limit()).isEqualTo(90);
    }

    @Test
    void oneDecreasePerRoundTripForPermitsCaughtInTheSameOverload() {
        LimitAlgorithm.State state = AimdAlgorithm.builder().initialLimit(100).build().start(0);
        state = sample(state, 10 * MS, 1 * MS, 100, true); // 90, decreased at 10 ms
        assertThat(state.limit()).isEqualTo(90);
        // Granted at 5 ms, before the decrease: already answered, ignored, even if dropped.
        assertThat(sample(state, 12 * MS, 5 * MS, 100, true)).isSameAs(state);
        // Granted at 10 ms, after it: judged. 90 × 0.9 = 81.
        assertThat(sample(state, 20 * MS, 10 * MS, 90, true).limit()).isEqualTo(81);
    }

    @Test
    void decreaseIsAtLeastOneAndStaysWithinTheLimits() {
        AimdAlgorithm algorithm = AimdAlgorithm.builder().initialLimit(5).minLimit(4).maxLimit(6).build();
        LimitAlgorithm.State state = algorithm.start(0);
        state = sample(state, 1, 0, 5, true); // min(5 - 1, 4.5) = 4
        assertThat(state.limit()).isEqualTo(4);
        state = sample(state, 3, 2, 5, true); // min(3, 3.6) = 3, clamped to 4
        assertThat(state.limit()).isEqualTo(4);

        LimitAlgorithm.State top = AimdAlgorithm.builder().initialLimit(5).maxLimit(6).build().start(0);
        for (int i = 0; i < 5; i++) {
            top = sample(top, 10, 0, 6, false);
        }
        assertThat(top.limit()).isEqualTo(6);
    }

    @Test
    void smoothingAppliesPartOfEachChange() {
        LimitAlgorithm.State state = AimdAlgorithm.builder().initialLimit(20).smoothing(0.5).build().start(0);
        // target min(19, 18) = 18; 20 + 0.5 × (18 − 20) = 19
        assertThat(sample(state, 10, 0, 20, true).limit()).isEqualTo(19);
    }

    @Test
    void settingsAreReadBack() {
        AimdAlgorithm algorithm = AimdAlgorithm.builder().initialLimit(7).minLimit(2).maxLimit(9).backoffRatio(0.75)
                .increase(2.5).timeout(Duration.ofMillis(30)).smoothing(0.5).build();
        assertThat(algorithm.initialLimit()).isEqualTo(7);
        assertThat(algorithm.minLimit()).isEqualTo(2);
        assertThat(algorithm.maxLimit()).isEqualTo(9);
        assertThat(algorithm.backoffRatio()).isCloseTo(0.75, within(0.0));
        assertThat(algorithm.increase()).isCloseTo(2.5, within(0.0));
        assertThat(algorithm.timeout()).isEqualTo(Duration.ofMillis(30));
        assertThat(algorithm.smoothing()).isCloseTo(0.5, within(0.0));
        assertThat(algorithm.toString()).contains("backoff 0.75");
    }
}
