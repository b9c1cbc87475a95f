package dev.throttle.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The report's grouping and ratios, on rows made by hand. */
class ComparisonTest {

    private static Row row(String benchmark, String mode, int threads, Map<String, String> params, double score) {
        return new Row(benchmark, mode, threads, params, score, 0.5, mode.equals("thrpt") ? "ops/s" : "ns/op",
                OptionalDouble.of(0));
    }

    @Test
    void peersAreComparedWithOursAndOursWithTheFloorOfTheSameThreadCount() {
        List<Comparison> comparisons = Comparison.of(List.of(
                row("FloorBenchmark.nanoTimeAndCas", "avgt", 1, Map.of(), 25),
                row("FloorBenchmark.nanoTimeAndCasTwoThreads", "avgt", 2, Map.of(), 40),
                row("Peer.tryAcquire", "avgt", 1, Map.of("impl", "bucket4j"), 45),
                row("Peer.tryAcquire", "avgt", 1, Map.of("impl", "throttleTokenBucket"), 30),
                row("Peer.TwoThreads.tryAcquire", "avgt", 2, Map.of("impl", "throttleTokenBucket"), 50)));

        assertThat(comparisons).extracting(Comparison::title)
                .containsExactly("Peer.tryAcquire, 1 thread", "Peer.TwoThreads.tryAcquire, 2 threads");
        Comparison one = comparisons.get(0);
        assertThat(one.rows()).extracting(Row::implementation).containsExactly("throttleTokenBucket", "bucket4j");
        assertThat(Comparison.timesFaster(one.rows().get(0), one.rows().get(1))).isCloseTo(1.5, within(1e-9));
        assertThat(one.ofFloor(one.rows().get(0))).hasValueSatisfying(r -> assertThat(r).isCloseTo(25.0 / 30, within(1e-9)));
        assertThat(comparisons.get(1).ofFloor(comparisons.get(1).rows().get(0))).hasValueSatisfying(r -> assertThat(r).isCloseTo(0.8, within(1e-9)));
    }

    @Test
    void throughputRowsCompareByScoreAndUseTheirOwnFloorAndOtherParamsSplitGroups() {
        List<Comparison> comparisons = Comparison.of(List.of(
                row("Redis.asyncThroughput", "thrpt", 1, Map.of("target", "throttle", "keys", "hot"), 80_000),
                row("Redis.asyncThroughput", "thrpt", 1, Map.of("target", "bucket4j", "keys", "hot"), 1_600),
                row("Redis.asyncThroughput", "thrpt", 1, Map.of("target", "floor", "keys", "hot"), 100_000),
                row("Redis.asyncThroughput", "thrpt", 1, Map.of("target", "throttle", "keys", "100k"), 50_000)));

        assertThat(comparisons).hasSize(2);
        Comparison hot = comparisons.get(0);
        assertThat(hot.title()).isEqualTo("Redis.asyncThroughput, 1 thread, keys=hot");
        assertThat(hot.ofFloor(hot.rows().get(0))).hasValueSatisfying(r -> assertThat(r).isCloseTo(0.8, within(1e-9)));
        assertThat(Comparison.timesFaster(hot.rows().get(0), hot.rows().get(1))).isCloseTo(50, within(1e-9));
        assertThat(comparisons.get(1).floor()).isEmpty();
    }

    @Test
    void aPeerIsComparedWithEachWayOfUsingThisLibrary() {
        String md = MarkdownTable.render("Suite", Comparison.of(List.of(
                row("Bulkhead.roundTrip", "avgt", 1, Map.of("impl", "throttle"), 20),
                row("Bulkhead.roundTrip", "avgt", 1, Map.of("impl", "resilience4j"), 10),
                row("Bulkhead.roundTrip", "avgt", 1, Map.of("impl", "throttleTryEnter"), 8))));

        assertThat(md).contains("| Bulkhead.roundTrip, 1 thread | throttle |")
                .contains("|  | throttleTryEnter |")
                .contains("|  | resilience4j | 10.00 ± 0.50 ns/op | 0.0 | ours 0.50× (throttle), ours 1.25× (throttleTryEnter) |");
    }

    @Test
    void theMarkdownTableShowsEveryRowAndItsRatio() {
        String md = MarkdownTable.render("Suite `peers`", Comparison.of(List.of(
                row("FloorBenchmark.nanoTimeAndCas", "avgt", 1, Map.of(), 25),
                row("Peer.tryAcquire", "avgt", 1, Map.of("impl", "throttle"), 25),
                row("Peer.tryAcquire", "avgt", 1, Map.of("impl", "guava"), 50))));

        assertThat(md).contains("| Peer.tryAcquire, 1 thread | throttle | 25.00 ± 0.50 ns/op | 0.0 | 1.00 of floor |")
                .contains("|  | guava | 50.00 ± 0.50 ns/op | 0.0 | ours 2.00× |")
                .contains("| | floor (FloorBenchmark.nanoTimeAndCas) | 25.00 ± 0.50 ns/op | 0.0 | |");
        assertThat(SvgChart.render("Suite", Comparison.of(List.of(row("Peer.tryAcquire", "avgt", 1,
                Map.of("impl", "throttle"), 25))))).startsWith("<svg").contains("25.00 ns/op").endsWith("</svg>\n");
    }
}
