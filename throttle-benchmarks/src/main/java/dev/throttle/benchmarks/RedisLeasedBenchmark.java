package dev.throttle.benchmarks;

import dev.throttle.Rate;
import dev.throttle.RateLimiter;
import dev.throttle.TokenBucket;
import dev.throttle.redis.RedisEngine;
import io.lettuce.core.RedisClient;
import java.time.Duration;
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
 * Decisions per second on one hot Redis limit from one process: the Redis engine's plain rate limiter (one EVALSHA
 * per decision, {@code plain}) beside its leased rate limiter ({@code leased}: {@value #BATCH} permits taken per round
 * trip and spent in this JVM, each lease living {@value #LIFETIME_MILLIS} ms), both synchronous {@code allow()} calls
 * on the same token bucket, which no run drains ({@link RedisTarget#CAPACITY}, {@link RedisTarget#RATE_PER_SECOND}
 * per second). The goal of the leased mode: a million decisions a second per process.
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar RedisLeased -t 2} (threads as wanted); it
 * starts its own redis-server, or uses {@code REDIS_URL}.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RedisLeasedBenchmark {

    /** Permits per lease. */
    static final long BATCH = 1_000;
    /** How long a lease lives, in ms. */
    static final long LIFETIME_MILLIS = 100;

    /** The limiter: leased or plain. */
    @Param({"leased", "plain"})
    public String mode;

    private BenchRedis redis;
    private RedisClient client;
    private RedisEngine engine;
    private RateLimiter limiter;

    /** Creates the benchmark; JMH instantiates it. */
    public RedisLeasedBenchmark() {
    }

    /** Starts (or finds) the server and builds the limiter. */
    @Setup(Level.Trial)
    public void start() {
        redis = BenchRedis.start();
        client = RedisClient.create();
        String prefix = "bench:" + Long.toString(System.currentTimeMillis(), 36) + ":" + mode + ":";
        engine = RedisEngine.builder(client, redis.uri()).keyPrefix(prefix).commandTimeout(RedisTarget.TIMEOUT)
                .decisionTimeout(RedisTarget.TIMEOUT).build();
        TokenBucket spec = TokenBucket.of(RedisTarget.CAPACITY, Rate.perSecond(RedisTarget.RATE_PER_SECOND));
        limiter = switch (mode) {
            case "leased" -> engine.leasedRateLimiter("hot", spec, BATCH, Duration.ofMillis(LIFETIME_MILLIS));
            case "plain" -> engine.rateLimiter("hot", spec);
            default -> throw new IllegalArgumentException("mode = " + mode + " is unknown; use leased or plain");
        };
        if (!limiter.allow(1)) {
            throw new IllegalStateException(mode + ": a new bucket refused a permit");
        }
    }

    /** Closes the engine (giving its lease back) and the client, and stops the server if this trial started it. */
    @TearDown(Level.Trial)
    public void stop() {
        try {
            if (engine != null) {
                engine.close();
            }
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    /**
     * One decision.
     *
     * @param outcomes this thread's counts (a refusal means the bucket drained: the run is void)
     * @return the decision, consumed by JMH
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public boolean allow(Outcomes outcomes) {
        return outcomes.record(limiter.allow(1));
    }
}
