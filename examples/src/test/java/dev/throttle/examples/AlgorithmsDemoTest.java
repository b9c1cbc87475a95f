package dev.throttle.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checks the demo's table against decisions worked out by hand from each algorithm's definition, for the timeline
 * {@code 0 ms ×6, 50 ms ×2, 900 ms ×3, 1000 ms ×4, 1010 ms ×3, 2500 ms ×6} at 5 per second.
 */
class AlgorithmsDemoTest {

    /** Rows of the timeline: the first request of each burst. */
    private static final int AT_0 = 0;
    private static final int AT_50 = 6;
    private static final int AT_900 = 8;
    private static final int AT_1000 = 11;
    private static final int AT_2500 = 18;

    private static final List<Algorithm> BUCKETS =
            List.of(Algorithm.TOKEN_BUCKET, Algorithm.LEAKY_METER, Algorithm.LEAKY_SHAPING);

    @Test
    void timelineHasOneRowPerRequest() {
        List<Long> times = AlgorithmsDemo.requestTimesMillis();

        assertThat(times).hasSize(24);
        assertThat(times.get(AT_50)).isEqualTo(50L);
        assertThat(times.get(AT_900)).isEqualTo(900L);
        assertThat(times.get(AT_1000)).isEqualTo(1000L);
        assertThat(times.get(AT_2500)).isEqualTo(2500L);
    }

    @Test
    void tokenBucketGrantsExactlyTheBurstThenOneEvery200Ms() {
        DecisionTable table = AlgorithmsDemo.simulate(BUCKETS);

        assertThat(table.column(Algorithm.TOKEN_BUCKET).subList(AT_0, AT_50))
                .containsExactly("✓", "✓", "✓", "✓", "✓", "✗ 200ms");
        // At 50 ms the first token is 150 ms away; at 900 ms four tokens have come back.
        assertThat(table.column(Algorithm.TOKEN_BUCKET).subList(AT_50, AT_900)).containsExactly("✗ 150ms", "✗ 150ms");
        assertThat(table.column(Algorithm.TOKEN_BUCKET).subList(AT_900, AT_1000)).containsExactly("✓", "✓", "✓");
        // After 1.5 s of quiet the bucket is full again: the last burst gets five.
        assertThat(table.column(Algorithm.TOKEN_BUCKET).subList(AT_2500, AT_2500 + 6))
                .containsExactly("✓", "✓", "✓", "✓", "✓", "✗ 200ms");
    }

    @Test
    void leakyMeterDecidesAsTheTokenBucket() {
        DecisionTable table = AlgorithmsDemo.simulate(BUCKETS);

        assertThat(table.column(Algorithm.LEAKY_METER)).isEqualTo(table.column(Algorithm.TOKEN_BUCKET));
    }

    @Test
    void shapingQueueDelaysEachRequestToItsSlot() {
        DecisionTable table = AlgorithmsDemo.simulate(BUCKETS);

        // Six slots fit in a second of delay: 0, 200, ..., 1000 ms; at 50 ms the next slot (1200 ms) is too far.
        assertThat(table.column(Algorithm.LEAKY_SHAPING).subList(AT_0, AT_50))
                .containsExactly("✓", "✓ +200ms", "✓ +400ms", "✓ +600ms", "✓ +800ms", "✓ +1000ms");
        assertThat(table.column(Algorithm.LEAKY_SHAPING).subList(AT_50, AT_900)).allMatch(cell -> cell.startsWith("✗"));
        assertThat(table.cell(AT_900, Algorithm.LEAKY_SHAPING)).isEqualTo("✓ +300ms");
        assertThat(table.refused(Algorithm.LEAKY_SHAPING) + table.granted(Algorithm.LEAKY_SHAPING)).isEqualTo(24);
    }

    @Test
    void renderAlignsColumnsAndSummarises() {
        DecisionTable table = AlgorithmsDemo.simulate(BUCKETS);

        String text = table.render();

        List<String> lines = text.lines().toList();
        String heading = lines.get(0);
        assertThat(heading).startsWith("   time  token bucket  leaky meter  leaky shaping");
        List<String> rows = lines.stream().filter(line -> line.contains(" ms  ")).toList();
        assertThat(rows).hasSize(24);
        for (String title : List.of("token bucket", "leaky meter", "leaky shaping")) {
            int start = heading.indexOf(title);
            // Every cell of a column starts where its heading does, with a mark.
            assertThat(rows).as(title).allMatch(row -> row.charAt(start) == '✓' || row.charAt(start) == '✗');
        }
        assertThat(lines).contains(String.format("token bucket   %2d granted, %2d refused",
                table.granted(Algorithm.TOKEN_BUCKET), table.refused(Algorithm.TOKEN_BUCKET)));
        assertThat(table.granted(Algorithm.TOKEN_BUCKET)).isEqualTo(15);
        assertThat(lines).allMatch(line -> line.equals(line.stripTrailing()));
    }

    @Test
    void everyAlgorithmOnTheSameTimeline() {
        DecisionTable table = AlgorithmsDemo.simulate(Arrays.asList(Algorithm.values()));

        // Fixed window: five in the first second, then refused until the boundary at 1000 ms.
        assertThat(table.column(Algorithm.FIXED_WINDOW).subList(AT_0, AT_50))
                .containsExactly("✓", "✓", "✓", "✓", "✓", "✗ 1000ms");
        assertThat(table.cell(AT_900, Algorithm.FIXED_WINDOW)).isEqualTo("✗ 100ms");
        assertThat(table.cell(AT_1000, Algorithm.FIXED_WINDOW)).isEqualTo("✓");
        // Sliding log: the five grants of 0 ms weigh on the whole second after them.
        assertThat(table.column(Algorithm.SLIDING_LOG).subList(AT_0, AT_50)).startsWith("✓", "✓", "✓", "✓", "✓");
        assertThat(table.column(Algorithm.SLIDING_LOG).subList(AT_0 + 5, AT_1000)).allMatch(c -> c.startsWith("✗"));
        // Sliding window: the previous window is empty during the first second, so it counts as a fixed window there.
        assertThat(table.column(Algorithm.SLIDING_WINDOW).subList(AT_0, AT_50)).startsWith("✓", "✓", "✓", "✓", "✓");
        assertThat(table.column(Algorithm.SLIDING_WINDOW).subList(AT_0 + 5, AT_1000)).allMatch(c -> c.startsWith("✗"));
        // Concurrency: five in flight; the 50 ms requests find them still held (200 ms each).
        assertThat(table.column(Algorithm.CONCURRENCY).subList(AT_0, AT_0 + 5)).containsOnly("✓");
        assertThat(table.cell(AT_0 + 5, Algorithm.CONCURRENCY)).startsWith("✗");
        assertThat(table.cell(AT_50, Algorithm.CONCURRENCY)).startsWith("✗");
        assertThat(table.cell(AT_900, Algorithm.CONCURRENCY)).isEqualTo("✓");
        // Every algorithm answers every request.
        for (Algorithm algorithm : Algorithm.values()) {
            assertThat(table.granted(algorithm) + table.refused(algorithm)).as(algorithm.title()).isEqualTo(24);
        }
        assertThat(table.render()).contains("fixed window", "concurrency");
    }
}
