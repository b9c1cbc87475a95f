package dev.throttle.benchmarks;

import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.throttle.local.adaptive.AdaptiveConcurrencyLimiter;
import dev.throttle.local.adaptive.GradientAlgorithm;
import dev.throttle.local.adaptive.LimitAlgorithm;
import dev.throttle.local.adaptive.VegasAlgorithm;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An adaptive concurrency limiter's round trip (take a permit, end it, feed its latency to the algorithm) beside
 * Netflix concurrency-limits' {@code SimpleLimiter} with the same algorithm family: Vegas against {@code VegasLimit},
 * Gradient against {@code Gradient2Limit}, on one and two threads. Every limiter starts at 20 with a maximum of
 * 1000, far above the threads, so every request is granted and the algorithms see an unsaturated limit, the common
 * case; {@link Outcomes} counts the grants. Each {@code impl} runs in its own fork.
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar AdaptiveConcurrency}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class AdaptiveConcurrencyBenchmark extends RoundTripBenchmark {

    private static final int INITIAL = 20;
    private static final int MAX = 1000;

    /** The implementation under test. */
    @Param({"throttleVegas", "netflixVegas", "throttleGradient", "netflixGradient2"})
    public String impl;

    /** Creates the benchmark; JMH instantiates it. */
    public AdaptiveConcurrencyBenchmark() {
    }

    /** Builds the limiter and checks one round trip. */
    @Setup(Level.Trial)
    public void build() {
        measure(impl, create(impl));
    }

    private static BooleanSupplier create(String impl) {
        switch (impl) {
            case "throttleVegas":
                return throttle(VegasAlgorithm.builder().initialLimit(INITIAL).maxLimit(MAX).build());
            case "throttleGradient":
                return throttle(GradientAlgorithm.builder().initialLimit(INITIAL).maxLimit(MAX).build());
            case "netflixVegas":
                return netflixRoundTrip(SimpleLimiter.newBuilder()
                        .limit(VegasLimit.newBuilder().initialLimit(INITIAL).maxConcurrency(MAX).build()).build());
            case "netflixGradient2":
                return netflixRoundTrip(SimpleLimiter.newBuilder()
                        .limit(Gradient2Limit.newBuilder().initialLimit(INITIAL).maxConcurrency(MAX).build()).build());
            default:
                throw new IllegalArgumentException("impl = " + impl + " is unknown");
        }
    }

    private static BooleanSupplier throttle(LimitAlgorithm algorithm) {
        return permitRoundTrip(AdaptiveConcurrencyLimiter.builder("adaptive", algorithm).build());
    }
}
