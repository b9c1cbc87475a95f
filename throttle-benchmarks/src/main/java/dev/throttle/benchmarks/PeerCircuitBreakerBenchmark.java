package dev.throttle.benchmarks;

import dev.throttle.local.resilience.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A call guarded by a closed circuit breaker: ask permission, time the call, record its success in the sliding
 * window. This library's {@code CircuitBreaker} beside Resilience4j's, both with a count-based window of 100 calls,
 * in the same run, on one and two threads. The guarded call returns a constant, so the figure is the breaker's cost.
 * Resilience4j guards it through {@code decorateSupplier}, its usual way to wrap a call that throws nothing checked.
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar PeerCircuitBreaker -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class PeerCircuitBreakerBenchmark {

    private static final int WINDOW = 100;

    /** The implementation under test. */
    @Param({"throttle", "resilience4j"})
    public String impl;

    private Callable<Integer> guarded;

    /** Creates the benchmark; JMH instantiates it. */
    public PeerCircuitBreakerBenchmark() {
    }

    /** Builds the breaker and checks a guarded call. */
    @Setup(Level.Trial)
    public void build() throws Exception {
        Callable<Integer> call = () -> 42;
        switch (impl) {
            case "throttle": {
                CircuitBreaker breaker = CircuitBreaker.builder().name("peer")
                        .config(CircuitBreaker.Config.builder().countWindow(WINDOW).build()).build();
                guarded = () -> breaker.call(call);
                break;
            }
            case "resilience4j": {
                io.github.resilience4j.circuitbreaker.CircuitBreaker breaker = CircuitBreakerRegistry.of(
                        io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                                .slidingWindowSize(WINDOW).build()).circuitBreaker("peer");
                Supplier<Integer> supplier = () -> 42;
                Supplier<Integer> decorated =
                        io.github.resilience4j.circuitbreaker.CircuitBreaker.decorateSupplier(breaker, supplier);
                guarded = decorated::get;
                break;
            }
            default:
                throw new IllegalArgumentException("impl = " + impl + " is unknown");
        }
        if (guarded.call() != 42) {
            throw new IllegalStateException(impl + ": the guarded call did not return its value");
        }
    }

    /**
     * One guarded call, one thread.
     *
     * @return the call's value, consumed by JMH
     * @throws Exception never: the call succeeds and the breaker stays closed
     */
    @Benchmark
    @Threads(1)
    public Integer guardedCall() throws Exception {
        return guarded.call();
    }

    /**
     * One guarded call, two threads sharing the breaker.
     *
     * @return the call's value, consumed by JMH
     * @throws Exception never: the call succeeds and the breaker stays closed
     */
    @Benchmark
    @Threads(2)
    public Integer guardedCallTwoThreads() throws Exception {
        return guarded.call();
    }
}
