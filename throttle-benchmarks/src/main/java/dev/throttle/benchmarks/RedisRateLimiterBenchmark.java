package dev.throttle.benchmarks;

import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Rate decisions in Redis, side by side: this library's Redis engine ({@code throttle}, server-time mode, coalescing
 * concurrent decisions on one key into one script call; {@code throttle-uncoalesced}, a call per decision), Bucket4j's
 * Lettuce proxy manager ({@code bucket4j}), and a bare EVALSHA of a ten-line GCRA script ({@code floor}), all one
 * token bucket of the same limits that no run drains ({@link RedisTarget}). Keys: {@code hot}, one key; {@code 100k},
 * a key drawn uniformly from 100 000 per call.
 *
 * <ul>
 *   <li>{@link #syncLatency}: one thread, one call at a time, waiting for each answer: a round trip's latency.</li>
 *   <li>{@link #asyncThroughput}: one thread keeping 64 calls in flight (each invocation sends 64 and waits for
 *   all): decisions per second through one connection.</li>
 * </ul>
 * Refusals are counted ({@link Outcomes}) and a warning printed when over 1% of an iteration's requests were
 * refused. The server is {@code REDIS_URL}'s, or a {@code redis-server} from the PATH started for the trial
 * ({@link BenchRedis}); every trial writes under fresh key names.
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar RedisRateLimiter}; the annotations' iteration
 * counts and times are defaults that the command line overrides.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RedisRateLimiterBenchmark {

    /** Calls in flight in {@link #asyncThroughput}. */
    static final int IN_FLIGHT = 64;

    /** The key count of {@code keys = 100k}. */
    private static final int MANY_KEYS = 100_000;

    /**
     * The contender: throttle (coalescing, the engine's default), throttle-uncoalesced (a call per decision), bucket4j
     * or floor.
     */
    @Param({"throttle", "throttle-uncoalesced", "bucket4j", "floor"})
    public String target;

    /** The keys asked for: hot (one key) or 100k (uniformly drawn from 100 000). */
    @Param({"hot", "100k"})
    public String keys;

    private BenchRedis redis;
    private RedisClient client;
    private RedisTarget subject;
    private int keyCount;

    /** Creates the benchmark; JMH instantiates it. */
    public RedisRateLimiterBenchmark() {
    }

    /** Starts (or finds) the server, builds the contender, and checks that it grants. */
    @Setup(Level.Trial)
    public void start() {
        keyCount = keyCount(keys);
        redis = BenchRedis.start();
        try {
            client = RedisClient.create();
            String prefix = "bench:" + Long.toString(System.currentTimeMillis(), 36) + ":"
                    + Long.toString(ProcessHandle.current().pid(), 36) + ":" + target + ":";
            subject = contender(target, client, redis, prefix, keyCount);
            if (!subject.decide(0) || !subject.granted(await(subject.send(keyCount - 1)))) {
                throw new IllegalStateException(target + ": a new bucket refused a permit");
            }
        } catch (RuntimeException | Error failure) {
            stop();
            throw failure;
        }
    }

    /** Closes the contender and the client, and stops the server if this trial started it. */
    @TearDown(Level.Trial)
    public void stop() {
        try {
            if (subject != null) {
                subject.close();
            }
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        } finally {
            subject = null;
            client = null;
            if (redis != null) {
                redis.close();
                redis = null;
            }
        }
    }

    /**
     * One decision, waiting for its answer.
     *
     * @param outcomes this thread's counts
     * @return the decision, consumed by JMH
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Threads(1)
    public boolean syncLatency(Outcomes outcomes) {
        return outcomes.record(subject.decide(nextKey()));
    }

    /**
     * Sends {@value #IN_FLIGHT} decisions without waiting, then waits for them all.
     *
     * @param outcomes this thread's counts
     * @return the number granted, consumed by JMH
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(IN_FLIGHT)
    @Threads(1)
    public int asyncThroughput(Outcomes outcomes) {
        CompletableFuture<?>[] pending = new CompletableFuture<?>[IN_FLIGHT];
        for (int i = 0; i < IN_FLIGHT; i++) {
            pending[i] = subject.send(nextKey());
        }
        int granted = 0;
        for (CompletableFuture<?> answer : pending) {
            if (outcomes.record(subject.granted(await(answer)))) {
                granted++;
            }
        }
        return granted;
    }

    private int nextKey() {
        return keyCount == 1 ? 0 : ThreadLocalRandom.current().nextInt(keyCount);
    }

    private static int keyCount(String keys) {
        switch (keys) {
            case "hot":
                return 1;
            case "100k":
                return MANY_KEYS;
            default:
                throw new IllegalArgumentException("keys = " + keys + " is unknown; use hot or 100k");
        }
    }

    private static RedisTarget contender(String target, RedisClient client, BenchRedis redis, String prefix,
            int keyCount) {
        switch (target) {
            case "throttle":
                return new ThrottleTarget(client, redis.uri(), prefix, keyCount, true);
            case "throttle-uncoalesced":
                return new ThrottleTarget(client, redis.uri(), prefix, keyCount, false);
            case "bucket4j":
                return new Bucket4jTarget(client, redis.uri(), prefix, keyCount);
            case "floor":
                return new FloorTarget(client, redis.uri(), prefix, keyCount);
            default:
                throw new IllegalArgumentException("target = " + target + " is unknown; use throttle,"
                        + " throttle-uncoalesced, bucket4j or floor");
        }
    }

    /** Waits for an answer, bounded so a lost reply fails the run instead of hanging it. */
    private static Object await(CompletableFuture<?> answer) {
        try {
            return answer.get(RedisTarget.TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException failure) {
            throw new IllegalStateException("a Redis decision failed", failure.getCause());
        } catch (TimeoutException timeout) {
            throw new IllegalStateException("a Redis decision took over " + RedisTarget.TIMEOUT, timeout);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", interrupted);
        }
    }
}
