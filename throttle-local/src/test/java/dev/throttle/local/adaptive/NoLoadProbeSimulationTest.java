package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import dev.throttle.testing.Draws;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Why the no-load latency is re-measured: a backend that becomes twice as slow at every load (base latency 10 ms →
 * 20 ms, same capacity {@code C = 40}) looks overloaded against the old baseline, so the latency-based algorithms
 * shrink far below {@code C}; the next measurement (every 3 s plus a jitter fixed at its maximum, 1.5 s) learns the
 * new baseline and the limit comes back within 20% of {@code C}.
 */
@Timeout(20)
class NoLoadProbeSimulationTest {

    private static final long SECOND = 1_000_000_000L;

    static Stream<Arguments> algorithms() {
        return Stream.of(
                Arguments.of("Vegas", (Supplier<LimitAlgorithm>) () -> VegasAlgorithm.builder()
                        .noLoadProbe(Duration.ofSeconds(3), 0.5, 3, 20).random(Draws.of(bound -> bound - 1)).build()),
                Arguments.of("Gradient", (Supplier<LimitAlgorithm>) () -> GradientAlgorithm.builder()
                        .noLoadProbe(Duration.ofSeconds(3), 0.5, 3, 20).random(Draws.of(bound -> bound - 1)).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void aSlowerBackendIsLearnedAtTheNextMeasurement(String name, Supplier<LimitAlgorithm> algorithm) {
        SimulatedBackend sim = new SimulatedBackend(new ManualClock(), algorithm.get(), 40, Duration.ofMillis(10));
        sim.run(Duration.ofSeconds(2), 8);
        SimulatedBackend.Span before = sim.span(1 * SECOND, 2 * SECOND);
        sim.baseNanos = Duration.ofMillis(20).toNanos();
        sim.run(Duration.ofSeconds(10), 8);
        SimulatedBackend.Span stale = sim.span(3 * SECOND, 4 * SECOND);
        SimulatedBackend.Span relearned = sim.span(8 * SECOND, 12 * SECOND);

        // The first measurement runs at start and takes about 70 ms; the second starts 4.5 s after it ends.
        long secondProbe = sim.readings.stream().filter(r -> r.measuringNoLoad() && r.atNanos() > SECOND)
                .mapToLong(SimulatedBackend.Reading::atNanos).min().orElseThrow();
        System.out.printf("%s, backend twice as slow at 2 s: before %s; stale baseline %s; second measurement at"
                + " %d ms; after %s%n", name, before, stale, secondProbe / 1_000_000, relearned);
        assertThat(before.max()).isBetween(32, 48);
        assertThat(stale.max()).as("shrunk against the stale baseline: %s", stale).isLessThan(32);
        assertThat(secondProbe).isBetween(4_500_000_000L, 4_700_000_000L);
        assertThat(relearned.min()).as("%s", relearned).isGreaterThanOrEqualTo(32);
        assertThat(relearned.max()).as("%s", relearned).isLessThanOrEqualTo(48);
    }
}
