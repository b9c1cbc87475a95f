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
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * A base for benchmarks of rate decisions in Redis, measured three ways on the keys a trial asks for: a subclass
 * builds the contender in its setup ({@link #measure}) and tears it down; JMH runs the three benchmark methods once per
 * subclass, under the subclass's name.
 * <ul>
 *   <li>{@link #syncLatency}: one thread, one call at a time, waiting for each answer: a round trip's latency.</li>
 *   <li>{@link #asyncThroughput}: one thread sending bursts of {@value #IN_FLIGHT} calls (each invocation sends
 *   {@value #IN_FLIGHT} and waits for all): decisions per second through one connection.</li>
 *   <li>{@link #asyncWindow}: one thread keeping {@value #IN_FLIGHT} calls in flight all the time (each invocation
 *   waits for the oldest answer and sends a call in its place): decisions per second under a steady stream, where the
 *   server never waits for the client between bursts.</li>
 * </ul>
 */
@State(Scope.Benchmark)
public abstract class RedisDecisionBenchmark {

    /** Calls in flight in {@link #asyncThroughput} and {@link #asyncWindow}. */
    static final int IN_FLIGHT = 64;

    /** The key count of {@code keys = 100k}. */
    static final int MANY_KEYS = 100_000;

    /** The keys asked for: hot (one key) or 100k (uniformly drawn from 100 000). */
    @Param({"hot", "100k"})
    public String keys;

    private RedisTarget subject;
    private int keyCount;
    /** {@link #asyncWindow}'s decisions in flight, null between iterations. */
    private CompletableFuture<?>[] window;
    /** The index in {@link #window} of the oldest decision. */
    private int oldest;

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

    /**
     * Keeps {@value #IN_FLIGHT} decisions in flight: waits for the oldest one's answer, then sends a new decision in its
     * place. Unlike {@link #asyncThroughput}, whose bursts drain to nothing before the next starts, the window never
     * empties, as under a steady stream of requests: the client can send while the server decides.
     *
     * @param outcomes this thread's counts
     * @return the decision answered, consumed by JMH
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Threads(1)
    public boolean asyncWindow(Outcomes outcomes) {
        CompletableFuture<?>[] inFlight = window;
        if (inFlight == null) {
            inFlight = new CompletableFuture<?>[IN_FLIGHT];
            for (int i = 0; i < IN_FLIGHT; i++) {
                inFlight[i] = subject.send(nextKey());
            }
            window = inFlight;
            oldest = 0;
        }
        int at = oldest;
        boolean granted = outcomes.record(subject.granted(await(inFlight[at])));
        inFlight[at] = subject.send(nextKey());
        oldest = at + 1 == IN_FLIGHT ? 0 : at + 1;
        return granted;
    }

    /** Waits for the decisions {@link #asyncWindow} left in flight, so that an iteration's calls end with it. */
    @TearDown(Level.Iteration)
    public void drainWindow() {
        CompletableFuture<?>[] inFlight = window;
        window = null;
        if (inFlight != null) {
            for (CompletableFuture<?> answer : inFlight) {
                await(answer);
            }
        }
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
