package dev.throttle.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The report's table: its Redis CPU column appears with the figures, and only when some row has one. */
class MarkdownTableTest {

    private static Row redisRow(String target, double score, OptionalDouble cpu) {
        return new Row("RedisRateLimiterBenchmark.asyncThroughput", "thrpt", 1, Map.of("target", target,
                "keys", "100k"), score, 10, "ops/s", OptionalDouble.of(1000), cpu);
    }

    @Test
    void redisRowsShowTheServersCpuPerOperation() {
        String table = MarkdownTable.render("heading", Comparison.of(List.of(
                redisRow("throttle", 190_000, OptionalDouble.of(3.7512)),
                redisRow("bucket4j", 60_000, OptionalDouble.of(9.1)),
                redisRow("floor", 130_000, OptionalDouble.of(5.35)))));

        assertThat(table).contains("| Alloc (B/op) | Redis CPU (µs/op) | Ratio |");
        assertThat(table).contains("| throttle | 190,000 ± 10.00 ops/s | 1000.0 | 3.75 | 1.46 of floor |");
        assertThat(table).contains("| bucket4j | 60,000 ± 10.00 ops/s | 1000.0 | 9.10 | ours 3.17× |");
        assertThat(table).contains("Redis CPU: the server's own CPU time");
    }

    @Test
    void tablesWithoutRedisHaveNoCpuColumn() {
        String table = MarkdownTable.render("heading", Comparison.of(List.of(
                new Row("PeerRateLimiterBenchmark.tryAcquire", "avgt", 1, Map.of("impl", "throttle"), 20, 1, "ns/op",
                        OptionalDouble.of(0)))));

        assertThat(table).contains("| Benchmark | Implementation | Score | Alloc (B/op) | Ratio |");
        assertThat(table).doesNotContain("Redis CPU");
    }
}
