package dev.throttle.benchmarks;

import io.lettuce.core.RedisClient;
import java.time.Duration;
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
 * The cost of {@code RedisEngine.Builder.replicaAcknowledgement}: the Redis engine's rate decisions on a master with
 * one replica ({@code --replicaof}, both {@code redis-server}s from the PATH started for the trial, whatever
 * {@code REDIS_URL} says), without the option ({@code throttle}) and with it, one replica acknowledging within 1 s
 * ({@code throttle-acknowledged}: every script call followed by {@code WAIT 1 1000}). Same limits, keys and
 * measurements as {@link RedisRateLimiterBenchmark}: one token bucket no run drains; {@code hot} one key,
 * {@code 100k} a key drawn uniformly from 100 000; coalescing on (the default) for both.
 * Measured as {@link RedisDecisionBenchmark} says: {@link #syncLatency} is a round trip plus the WAIT's;
 * {@link #asyncThroughput} and {@link #asyncWindow}, coalesced calls each followed by its WAIT (a steady stream
 * writes more calls, and Redis answers nothing on the connection after a WAIT until the replica acknowledges).
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar RedisReplicaAck}.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RedisReplicaAckBenchmark extends RedisDecisionBenchmark {

    /** The WAIT's timeout: far above a loopback replica's acknowledgement, so no decision meets it. */
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(1);

    /** Without the option (throttle) or with one replica's acknowledgement (throttle-acknowledged). */
    @Param({"throttle", "throttle-acknowledged"})
    public String target;

    private BenchRedis[] redis;
    private RedisClient client;

    /** Creates the benchmark; JMH instantiates it. */
    public RedisReplicaAckBenchmark() {
    }

    /** Starts the master and its replica, builds the engine, and checks that it grants. */
    @Setup(Level.Trial)
    public void start() {
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
            measure(target, new ThrottleTarget(client, redis[0].uri(), prefix, keyCount(),
                    builder -> acknowledged ? builder.replicaAcknowledgement(1, ACK_TIMEOUT) : builder));
        } catch (RuntimeException | Error failure) {
            stop();
            throw failure;
        }
    }

    /** Closes the engine and the client, and stops both servers. */
    @TearDown(Level.Trial)
    public void stop() {
        try {
            closeContender(client);
        } finally {
            client = null;
            if (redis != null) {
                redis[1].close();
                redis[0].close();
                redis = null;
            }
        }
    }
}
