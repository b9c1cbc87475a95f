package dev.throttle.local.adaptive;

/**
 * How an {@link AdaptiveConcurrencyLimiter} moves its limit: immutable settings that make the first
 * {@link State}; each state then computes its successor from one permit's outcome. Built in: {@link AimdAlgorithm}
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
    State start(long nowNanos);

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

    /**
     * An immutable snapshot of an algorithm's state: the current limit and whatever the algorithm remembers
     * (latency averages, a window of samples, slow start). A limiter swaps it by compare-and-set for the result of
     * {@link #onSample}, so an implementation must not mutate itself or anything shared.
     */
    interface State {

        /**
         * The concurrency limit to enforce now.
         *
         * @return between the algorithm's {@link #minLimit()} and {@link #maxLimit()}
         */
        int limit();

        /**
         * The state after one permit ended. Called once per granted permit, when it is closed or dropped.
         *
         * @param nowNanos the limiter's clock when the permit ended
         * @param startNanos the limiter's clock when the permit was granted
         * @param rttNanos {@code nowNanos - startNanos}, at least 1
         * @param inFlight the permits held right after this one was granted, itself included
         * @param dropped whether the permit ended with {@link dev.throttle.Permit#dropped()} (overload) rather than
         *     {@link dev.throttle.Permit#close()}
         * @return the next state, or {@code this} when nothing changes (which spares the limiter a compare-and-set)
         */
        State onSample(long nowNanos, long startNanos, long rttNanos, long inFlight, boolean dropped);

        /**
         * Tells whether the limit is lowered for a while to re-measure the no-load latency (as Envoy's gradient
         * controller does), rather than being the algorithm's estimate.
         *
         * @return false unless re-measuring
         */
        default boolean measuringNoLoad() {
            return false;
        }
    }
}
