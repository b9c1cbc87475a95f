package dev.throttle.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One contender of {@link RedisRateLimiterBenchmark}: a token bucket in Redis, asked for one permit on one of its
 * keys, synchronously or asynchronously. Every contender enforces the same limit ({@link #CAPACITY} tokens refilled
 * at {@link #RATE_PER_SECOND} per second), which no run drains, so the granted path is what is timed. Keys are given
 * as indexes into names each contender precomputes, so building a key costs nothing in the measured loop.
 */
interface RedisTarget extends AutoCloseable {

    /** The bucket's size: no run takes a billion permits. */
    long CAPACITY = 1_000_000_000L;

    /** The refill rate: far above what one client can ask of one Redis server. */
    long RATE_PER_SECOND = 1_000_000L;

    /** How long a synchronous call or a batch may take before the run fails instead of hanging. */
    Duration TIMEOUT = Duration.ofSeconds(5);

    /**
     * Asks for one permit on a key and waits for the answer.
     *
     * @param key the key's index, in {@code [0, key count)}
     * @return true if granted
     */
    boolean decide(int key);

    /**
     * Sends a request for one permit on a key without waiting.
     *
     * @param key the key's index, in {@code [0, key count)}
     * @return the pending answer; {@link #granted(Object)} reads its value
     */
    CompletableFuture<?> send(int key);

    /**
     * Reads an answer of {@link #send(int)}.
     *
     * @param answer the future's value
     * @return true if it granted the permit
     */
    boolean granted(Object answer);

    /** Releases the contender's connections; the Redis client is the caller's. */
    @Override
    void close();
}
