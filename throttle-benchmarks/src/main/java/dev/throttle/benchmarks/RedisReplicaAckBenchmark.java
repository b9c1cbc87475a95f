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
 * The cost of {@code RedisEngine.Builder.replicaAcknowledgement}: the Redis engine's rate decisions on a master with
 * one replica ({@code --replicaof}, both {@code redis-server}s from the PATH started for the trial, whatever
 * {@code REDIS_URL} says), without the option ({@code throttle}) and with it, one replica acknowledging within 1 s
 * ({@code throttle-acknowledged}: every script call followed by {@code WAIT 1 1000}). Same limits, keys and
 * measurements as {@link RedisRateLimiterBenchmark}: one token bucket no run drains; {@code hot} one key,
 * {@code 100k} a key drawn uniformly from 100 000; coalescing on (the default) for both.
 *
 * <ul>
 *   <li>{@link #syncLatency}: one thread, one decision at a time: a round trip, plus the WAIT's.</li>
 *   <li>{@link #asyncThroughput}: 64 decisions in flight: coalesced calls, each followed by its WAIT.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar RedisReplicaAck}.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RedisReplicaAckBenchmark {

    /** The WAIT's timeout: far above a loopback replica's acknowledgement, so no decision meets it. */
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(1);

    /** Without the option (throttle) or with one replica's acknowledgement (throttle-acknowledged). */
    @Param({"throttle", "throttle-acknowledged"})
    public String target;

    /** The keys asked for: hot (one key) or 100k (uniformly drawn from 100 000). */
    @Param({"hot", "100k"})
    public String keys;

    private BenchRedis[] redis;
    private RedisClient client;
    private ThrottleTarget subject;
    private int keyCount;

    /** Creates the benchmark; JMH instantiates it. */
    public RedisReplicaAckBenchmark() {
    }

    /** Starts the master and its replica, builds the engine, and checks that it grants. */
    @Setup(Level.Trial)
    public void start() {
        keyCount = "hot".equals(keys) ? 1 : 100_000;
        redis = BenchRedis.startWithReplica();
        try {
            client = RedisClient.create();
            String prefix = "bench:" + Long.toString(System.currentTimeMillis(), 36) + ":" + target + ":";
            boolean acknowledged;
            switch (target) {
                case "throttle":
                    acknowledged = false;
                    break;
                case "throttle-acknowledged":
                    acknowledged = true;
                    break;
                default:
                    throw new IllegalArgumentException("target = " + target + " is unknown; use throttle or"
                            + " throttle-acknowledged");
            }
            subject = new ThrottleTarget(client, redis[0].uri(), prefix, keyCount,
                    builder -> acknowledged ? builder.replicaAcknowledgement(1, ACK_TIMEOUT) : builder);
            if (!subject.decide(0) || !subject.granted(await(subject.send(keyCount - 1)))) {
                throw new IllegalStateException(target + ": a new bucket refused a permit");
            }
        } catch (RuntimeException | Error failure) {
            stop();
            throw failure;
        }
    }

    /** Closes the engine and the client, and stops both servers. */
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
                redis[1].close();
                redis[0].close();
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
     * Sends {@value RedisRateLimiterBenchmark#IN_FLIGHT} decisions without waiting, then waits for them all.
     *
     * @param outcomes this thread's counts
     * @return the number granted, consumed by JMH
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(RedisRateLimiterBenchmark.IN_FLIGHT)
    @Threads(1)
    public int asyncThroughput(Outcomes outcomes) {
        CompletableFuture<?>[] pending = new CompletableFuture<?>[RedisRateLimiterBenchmark.IN_FLIGHT];
        for (int i = 0; i < pending.length; i++) {
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
