package dev.throttle.benchmarks;

import dev.throttle.RateLimiter;
import dev.throttle.local.LocalEngine;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The local engine's rate limiters on their hot paths: the allocation-free {@code allow()}, {@code tryAcquire()}
 * (which builds a permit), granted and refused, for each rate algorithm, on one thread, on two threads sharing one
 * limiter ({@link TwoThreads}) and on eight ({@link EightThreads}: more threads than this machine's cores on purpose,
 * so a thread can be descheduled mid-decision). Compare with {@link FloorBenchmark}: a clock read and one CAS.
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar LocalRateLimiter -prof gc}; the annotations'
 * iteration counts and times are defaults that the command line overrides.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
public class LocalRateLimiterBenchmark {

    /** Creates the benchmark; JMH instantiates it. */
    public LocalRateLimiterBenchmark() {
    }

    /**
     * One limiter per algorithm that grants everything a run asks for, and one that is exhausted and refuses, both
     * on the system clock, shared by every thread of the benchmark.
     */
    @State(Scope.Benchmark)
    public static class Limiters {

        /**
         * The algorithm under test; the sliding log twice, with the largest limit (2^20) and with a limit of 100, whose
         * decisions should cost the same.
         */
        @Param({"fixedWindow", "slidingWindow", "slidingLog", "slidingLog100", "tokenBucket", "leakyBucket"})
        public String algorithm;

        RateLimiter granting;
        RateLimiter exhausted;

        /** Creates the state; JMH instantiates it. */
        public Limiters() {
        }

        /** Builds both limiters and spends the exhausted one's only permit. */
        @Setup(Level.Trial)
        public void build() {
            LocalEngine engine = LocalEngine.create();
            granting = engine.rateLimiter("granting-" + algorithm, RateSpecs.granting(algorithm));
            exhausted = engine.rateLimiter("exhausted-" + algorithm, RateSpecs.exhaustible(algorithm));
            if (!exhausted.allow()) {
                throw new IllegalStateException(algorithm + ": a new limiter refused its first permit");
            }
            checkExhausted();
        }

        /** Fails the run if the exhausted limiter started granting: the refused-path figure would be wrong. */
        @TearDown(Level.Iteration)
        public void checkExhausted() {
            if (exhausted.allow()) {
                throw new IllegalStateException(algorithm + ": the exhausted limiter granted a permit");
            }
        }
    }

    /**
     * The boolean fast path, granted.
     *
     * @param limiters the shared limiters
     * @param outcomes this thread's counts
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public boolean allow(Limiters limiters, Outcomes outcomes) {
        return outcomes.record(limiters.granting.allow());
    }

    /**
     * The permit path, granted: the same decision as {@link #allow} plus building the permit.
     *
     * @param limiters the shared limiters
     * @param outcomes this thread's counts
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public boolean tryAcquire(Limiters limiters, Outcomes outcomes) {
        return outcomes.record(limiters.granting.tryAcquire().granted());
    }

    /**
     * The boolean fast path on an exhausted limiter: every request is refused.
     *
     * @param limiters the shared limiters
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public boolean allowRefused(Limiters limiters) {
        return limiters.exhausted.allow();
    }

    /**
     * The permit path on an exhausted limiter: every request is refused, and the refusal says when to retry.
     *
     * @param limiters the shared limiters
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public boolean tryAcquireRefused(Limiters limiters) {
        return limiters.exhausted.tryAcquire().granted();
    }

    /** Every path with two threads contending on one limiter. */
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Fork(1)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Threads(2)
    public static class TwoThreads {

        /** Creates the benchmark; JMH instantiates it. */
        public TwoThreads() {
        }

        /**
         * The boolean fast path, granted, two threads.
         *
         * @param limiters the shared limiters
         * @param outcomes this thread's counts
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean allow(Limiters limiters, Outcomes outcomes) {
            return outcomes.record(limiters.granting.allow());
        }

        /**
         * The permit path, granted, two threads.
         *
         * @param limiters the shared limiters
         * @param outcomes this thread's counts
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean tryAcquire(Limiters limiters, Outcomes outcomes) {
            return outcomes.record(limiters.granting.tryAcquire().granted());
        }

        /**
         * The boolean fast path refused, two threads.
         *
         * @param limiters the shared limiters
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean allowRefused(Limiters limiters) {
            return limiters.exhausted.allow();
        }

        /**
         * The permit path refused, two threads.
         *
         * @param limiters the shared limiters
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean tryAcquireRefused(Limiters limiters) {
            return limiters.exhausted.tryAcquire().granted();
        }
    }

    /** Every path with eight threads on one limiter: more threads than cores, on purpose. */
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Fork(1)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Threads(8)
    public static class EightThreads {

        /** Creates the benchmark; JMH instantiates it. */
        public EightThreads() {
        }

        /**
         * The boolean fast path, granted, eight threads.
         *
         * @param limiters the shared limiters
         * @param outcomes this thread's counts
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean allow(Limiters limiters, Outcomes outcomes) {
            return outcomes.record(limiters.granting.allow());
        }

        /**
         * The permit path, granted, eight threads.
         *
         * @param limiters the shared limiters
         * @param outcomes this thread's counts
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean tryAcquire(Limiters limiters, Outcomes outcomes) {
            return outcomes.record(limiters.granting.tryAcquire().granted());
        }

        /**
         * The boolean fast path refused, eight threads.
         *
         * @param limiters the shared limiters
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean allowRefused(Limiters limiters) {
            return limiters.exhausted.allow();
        }

        /**
         * The permit path refused, eight threads.
         *
         * @param limiters the shared limiters
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean tryAcquireRefused(Limiters limiters) {
            return limiters.exhausted.tryAcquire().granted();
        }
    }
}
