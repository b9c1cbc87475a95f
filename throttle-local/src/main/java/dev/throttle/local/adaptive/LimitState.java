package dev.throttle.local.adaptive;

/**
 * An immutable snapshot of a {@link LimitAlgorithm}'s state: the current limit and whatever the algorithm remembers
 * (latency averages, a window of samples, slow start). A limiter swaps it by compare-and-set for the result of
 * {@link #onSample}, so an implementation must not mutate itself or anything shared.
 */
public interface LimitState {

    /**
     * The concurrency limit to enforce now.
     *
     * @return between the algorithm's {@link LimitAlgorithm#minLimit()} and {@link LimitAlgorithm#maxLimit()}
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
    LimitState onSample(long nowNanos, long startNanos, long rttNanos, long inFlight, boolean dropped);

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
