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
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * A base for benchmarks of rate decisions in Redis, measured two ways on the keys a trial asks for: a subclass builds
 * the contender in its setup ({@link #measure}) and tears it down; JMH runs the two benchmark methods once per
 * subclass, under the subclass's name.
 * <ul>
 *   <li>{@link #syncLatency}: one thread, one call at a time, waiting for each answer: a round trip's latency.</li>
 *   <li>{@link #asyncThroughput}: one thread keeping {@value #IN_FLIGHT} calls in flight (each invocation sends
 *   {@value #IN_FLIGHT} and waits for all): decisions per second through one connection.</li>
 * </ul>
 */
@State(Scope.Benchmark)
public abstract class RedisDecisionBenchmark {

    /** Calls in flight in {@link #asyncThroughput}. */
    static final int IN_FLIGHT = 64;

    /** The key count of {@code keys = 100k}. */
    static final int MANY_KEYS = 100_000;

    /** The keys asked for: hot (one key) or 100k (uniformly drawn from 100 000). */
    @Param({"hot", "100k"})
    public String keys;

    private RedisTarget subject;
    private int keyCount;

    /** For subclasses, which JMH instantiates. */
    protected RedisDecisionBenchmark() {
    }

    /**
     * The number of keys of {@link #keys}.
     *
     * @return 1 or 100 000
     * @throws IllegalArgumentException if {@code keys} is neither {@code hot} nor {@code 100k}
     */
    protected final int keyCount() {
        switch (keys) {
            case "hot":
                return 1;
            case "100k":
                return MANY_KEYS;
            default:
                throw new IllegalArgumentException("keys = " + keys + " is unknown; use hot or 100k");
        }
    }

    /**
     * Sets the contender to measure, after checking that it grants on the first and the last key, synchronously and
     * asynchronously.
     *
     * @param name the contender's name, for the error
     * @param contender the contender, on {@link #keyCount()} keys
     * @throws IllegalStateException if a first decision is refused
     */
    protected final void measure(String name, RedisTarget contender) {
        int count = keyCount();
        if (!contender.decide(0) || !contender.granted(await(contender.send(count - 1)))) {
            throw new IllegalStateException(name + ": a new bucket refused a permit");
        }
        this.subject = contender;
        this.keyCount = count;
    }

    /**
     * Closes the contender set by {@link #measure} (if any), then the client: the first half of a subclass's
     * teardown, before it stops its servers.
     *
     * @param client the trial's client, or null
     */
    protected final void closeContender(RedisClient client) {
        try {
            if (subject != null) {
                subject.close();
            }
        } finally {
            subject = null;
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
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
