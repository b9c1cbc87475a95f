package dev.throttle.local.adaptive;

import dev.throttle.Concurrency;
import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;
import dev.throttle.Permit;
import dev.throttle.Scheduler;
import dev.throttle.Ticker;
import dev.throttle.kernel.Acquisition;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.RefusedPermit;
import dev.throttle.kernel.SpecText;
import dev.throttle.local.limiters.ConcurrencyLimiter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A concurrency limit that learns: a bulkhead ({@link ConcurrencyLimiter}, with its bounded FIFO, LIFO or priority
 * queue and timeouts) whose limit a {@link LimitAlgorithm} moves after every permit, from the permit's latency
 * (grant to {@link Permit#close()}, on the limiter's {@link Ticker}), the in-flight count at its grant, and whether
 * it ended with {@link Permit#dropped()} (overload).
 *
 * <pre>{@code
 * AdaptiveConcurrencyLimiter limiter = AdaptiveConcurrencyLimiter.builder("backend", VegasAlgorithm.builder().build())
 *         .queue(100, Concurrency.QueueOrder.PRIORITY)
 *         .build();
 * try (Permit permit = limiter.acquire(1, Duration.ofMillis(50), priority)) {
 *     if (permit.granted()) { call(); }   // on a timeout or a 503: permit.dropped()
 * }
 * }</pre>
 *
 * <p>Lock-free: the algorithm's state is one immutable object swapped by compare-and-set for its successor, once
 * per sample; whoever changes the limit then publishes it to the bulkhead and re-checks that no newer state
 * appeared meanwhile, so the bulkhead always ends on the latest limit. Lowering the limit takes nothing back: permits
 * in flight drain as they end, and only new grants see the lower limit.
 *
 * <p>A request may ask for at most {@link LimitAlgorithm#minLimit()} permits, the lowest limit the algorithm can
 * set: a request valid when checked then always fits the limit, however it moved meanwhile.
 */
public final class AdaptiveConcurrencyLimiter implements Limiter, ConcurrencyStats {

    private final String name;
    private final Ticker ticker;
    private final LimitAlgorithm algorithm;
    private final ConcurrencyLimiter bulkhead;
    private final int maxQueue;
    private final Concurrency.QueueOrder order;
    private final AtomicReference<LimitAlgorithm.State> state;

    private AdaptiveConcurrencyLimiter(Builder builder) {
        this.name = builder.name;
        this.ticker = builder.ticker;
        this.algorithm = builder.algorithm;
        this.maxQueue = builder.maxQueue;
        this.order = builder.order;
        LimitAlgorithm.State first = algorithm.start(ticker.read());
        this.state = new AtomicReference<>(first);
        // The bulkhead's permits are this limiter's: each one's end is a sample, with no second object per grant.
        this.bulkhead = new ConcurrencyLimiter(name, spec(first.limit()), ticker, builder.scheduler, this::record);
    }

    /**
     * A builder for a limiter with the given name and algorithm (defaults: system ticker, shared scheduler, no
     * queue).
     *
     * @param name the limiter's name, not empty
     * @param algorithm how the limit moves
     * @return a new builder
     * @throws IllegalArgumentException if the name is null or empty, or the algorithm null
     */
    public static Builder builder(String name, LimitAlgorithm algorithm) {
        return new Builder(name, algorithm);
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * The bulkhead spec in force now: the current limit, the queue bound and order.
     *
     * @return the spec; its limit moves
     */
    @Override
    public Concurrency spec() {
        return bulkhead.spec();
    }

    /**
     * Takes permits if they are free and nobody waits for them; never waits.
     *
     * @param permits how many, from 1 to the algorithm's {@link LimitAlgorithm#minLimit()}
     * @return the decision; a refusal's retry time is 1 ns, meaning "when a permit is released"
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    @Override
    public Permit tryAcquire(long permits) {
        Arguments.requirePermits(permits, algorithm.minLimit());
        return bulkhead.tryAcquire(permits);
    }

    @Override
    public Permit acquire(long permits, Duration maxWait) {
        return acquire(permits, maxWait, 0);
    }

    /**
     * Asks for permits, waiting up to {@code maxWait} in the queue at a given priority (see
     * {@link ConcurrencyLimiter#acquire(long, Duration, int)}). The latency of a permit is counted from its grant, so
     * time spent queueing here does not count as the backend's.
     *
     * @param permits how many, from 1 to the algorithm's {@link LimitAlgorithm#minLimit()}
     * @param maxWait how long to wait at most; zero means do not wait
     * @param priority the waiter's priority, higher served first; only the {@code PRIORITY} order uses it
     * @return the decision
     * @throws IllegalArgumentException if {@code permits} is out of range, or {@code maxWait} null, negative or longer
     *     than {@link dev.throttle.LimitSpec#MAX_DURATION}
     */
    public Permit acquire(long permits, Duration maxWait, int priority) {
        return Acquisition.await(acquireAsync(permits, maxWait, priority),
                () -> RefusedPermit.untilReleased(name, permits, bulkhead.availablePermits(), bulkhead.limit()));
    }

    @Override
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait) {
        return acquireAsync(permits, maxWait, 0);
    }

    /**
     * Asks for permits, queueing at a given priority if they are not free; no thread is parked while waiting.
     * Cancelling the future withdraws the request; a permit granted to a cancelled future is given back without
     * counting as a sample.
     *
     * @param permits how many, from 1 to the algorithm's {@link LimitAlgorithm#minLimit()}
     * @param maxWait how long to wait at most; zero means do not wait
     * @param priority the waiter's priority, higher served first; only the {@code PRIORITY} order uses it
     * @return a future decision; it never completes exceptionally except when cancelled
     * @throws IllegalArgumentException if {@code permits} is out of range, or {@code maxWait} null, negative or longer
     *     than {@link dev.throttle.LimitSpec#MAX_DURATION}
     */
    public CompletableFuture<Permit> acquireAsync(long permits, Duration maxWait, int priority) {
        Arguments.requirePermits(permits, algorithm.minLimit());
        return bulkhead.acquireAsync(permits, maxWait, priority);
    }

    @Override
    public long availablePermits() {
        return bulkhead.availablePermits();
    }

    /**
     * The limit in force now.
     *
     * @return between the algorithm's minimum and maximum
     */
    @Override
    public long limit() {
        return bulkhead.limit();
    }

    @Override
    public long inFlight() {
        return bulkhead.inFlight();
    }

    @Override
    public int queueLength() {
        return bulkhead.queueLength();
    }

    /**
     * The algorithm's current state, for metrics and tests.
     *
     * @return the state; its limit is the one published to the bulkhead, or about to be
     */
    public LimitAlgorithm.State limitState() {
        return state.get();
    }

    /**
     * The algorithm moving the limit.
     *
     * @return the algorithm
     */
    public LimitAlgorithm algorithm() {
        return algorithm;
    }

    /** Applies one permit's outcome; called once per granted permit that ended (not one withdrawn). */
    private void record(long startNanos, long inFlight, boolean dropped) {
        long now = ticker.read();
        long rtt = Math.max(1L, now - startNanos);
        for (;;) {
            LimitAlgorithm.State current = state.get();
            LimitAlgorithm.State next = current.onSample(now, startNanos, rtt, inFlight, dropped);
            if (next == current) {
                return;
            }
            if (state.compareAndSet(current, next)) {
                if (next.limit() != current.limit()) {
                    publish();
                }
                return;
            }
        }
    }

    /**
     * Makes the bulkhead enforce the latest state's limit. Racing publishers may write an older limit after a newer
     * one; each re-reads the state after writing and writes again if it changed, and the publisher of the newest
     * state is the last to find it unchanged, so the bulkhead ends on the newest limit.
     */
    private void publish() {
        for (;;) {
            LimitAlgorithm.State current = state.get();
            int limit = current.limit();
            if (bulkhead.limit() != limit) {
                bulkhead.reconfigure(spec(limit));
            }
            if (state.get() == current) {
                return;
            }
        }
    }

    private Concurrency spec(int limit) {
        return new Concurrency(limit, maxQueue, order);
    }

    /**
     * The limiter for logs: its name, its limit now within its bounds, the algorithm moving it, and the permits held
     * and requests waiting, for example {@code Limiter[api: adaptive concurrency 20 in [1, 200] by Vegas; 3 in use, 0
     * waiting]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Limiter[" + name + ": adaptive concurrency " + limit() + " in [" + algorithm.minLimit() + ", "
                + algorithm.maxLimit() + "] by " + algorithmName(algorithm)
                + (maxQueue == 0 ? "" : ", " + SpecText.queue(spec())) + "; " + inFlight() + " in use, "
                + queueLength() + " waiting]";
    }

    /** The algorithm's short name: {@code Vegas} for a {@code VegasAlgorithm}, its class's name for another. */
    private static String algorithmName(LimitAlgorithm algorithm) {
        String name = algorithm.getClass().getSimpleName();
        if (name.isEmpty()) {
            return "a custom algorithm"; // anonymous
        }
        return name.endsWith("Algorithm") && name.length() > "Algorithm".length()
                ? name.substring(0, name.length() - "Algorithm".length()) : name;
    }

    /** Builds an {@link AdaptiveConcurrencyLimiter}. */
    public static final class Builder {
        private final String name;
        private final LimitAlgorithm algorithm;
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler = Scheduler.shared();
        private int maxQueue;
        private Concurrency.QueueOrder order = Concurrency.QueueOrder.FIFO;

        private Builder(String name, LimitAlgorithm algorithm) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("name must not be null or empty");
            }
            this.name = name;
            this.algorithm = Arguments.requireNonNull("algorithm", algorithm);
        }

        /**
         * Sets the clock that times permits (default {@link Ticker#system()}).
         *
         * @param ticker the ticker
         * @return this builder
         * @throws IllegalArgumentException if it is null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Arguments.requireNonNull("ticker", ticker);
            return this;
        }

        /**
         * Sets the scheduler the waiters' timeouts run on (default {@link Scheduler#shared()}).
         *
         * @param scheduler the scheduler
         * @return this builder
         * @throws IllegalArgumentException if it is null
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Arguments.requireNonNull("scheduler", scheduler);
            return this;
        }

        /**
         * Sets the wait queue (default: none).
         *
         * @param maxQueue the most requests waiting at once, 0 or more
         * @param order the order they are served in
         * @return this builder
         * @throws IllegalArgumentException if {@code maxQueue} is negative or {@code order} null
         */
        public Builder queue(int maxQueue, Concurrency.QueueOrder order) {
            this.maxQueue = (int) Arguments.requireInRange("maxQueue", maxQueue, 0, Integer.MAX_VALUE);
            this.order = Arguments.requireNonNull("order", order);
            return this;
        }

        /**
         * Builds the limiter; its limit starts at the algorithm's first state.
         *
         * @return the limiter
         */
        public AdaptiveConcurrencyLimiter build() {
            return new AdaptiveConcurrencyLimiter(this);
        }
    }
}
