package dev.throttle.local.adaptive;

/**
 * How an {@link AdaptiveConcurrencyLimiter} moves its limit: immutable settings that make the first
 * {@link LimitState}; each state then computes its successor from one permit's outcome. Built in: {@link AimdAlgorithm}
 * (loss and timeout driven), {@link VegasAlgorithm} (queue estimate against the no-load latency) and
 * {@link GradientAlgorithm} (ratio of a long to a short latency average).
 *
 * <p>Since states are immutable and their update is a pure function, the limiter applies samples with one
 * compare-and-set on the current state, without locks; an update may be computed more than once under contention,
 * so it must have no side effect other than drawing random numbers.
 */
public interface LimitAlgorithm {

    /**
     * The state of a limiter created now.
     *
     * @param nowNanos the limiter's clock, for algorithms that schedule re-measurements
     * @return the first state, whose limit is the algorithm's initial limit
     */
    LimitState start(long nowNanos);

    /**
     * The lowest limit the algorithm ever sets, including any temporary limit while it re-measures the no-load
     * latency. A limiter grants at most this many permits to one request, so that a request valid when checked can
     * never exceed a limit lowered meanwhile.
     *
     * @return one or more
     */
    int minLimit();

    /**
     * The highest limit the algorithm ever sets.
     *
     * @return at least {@link #minLimit()}
     */
    int maxLimit();
}
