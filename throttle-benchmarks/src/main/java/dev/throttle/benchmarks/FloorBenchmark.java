package dev.throttle.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The floor under any lock-free rate decision: one {@link System#nanoTime()} and one compare-and-set on a shared
 * word, the least a limiter reading a clock and publishing its state can do. A limiter's figure minus this one is
 * what its algorithm costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class FloorBenchmark {

    private final AtomicLong word = new AtomicLong();

    /** Creates the benchmark; JMH instantiates it. */
    public FloorBenchmark() {
    }

    /**
     * Reads the clock and moves the shared word forward with one CAS, as a GCRA decision does.
     *
     * @return whether the CAS won, consumed by JMH
     */
    @Benchmark
    @Threads(1)
    public boolean nanoTimeAndCas() {
        return step();
    }

    /**
     * The same, two threads contending on the word.
     *
     * @return whether the CAS won, consumed by JMH
     */
    @Benchmark
    @Threads(2)
    public boolean nanoTimeAndCasTwoThreads() {
        return step();
    }

    /**
     * The same, eight threads: more than this machine's cores, as the eight-thread limiter benchmarks run.
     *
     * @return whether the CAS won, consumed by JMH
     */
    @Benchmark
    @Threads(8)
    public boolean nanoTimeAndCasEightThreads() {
        return step();
    }

    private boolean step() {
        long now = System.nanoTime();
        long current = word.get();
        return word.compareAndSet(current, Math.max(current, now) + 1);
    }
}
