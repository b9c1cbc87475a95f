package dev.throttle.benchmarks;

import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A concurrency limiter (bulkhead) round trip: take a permit and give it back, on one and two threads. The limit
 * (1000) is far above the threads, so every request is granted.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class ConcurrencyLimiterBenchmark {

    private static final long LIMIT = 1000;

    private Limiter limiter;

    /** Creates the benchmark; JMH instantiates it. */
    public ConcurrencyLimiterBenchmark() {
    }

    /** Builds the limiter and checks that it grants and takes permits back. */
    @Setup(Level.Trial)
    public void build() {
        limiter = LocalEngine.create().limiter("bulkhead", Concurrency.of(LIMIT));
        try (Permit permit = limiter.tryAcquire()) {
            if (!permit.granted()) {
                throw new IllegalStateException("a new concurrency limiter refused a permit: " + permit);
            }
        }
        checkAllReturned();
    }

    /** Fails the run if permits leaked: every permit taken must have been given back by close(). */
    @TearDown(Level.Iteration)
    public void checkAllReturned() {
        long available = limiter.availablePermits();
        if (available != LIMIT) {
            throw new IllegalStateException("permits leaked: " + available + " of " + LIMIT + " available");
        }
    }

    /**
     * Takes a permit and closes it.
     *
     * @return whether it was granted, consumed by JMH
     */
    @Benchmark
    @Threads(1)
    public boolean tryAcquireAndClose() {
        return roundTrip();
    }

    /**
     * The same, two threads sharing the limiter.
     *
     * @return whether it was granted, consumed by JMH
     */
    @Benchmark
    @Threads(2)
    public boolean tryAcquireAndCloseTwoThreads() {
        return roundTrip();
    }

    private boolean roundTrip() {
        try (Permit permit = limiter.tryAcquire()) {
            return permit.granted();
        }
    }
}
