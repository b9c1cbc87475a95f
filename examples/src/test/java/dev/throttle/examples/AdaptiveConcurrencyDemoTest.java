package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.local.adaptive.GradientAlgorithm;
import dev.throttle.local.adaptive.LimitAlgorithm;
import dev.throttle.local.adaptive.VegasAlgorithm;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Every algorithm of the demo ends each phase within 20% of the backend's true capacity. */
class AdaptiveConcurrencyDemoTest {

    @Test
    void aimdFollowsTheCapacity() {
        assertFollowsCapacity(AdaptiveConcurrencyDemo::aimd);
    }

    @Test
    void vegasFollowsTheCapacity() {
        assertFollowsCapacity(() -> VegasAlgorithm.builder().initialLimit(20).build());
    }

    @Test
    void gradientFollowsTheCapacity() {
        assertFollowsCapacity(() -> GradientAlgorithm.builder().initialLimit(20).build());
    }

    private static void assertFollowsCapacity(Supplier<LimitAlgorithm> algorithm) {
        List<int[]> limits = AdaptiveConcurrencyDemo.simulate(algorithm.get());

        assertThat(limits).hasSize(AdaptiveConcurrencyDemo.CAPACITY_BY_PHASE.length
                * AdaptiveConcurrencyDemo.PHASE_SECONDS);
        // The last three seconds of each phase: settled on the phase's capacity.
        for (int phase = 0; phase < AdaptiveConcurrencyDemo.CAPACITY_BY_PHASE.length; phase++) {
            int capacity = AdaptiveConcurrencyDemo.CAPACITY_BY_PHASE[phase];
            for (int second = AdaptiveConcurrencyDemo.PHASE_SECONDS - 3; second < AdaptiveConcurrencyDemo.PHASE_SECONDS;
                    second++) {
                int[] reading = limits.get(phase * AdaptiveConcurrencyDemo.PHASE_SECONDS + second);
                assertThat(reading[0]).isEqualTo(capacity);
                assertThat((double) reading[1]).as("phase %d, second %d", phase, second + 1)
                        .isBetween(0.8 * capacity, 1.2 * capacity);
            }
        }
    }
}
