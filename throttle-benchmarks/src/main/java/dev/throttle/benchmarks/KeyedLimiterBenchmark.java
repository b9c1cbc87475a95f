package dev.throttle.benchmarks;

import com.google.common.util.concurrent.RateLimiter;
import dev.throttle.KeyedLimiter;
import dev.throttle.local.LocalEngine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
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
 * A limiter per key, over {@code keys} keys (100k or a million) drawn uniformly or from a Zipfian distribution
 * (exponent 0.99, as YCSB's default): the shape of per-client limits in front of an API. Each operation is one
 * granted decision for the next key of a fixed sequence of 2^20 draws, so every implementation sees the same keys in
 * the same order; the setup makes one pass over the sequence first, so the figures are those of keys already held.
 *
 * <p>This library's keyed limiter ({@code LocalEngine.keyed}: a bucket's one word of state per key, inline in its own
 * striped map, forgetting a key once its bucket is full again) beside the way each peer is keyed in practice:
 * Bucket4j buckets and Guava limiters in a {@code ConcurrentHashMap} filled by {@code computeIfAbsent}, and
 * Resilience4j's {@code RateLimiterRegistry}. The peers never forget a key, so their maps only grow: cheaper per call,
 * unbounded in memory. The {@code floor} is the least a keyed decision can do: a {@code ConcurrentHashMap} lookup of
 * an {@code AtomicLong}, one {@link System#nanoTime()} and one compare-and-set on it (no limit, no forgetting).
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar KeyedLimiter -bm thrpt -tu us -prof gc
 * -p impl=throttle,bucket4j,floor}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class KeyedLimiterBenchmark {

    private static final double EXPONENT = 0.99;
    private static final int DRAWS = 1 << 20;

    /** Each per-key limiter: a second's worth of a million permits per second, more than any key is asked for. */
    private static final long CAPACITY = 1_000_000;

    /** Creates the benchmark; JMH instantiates it. */
    public KeyedLimiterBenchmark() {
    }

    /** The keyed limiter under test and the key sequence, shared by every thread. */
    @State(Scope.Benchmark)
    public static class Keyed {

        /** The implementation under test. */
        @Param({"throttle", "bucket4j", "floor", "resilience4j", "guava"})
        public String impl;

        /** How many distinct keys the draws are made from. */
        @Param({"100000", "1000000"})
        public int keys;

        /** How the keys are drawn: {@code uniform}, or {@code zipfian} (exponent 0.99). */
        @Param({"uniform", "zipfian"})
        public String distribution;

        ZipfianKeys sequence;
        Predicate<String> decision;

        /** Creates the state; JMH instantiates it. */
        public Keyed() {
        }

        /** Draws the keys and builds the limiter. */
        @Setup(Level.Trial)
        public void build() {
            double exponent = switch (distribution) {
                case "uniform" -> 0.0;
                case "zipfian" -> EXPONENT;
                default -> throw new IllegalArgumentException("distribution = " + distribution + " is unknown");
            };
            sequence = new ZipfianKeys(keys, exponent, DRAWS, 42);
            decision = create(impl);
            // One pass over the sequence first: the iterations time decisions on keys held, not the filling.
            for (int i = 0; i < DRAWS; i++) {
                decision.test(sequence.key(i));
            }
        }

        static Predicate<String> create(String impl) {
            switch (impl) {
                case "throttle": {
                    KeyedLimiter<String> limiter = LocalEngine.create().keyed("clients",
                            dev.throttle.TokenBucket.of(CAPACITY, dev.throttle.Rate.perSecond(CAPACITY)));
                    return key -> limiter.allow(key, 1);
                }
                case "bucket4j": {
                    ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
                    return key -> buckets.computeIfAbsent(key, ignored -> Bucket.builder()
                            .addLimit(Bandwidth.builder().capacity(CAPACITY)
                                    .refillGreedy(CAPACITY, Duration.ofSeconds(1)).build())
                            .build()).tryConsume(1);
                }
                case "floor": {
                    ConcurrentHashMap<String, AtomicLong> words = new ConcurrentHashMap<>();
                    return key -> {
                        AtomicLong word = words.get(key);
                        if (word == null) {
                            word = words.computeIfAbsent(key, ignored -> new AtomicLong());
                        }
                        long now = System.nanoTime();
                        long current = word.get();
                        return word.compareAndSet(current, Math.max(current, now) + 1) || true;
                    };
                }
                case "resilience4j": {
                    RateLimiterRegistry registry = RateLimiterRegistry.of(RateLimiterConfig.custom()
                            .limitForPeriod((int) CAPACITY).limitRefreshPeriod(Duration.ofSeconds(1))
                            .timeoutDuration(Duration.ZERO).build());
                    return key -> registry.rateLimiter(key).acquirePermission();
                }
                case "guava": {
                    ConcurrentHashMap<String, RateLimiter> limiters = new ConcurrentHashMap<>();
                    return key -> limiters.computeIfAbsent(key, ignored -> RateLimiter.create(CAPACITY)).tryAcquire();
                }
                default:
                    throw new IllegalArgumentException("impl = " + impl + " is unknown");
            }
        }
    }

    /** Where each thread is in the key sequence; threads start at different places. */
    @State(Scope.Thread)
    public static class Cursor {

        int next;

        /** Creates the cursor; JMH makes one per thread. */
        public Cursor() {
        }

        /** Spreads the threads' starting points over the sequence. */
        @Setup(Level.Trial)
        public void place() {
            next = (int) (Thread.currentThread().getId() * 7919) & (DRAWS - 1);
        }
    }

    /**
     * One decision for the next key of the sequence, one thread.
     *
     * @param keyed the shared limiter and keys
     * @param cursor this thread's place in the sequence
     * @param outcomes this thread's counts
     * @return the decision, consumed by JMH
     */
    @Benchmark
    public boolean allow(Keyed keyed, Cursor cursor, Outcomes outcomes) {
        return outcomes.record(keyed.decision.test(keyed.sequence.key(cursor.next++)));
    }

    /** The same with two threads sharing the keyed limiter. */
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Fork(value = 1, jvmArgsAppend = "-Xmx4g")
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Threads(2)
    public static class TwoThreads {

        /** Creates the benchmark; JMH instantiates it. */
        public TwoThreads() {
        }

        /**
         * One decision for the next key of the sequence, two threads.
         *
         * @param keyed the shared limiter and keys
         * @param cursor this thread's place in the sequence
         * @param outcomes this thread's counts
         * @return the decision, consumed by JMH
         */
        @Benchmark
        public boolean allow(Keyed keyed, Cursor cursor, Outcomes outcomes) {
            return outcomes.record(keyed.decision.test(keyed.sequence.key(cursor.next++)));
        }
    }
}
