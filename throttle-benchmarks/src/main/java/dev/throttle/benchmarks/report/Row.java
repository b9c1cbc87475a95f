package dev.throttle.benchmarks.report;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * One measured benchmark result, reduced to what the report needs.
 *
 * @param benchmark the class's simple name and the method, e.g. {@code PeerRateLimiterBenchmark.tryAcquire}
 * @param mode JMH's short mode name: {@code avgt}, {@code sample}, {@code ss} (time per operation) or {@code thrpt}
 * @param threads how many threads ran it
 * @param params the JMH parameters, sorted by name
 * @param score the primary score
 * @param error the primary score's error (half the 99.9% confidence interval), NaN when unknown
 * @param unit the score's unit, e.g. {@code ns/op} or {@code ops/s}
 * @param allocBytesPerOp {@code gc.alloc.rate.norm} when the GC profiler ran
 * @param redisCpuMicrosPerOp the Redis server's CPU time per operation when the Redis CPU profiler ran
 *     ({@code dev.throttle.benchmarks.RedisCpuProfiler})
 */
public record Row(String benchmark, String mode, int threads, Map<String, String> params, double score, double error,
        String unit, OptionalDouble allocBytesPerOp, OptionalDouble redisCpuMicrosPerOp) {

    /** The parameter names that say which implementation a row measured. */
    static final String[] IMPLEMENTATION_PARAMS = {"impl", "target"};

    /**
     * Copies the parameters into a sorted, unmodifiable map.
     */
    public Row {
        params = Map.copyOf(new TreeMap<>(params));
    }

    /**
     * A row of a benchmark that talks to no Redis server.
     *
     * @param benchmark the class's simple name and the method
     * @param mode JMH's short mode name
     * @param threads how many threads ran it
     * @param params the JMH parameters
     * @param score the primary score
     * @param error the primary score's error, NaN when unknown
     * @param unit the score's unit
     * @param allocBytesPerOp {@code gc.alloc.rate.norm} when the GC profiler ran
     */
    public Row(String benchmark, String mode, int threads, Map<String, String> params, double score, double error,
            String unit, OptionalDouble allocBytesPerOp) {
        this(benchmark, mode, threads, params, score, error, unit, allocBytesPerOp, OptionalDouble.empty());
    }

    /**
     * The implementation this row measured: the value of its {@code impl} or {@code target} parameter, {@code
     * floor} for the floor benchmark, else {@code throttle} (a benchmark of this library alone).
     *
     * @return the implementation's name
     */
    public String implementation() {
        if (benchmark.startsWith("FloorBenchmark.")) {
            return "floor";
        }
        for (String name : IMPLEMENTATION_PARAMS) {
            String value = params.get(name);
            if (value != null) {
                return value;
            }
        }
        return "throttle";
    }

    /**
     * Whether this row measured this library.
     *
     * @return true for an implementation named {@code throttle...}
     */
    public boolean ours() {
        return implementation().startsWith("throttle");
    }

    /**
     * Whether this row is a floor: the least any implementation could cost.
     *
     * @return true for an implementation named {@code floor...}
     */
    public boolean floor() {
        return implementation().startsWith("floor");
    }

    /**
     * Operations per unit of time, whatever the mode: higher is faster, so two rows' speeds divide into a ratio.
     *
     * @return the score for throughput modes, its inverse for time-per-operation modes
     */
    public double speed() {
        return mode.equals("thrpt") ? score : 1.0 / score;
    }

    /**
     * The parameters other than the implementation's, as {@code name=value} pairs: rows equal in these, in the
     * benchmark and in the threads compare like with like.
     *
     * @return the parameters without {@code impl}/{@code target}
     */
    public String sharedParams() {
        StringBuilder text = new StringBuilder();
        params.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(param -> {
            for (String name : IMPLEMENTATION_PARAMS) {
                if (name.equals(param.getKey())) {
                    return;
                }
            }
            if (text.length() > 0) {
                text.append(' ');
            }
            text.append(param.getKey()).append('=').append(param.getValue());
        });
        return text.toString();
    }
}
