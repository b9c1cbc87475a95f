package dev.throttle.local.adaptive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.throttle.ManualClock;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each algorithm, with its default settings, against a {@link SimulatedBackend} whose true capacity is {@code C}:
 * the in-flight count at which latency starts rising (base latency 10 ms up to {@code C}, {@code 10 ms × n / C}
 * beyond). What is measured: the limiter's limit, read every 10 ms after a warm-up of 2 s in each phase, leaving out
 * the readings taken while the algorithm re-measures its no-load latency at a reduced limit; every such reading must
 * lie within 20% of {@code C}.
 *
 * <p>Phases, offered load always open-loop:
 * <ol>
 *   <li>0–5 s: {@code C = 40}, twice the load it can serve (8 requests per ms against 4 served);</li>
 *   <li>5–8 s: the load drops to half of what it can serve (2 per ms): the limit is not in use, so it must neither
 *   grow nor collapse;</li>
 *   <li>8–13 s: the backend recovers to {@code C = 80} under twice its load (16 per ms);</li>
 *   <li>13–18 s: it degrades back to {@code C = 40}, still under 16 per ms.</li>
 * </ol>
 * AIMD has no latency model: its target is where latency crosses its timeout, set here to 11 ms ("10% slower than
 * normal is overloaded"). A second scenario gives a backend that sheds load instead of queueing (latency constant,
 * drops above {@code C}): drops alone must bring every algorithm within 20% of {@code C}.
 */
@Timeout(20)
class AdaptiveConvergenceTest {

    private static final long SECOND = 1_000_000_000L;
    private static final Duration BASE = Duration.ofMillis(10);

    static Stream<Arguments> algorithms() {
        return Stream.of(
                Arguments.of("AIMD", (Supplier<LimitAlgorithm>) () -> AimdAlgorithm.builder()
                        .timeout(Duration.ofMillis(11)).build()),
                Arguments.of("Vegas", (Supplier<LimitAlgorithm>) () -> VegasAlgorithm.builder().build()),
                Arguments.of("Gradient", (Supplier<LimitAlgorithm>) () -> GradientAlgorithm.builder().build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void followsTheCapacityAtWhichLatencyRisesThroughLoadAndCapacityChanges(String name,
            Supplier<LimitAlgorithm> algorithm) {
        SimulatedBackend sim = new SimulatedBackend(new ManualClock(), algorithm.get(), 40, BASE);

        sim.run(Duration.ofSeconds(5), 8);
        SimulatedBackend.Span overloaded = sim.span(2 * SECOND, 5 * SECOND);
        sim.run(Duration.ofSeconds(3), 2);
        SimulatedBackend.Span idle = sim.span(5 * SECOND, 8 * SECOND);
        sim.capacity = 80;
        sim.run(Duration.ofSeconds(5), 16);
        SimulatedBackend.Span recovered = sim.span(10 * SECOND, 13 * SECOND);
        sim.capacity = 40;
        sim.run(Duration.ofSeconds(5), 16);
        SimulatedBackend.Span degraded = sim.span(15 * SECOND, 18 * SECOND);

        System.out.printf("%s, latency backend: C=40 overloaded %s; load halved %s; C=80 %s; C=40 again %s;"
                + " granted %d, refused %d%n", name, overloaded, idle, recovered, degraded, sim.granted, sim.refused);
        assertWithin(overloaded, 40);
        assertWithin(idle, 40);
        assertWithin(recovered, 80);
        assertWithin(degraded, 40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void dropsAloneBringTheLimitToABackendThatShedsLoad(String name, Supplier<LimitAlgorithm> algorithm) {
        SimulatedBackend sim = new SimulatedBackend(new ManualClock(), algorithm.get(), 40, BASE);
        sim.latencyGrows = false;
        sim.dropAbove = 40;

        sim.run(Duration.ofSeconds(5), 8);
        SimulatedBackend.Span shedding = sim.span(2 * SECOND, 5 * SECOND);
        sim.dropAbove = 80;
        sim.run(Duration.ofSeconds(5), 16);
        SimulatedBackend.Span recovered = sim.span(7 * SECOND, 10 * SECOND);

        System.out.printf("%s, dropping backend: C=40 %s; C=80 %s; drops %d of %d granted%n", name, shedding,
                recovered, sim.drops, sim.granted);
        assertThat(sim.drops).isPositive();
        assertWithin(shedding, 40);
        assertWithin(recovered, 80);
    }

    private static void assertWithin(SimulatedBackend.Span span, int capacity) {
        assertThat(span.readings()).as("readings outside no-load measurements").isGreaterThan(100);
        assertThat(span.min()).as("lowest limit vs C = %d: %s", capacity, span).isGreaterThanOrEqualTo(
                (int) Math.ceil(capacity * 0.8));
        assertThat(span.max()).as("highest limit vs C = %d: %s", capacity, span).isLessThanOrEqualTo(
                (int) Math.floor(capacity * 1.2));
    }
}
