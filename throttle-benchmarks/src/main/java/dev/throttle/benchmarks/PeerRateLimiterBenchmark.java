package dev.throttle.benchmarks;

import com.google.common.util.concurrent.RateLimiter;
import dev.throttle.local.LocalEngine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
 * The local engine's token bucket beside in-process peers, in the same run: a granted {@code tryAcquire} of one
 * permit on a limiter that grants nearly everything, and a refused one on an exhausted limiter ({@link Exhausted}),
 * on one thread, two ({@link TwoThreads}) and eight ({@link EightThreads}, which oversubscribes a small machine on
 * purpose: it shows how each peer degrades when threads are descheduled inside the decision). {@link Outcomes}
 * counts the grants, so a granted-path figure that timed refusals is flagged.
 *
 * <p>Every limiter runs at one permit per nanosecond where the peer allows it, far faster than any thread asks:
 * this library's {@code TokenBucket.of(1e9, 1/ns)}; Bucket4j's greedy bandwidth of 1e9 per second, capacity 1e9;
 * Resilience4j's 1000 permits per microsecond (its shortest period is 1 ns, but the permits it adds per elapsed
 * cycle are a {@code long} product that a huge per-period limit would overflow after a few idle seconds), with no
 * wait; Guava's {@code RateLimiter.create(1e9)}. Each {@code impl} runs in its own fork, so each call site sees one
 * implementation.
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar PeerRateLimiter}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
public class PeerRateLimiterBenchmark {

    /** One permit per nanosecond, as a per-second figure: the rate every limiter is set to. */
    private static final long PER_SECOND = 1_000_000_000L;

    /** Creates the benchmark; JMH instantiates it. */
    public PeerRateLimiterBenchmark() {
    }

    /**
     * One implementation's boolean decision on a fresh limiter: granting (one permit per nanosecond where the peer
     * allows it, faster than any thread asks) or exhausted (a single permit, which does not come back during a run).
     *
     * @param impl the implementation's name
     * @param exhausted whether the limiter holds one permit only
     * @return the decision
     */
    static BooleanSupplier decision(String impl, boolean exhausted) {
        switch (impl) {
            case "throttleTokenBucket": {
                dev.throttle.RateLimiter limiter = LocalEngine.create().rateLimiter("peer",
                        exhausted ? RateSpecs.exhaustible("tokenBucket") : RateSpecs.granting("tokenBucket"));
                return limiter::allow;
            }
            case "bucket4j": {
                Bandwidth limit = exhausted
                        ? Bandwidth.builder().capacity(1).refillGreedy(1, Duration.ofDays(3650)).build()
                        : Bandwidth.builder().capacity(PER_SECOND).refillGreedy(PER_SECOND, Duration.ofSeconds(1))
                                .build();
                Bucket bucket = Bucket.builder().addLimit(limit).build();
                return () -> bucket.tryConsume(1);
            }
            case "resilience4j": {
                RateLimiterConfig config = exhausted
                        ? RateLimiterConfig.custom().limitForPeriod(1).limitRefreshPeriod(Duration.ofDays(1))
                                .timeoutDuration(Duration.ZERO).build()
                        : RateLimiterConfig.custom().limitForPeriod(1_000).limitRefreshPeriod(Duration.ofNanos(1_000))
                                .timeoutDuration(Duration.ZERO).build();
                io.github.resilience4j.ratelimiter.RateLimiter limiter =
                        io.github.resilience4j.ratelimiter.RateLimiter.of("peer", config);
                return limiter::acquirePermission;
            }
            case "guava": {
                // Exhausted: one permit per ten years; Guava grants the first at once and then owes the interval.
                double perSecond = exhausted ? 1.0 / Duration.ofDays(3650).toSeconds() : PER_SECOND;
                RateLimiter limiter = RateLimiter.create(perSecond);
                return limiter::tryAcquire;
            }
            default:
                throw new IllegalArgumentException("impl = " + impl + " is unknown");
        }
    }

    /** The limiter under test, shared by every thread of the benchmark, behind one boolean decision. */
    @State(Scope.Benchmark)
    public static class Limiter {

        /** The implementation under test. */
        @Param({"throttleTokenBucket", "bucket4j", "resilience4j", "guava"})
        public String impl;

        BooleanSupplier decision;

        /** Creates the state; JMH instantiates it. */
        public Limiter() {
        }

        /** Builds the limiter and checks that it grants its first request. */
        @Setup(Level.Trial)
        public void build() {
            decision = decision(impl, false);
            if (!decision.getAsBoolean()) {
                throw new IllegalStateException(impl + ": a new limiter refused its first permit");
            }
        }
    }

    /**
     * The same implementations, each exhausted by its first permit, which does not come back during a run: every
     * later request is refused, so the refused path is timed.
     */
    @State(Scope.Benchmark)
    public static class Exhausted {

        /** The implementation under test. */
        @Param({"throttleTokenBucket", "bucket4j", "resilience4j", "guava"})
        public String impl;

        BooleanSupplier decision;

        /** Creates the state; JMH instantiates it. */
        public Exhausted() {
        }

        /** Builds the limiter, takes its only permit and checks that the next request is refused. */
        @Setup(Level.Trial)
        public void build() {
            decision = decision(impl, true);
            if (!decision.getAsBoolean()) {
                throw new IllegalStateException(impl + ": a new limiter refused its first permit");
            }
            checkExhausted();
        }

        /** Fails the run if the limiter started granting: the refused-path figure would be wrong. */
        @TearDown(Level.Iteration)
        public void checkExhausted() {
            if (decision.getAsBoolean()) {
                throw new IllegalStateException(impl + ": the exhausted limiter granted a permit");
            }
        }
    }

    /**
     * A granted one-permit decision, one thread.
     *
     * @param limiter the shared limiter
     * @param outcomes this thread's counts
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public boolean tryAcquire(Limiter limiter, Outcomes outcomes) {
        return outcomes.record(limiter.decision.getAsBoolean());
    }

    /**
     * A refused one-permit decision, one thread.
     *
     * @param limiter the shared, exhausted limiter
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public boolean tryAcquireRefused(Exhausted limiter) {
        return limiter.decision.getAsBoolean();
    }

    /** The same decision with two threads contending on one limiter. */
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
         * A granted one-permit decision, two threads.
         *
         * @param limiter the shared limiter
         * @param outcomes this thread's counts
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean tryAcquire(Limiter limiter, Outcomes outcomes) {
            return outcomes.record(limiter.decision.getAsBoolean());
        }

        /**
         * A refused one-permit decision, two threads.
         *
         * @param limiter the shared, exhausted limiter
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean tryAcquireRefused(Exhausted limiter) {
            return limiter.decision.getAsBoolean();
        }
    }

    /**
     * The same decision with eight threads on one limiter: more threads than a small machine's cores, so a thread
     * can be descheduled mid-decision; a lock-free limiter keeps going, a locked one makes the others wait.
     */
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
         * A granted one-permit decision, eight threads.
         *
         * @param limiter the shared limiter
         * @param outcomes this thread's counts
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean tryAcquire(Limiter limiter, Outcomes outcomes) {
            return outcomes.record(limiter.decision.getAsBoolean());
        }

        /**
         * A refused one-permit decision, eight threads.
         *
         * @param limiter the shared, exhausted limiter
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean tryAcquireRefused(Exhausted limiter) {
            return limiter.decision.getAsBoolean();
        }
    }
}
