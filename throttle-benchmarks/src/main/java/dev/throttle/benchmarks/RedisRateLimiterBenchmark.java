package dev.throttle.benchmarks;

import io.lettuce.core.RedisClient;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Rate decisions in Redis, side by side: this library's Redis engine ({@code throttle}, server-time mode, coalescing
 * concurrent decisions on one key into one script call; {@code throttle-uncoalesced}, a call per decision), Bucket4j's
 * Lettuce proxy manager ({@code bucket4j}), and a bare EVALSHA of a ten-line GCRA script ({@code floor}), all one
 * token bucket of the same limits that no run drains ({@link RedisTarget}). Keys: {@code hot}, one key; {@code 100k},
 * a key drawn uniformly from 100 000 per call.
 * Measured as {@link RedisDecisionBenchmark} says: {@link #syncLatency}, {@link #asyncThroughput} and
 * {@link #asyncWindow}.
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
public class RedisRateLimiterBenchmark extends RedisDecisionBenchmark {

    /**
     * The contender: throttle (coalescing, the engine's default), throttle-uncoalesced (a call per decision), bucket4j
     * or floor.
     */
    @Param({"throttle", "throttle-uncoalesced", "bucket4j", "floor"})
    public String target;

    private BenchRedis redis;
    private RedisClient client;

    /** Creates the benchmark; JMH instantiates it. */
    public RedisRateLimiterBenchmark() {
    }

    /** Starts (or finds) the server, builds the contender, and checks that it grants. */
    @Setup(Level.Trial)
    public void start() {
        redis = BenchRedis.start();
        try {
            client = RedisClient.create();
            String prefix = "bench:" + Long.toString(System.currentTimeMillis(), 36) + ":"
                    + Long.toString(ProcessHandle.current().pid(), 36) + ":" + target + ":";
            measure(target, contender(target, client, redis, prefix, keyCount()));
        } catch (RuntimeException | Error failure) {
            stop();
            throw failure;
        }
    }

    /** Closes the contender and the client, and stops the server if this trial started it. */
    @TearDown(Level.Trial)
    public void stop() {
        try {
            closeContender(client);
        } finally {
            client = null;
            if (redis != null) {
                redis.close();
                redis = null;
            }
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
}
