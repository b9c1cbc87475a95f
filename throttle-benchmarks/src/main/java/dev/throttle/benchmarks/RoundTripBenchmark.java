package dev.throttle.benchmarks;

import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * A base for benchmarks of one concurrency round trip (take a permit, end it) on one and two threads: a subclass
 * chooses the implementation under test in its setup ({@link #measure}); JMH runs the two benchmark methods once per
 * subclass, under the subclass's name.
 */
@State(Scope.Benchmark)
public abstract class RoundTripBenchmark {

    private BooleanSupplier roundTrip;

    /** For subclasses, which JMH instantiates. */
    protected RoundTripBenchmark() {
    }

    /**
     * Sets the round trip to measure, after checking that it is granted once.
     *
     * @param impl the implementation's name, for the error
     * @param roundTrip takes a permit, ends it, and tells whether it was granted
     * @throws IllegalStateException if the first round trip is refused
     */
    protected final void measure(String impl, BooleanSupplier roundTrip) {
        if (!roundTrip.getAsBoolean()) {
            throw new IllegalStateException(impl + ": a new limiter refused a permit");
        }
        this.roundTrip = roundTrip;
    }

    /**
     * A round trip through this library's {@link Permit}: try-with-resources ends it.
     *
     * @param limiter the limiter
     * @return the round trip
     */
    protected static BooleanSupplier permitRoundTrip(Limiter limiter) {
        return () -> {
            try (Permit permit = limiter.tryAcquire()) {
                return permit.granted();
            }
        };
    }

    /**
     * A round trip through Netflix concurrency-limits: the listener's success ends it.
     *
     * @param limiter the limiter
     * @return the round trip
     */
    protected static BooleanSupplier netflixRoundTrip(SimpleLimiter<Void> limiter) {
        return () -> {
            Optional<com.netflix.concurrency.limits.Limiter.Listener> listener = limiter.acquire(null);
            if (listener.isEmpty()) {
                return false;
            }
            listener.get().onSuccess();
            return true;
        };
    }

    /**
     * Takes a permit and ends it, one thread.
     *
     * @param outcomes this thread's counts
     * @return whether it was granted, consumed by JMH
     */
    @Benchmark
    @Threads(1)
    public boolean roundTrip(Outcomes outcomes) {
        return outcomes.record(roundTrip.getAsBoolean());
    }

    /**
     * The same, two threads sharing the limiter.
     *
     * @param outcomes this thread's counts
     * @return whether it was granted, consumed by JMH
     */
    @Benchmark
    @Threads(2)
    public boolean roundTripTwoThreads(Outcomes outcomes) {
        return outcomes.record(roundTrip.getAsBoolean());
    }
}
