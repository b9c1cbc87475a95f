package dev.throttle.local.limiters;

import dev.throttle.LimitSpec;

/**
 * A local limiter whose limit can change while it runs, for health-driven throttling. Token and leaky buckets, fixed
 * and sliding window counters and concurrency limiters are reconfigurable; a sliding log is not (its memory is sized
 * by its limit). Use {@link dev.throttle.local.LocalEngine#reconfigure(dev.throttle.Limiter, LimitSpec)} to change any limiter of the
 * engine without casting.
 */
public interface Reconfigurable {

    /**
     * Changes the parameters live. The state carries over (permits granted stay counted); the new parameters apply
     * from the next decision. Each implementation documents how its state carries over.
     *
     * @param spec the new spec, of the same algorithm
     * @throws IllegalArgumentException if the spec is null or of another algorithm, or changes what cannot change
     *     live (a concurrency limiter's queue order)
     */
    void reconfigure(LimitSpec spec);
}
