package dev.throttle.benchmarks;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler of the Redis server's CPU time per operation: the server's own CPU seconds (user and system, from
 * {@code INFO cpu}) before and after each iteration, divided by the operations the iteration ran. On a fleet the Redis
 * core, not the client, is what every decision shares; this is the figure that says how many decisions one core
 * takes, for this library and for its peers alike, independent of how well a client overlaps its round trips.
 *
 * <p>It measures the server a Redis benchmark of this module talks to ({@link BenchRedis#measured()}, the master of a
 * replicated trial), the last iteration's too (the trial's teardown, which stops it, reads it first); the first
 * warm-up iteration reports nothing (its setup starts the server after the iteration began). The server's background work (expiring keys) is counted, as it should be: a decision's keys
 * cause it. A server shared with other clients (a {@code REDIS_URL} one) counts their work too.
 *
 * <p>Use: {@code -prof dev.throttle.benchmarks.RedisCpuProfiler}; the {@code redis} suite adds it. Reported as
 * {@code redis.cpu}, in microseconds per operation.
 */
public final class RedisCpuProfiler implements InternalProfiler {

    /** The name of its result. */
    public static final String RESULT = "redis.cpu";

    private BenchRedis server;
    private OptionalDouble before = OptionalDouble.empty();

    /** For JMH, which makes it by reflection. */
    public RedisCpuProfiler() {
    }

    @Override
    public String getDescription() {
        return "Redis server CPU time (INFO cpu, user + system) per operation, in microseconds";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        Optional<BenchRedis> measured = BenchRedis.measured();
        server = measured.orElse(null);
        before = measured.map(BenchRedis::cpuSeconds).orElse(OptionalDouble.empty());
    }

    @Override
    @SuppressWarnings("rawtypes") // JMH's InternalProfiler declares the raw Result
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long ops = result.getMetadata().getAllOps();
        if (server == null || before.isEmpty() || ops <= 0L) {
            return List.of();
        }
        OptionalDouble after = server.cpuSeconds();
        if (after.isEmpty()) {
            return List.of();
        }
        double micros = (after.getAsDouble() - before.getAsDouble()) * 1e6 / ops;
        return List.of(new ScalarResult(RESULT, micros, "us/op", AggregationPolicy.AVG));
    }
}
