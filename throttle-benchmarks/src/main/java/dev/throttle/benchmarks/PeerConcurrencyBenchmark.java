package dev.throttle.benchmarks;

import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.throttle.Concurrency;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.local.LocalEngine;
import dev.throttle.local.limiters.ConcurrencyLimiter;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * A concurrency limiter round trip (take a permit, give it back) of the local engine beside in-process peers, in
 * the same run, on one and two threads. Every limit is 1000, far above the threads, so every request is granted;
 * {@link Outcomes} counts them. Each {@code impl} runs in its own fork. This library runs twice: through a
 * {@code Permit} (tryAcquire, close) and through the allocation-free pair (tryEnter, exit) that has the same shape
 * as the semaphore bulkhead's tryAcquirePermission and onComplete. {@code semaphore} is the floor: a bare
 * {@link Semaphore} (tryAcquire, release), what any bulkhead adds its bookkeeping to. {@code lockedAdds} is the floor
 * under that one: the two atomic read-modify-writes any exact bulkhead makes on shared state per hold (one to take a
 * slot, one to give it back: on x86 two {@code lock}-prefixed instructions), with nothing else, no queue, no check
 * for waiters. On one thread a bulkhead cannot be much faster than this row without giving up exactness or keeping
 * state per thread; on two, where this row's threads bounce the word's cache line on every instruction, a bulkhead
 * whose loser of a race steps aside for a moment can be.
 *
 * <p>Run: {@code java -jar throttle-benchmarks/target/benchmarks.jar PeerConcurrency}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class PeerConcurrencyBenchmark extends RoundTripBenchmark {

    private static final int LIMIT = 1000;

    /** The implementation under test. */
    @Param({"throttle", "throttleTryEnter", "resilience4jSemaphoreBulkhead", "netflixSimpleLimiter", "semaphore",
        "lockedAdds"})
    public String impl;

    /**
     * Permits held by other callers for the whole run, taken in setup: 0, a bulkhead that is empty between round
     * trips; more, a busy one, where a take never finds the count at zero.
     */
    @Param({"0"})
    public int held;

    /** Creates the benchmark; JMH instantiates it. */
    public PeerConcurrencyBenchmark() {
    }

    /** Builds the limiter, takes the held permits, and checks one round trip. */
    @Setup(Level.Trial)
    public void build() {
        if (held < 0 || held > LIMIT / 2) {
            throw new IllegalArgumentException("held = " + held + " is not in [0, " + LIMIT / 2 + "]");
        }
        measure(impl, create(impl, held));
    }

    private static BooleanSupplier create(String impl, int held) {
        switch (impl) {
            case "throttle": {
                Limiter limiter = LocalEngine.create().limiter("peer", Concurrency.of(LIMIT));
                for (int i = 0; i < held; i++) {
                    limiter.tryAcquire(); // never closed: held for the run
                }
                return permitRoundTrip(limiter);
            }
            case "throttleTryEnter": {
                // The allocation-free pair, the same shape as the semaphore bulkhead's below.
                ConcurrencyLimiter limiter =
                        (ConcurrencyLimiter) LocalEngine.create().limiter("peer", Concurrency.of(LIMIT));
                for (int i = 0; i < held; i++) {
                    limiter.tryEnter();
                }
                return () -> {
                    if (!limiter.tryEnter()) {
                        return false;
                    }
                    limiter.exit();
                    return true;
                };
            }
            case "resilience4jSemaphoreBulkhead": {
                Bulkhead bulkhead = Bulkhead.of("peer", BulkheadConfig.custom()
                        .maxConcurrentCalls(LIMIT).maxWaitDuration(Duration.ZERO).build());
                for (int i = 0; i < held; i++) {
                    bulkhead.tryAcquirePermission();
                }
                return () -> {
                    if (!bulkhead.tryAcquirePermission()) {
                        return false;
                    }
                    bulkhead.onComplete();
                    return true;
                };
            }
            case "netflixSimpleLimiter": {
                SimpleLimiter<Void> limiter = SimpleLimiter.newBuilder().limit(FixedLimit.of(LIMIT)).build();
                for (int i = 0; i < held; i++) {
                    limiter.acquire(null); // its listener never completes: held for the run
                }
                return netflixRoundTrip(limiter);
            }
            case "semaphore": {
                Semaphore semaphore = new Semaphore(LIMIT);
                semaphore.acquireUninterruptibly(held);
                return () -> {
                    if (!semaphore.tryAcquire()) {
                        return false;
                    }
                    semaphore.release();
                    return true;
                };
            }
            case "lockedAdds": {
                AtomicLong inUse = new AtomicLong(held);
                return () -> {
                    if (inUse.incrementAndGet() > LIMIT) {
                        inUse.decrementAndGet();
                        return false;
                    }
                    inUse.decrementAndGet();
                    return true;
                };
            }
            default:
                throw new IllegalArgumentException("impl = " + impl + " is unknown");
        }
    }
}
