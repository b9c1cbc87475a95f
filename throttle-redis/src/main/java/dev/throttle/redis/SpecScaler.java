package dev.throttle.redis;

import dev.throttle.Arguments;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.time.Duration;

/**
 * Scales a rate spec (or a concurrency spec) to a share of its limit, for a fallback limiter that enforces one JVM's part of a fleet's
 * limit. Counts are rounded down (a share never loosens the limit) but kept at least 1 so the fallback can grant; a
 * rate that would fall below one permit per period keeps one permit over a proportionally longer period.
 */
final class SpecScaler {

    private SpecScaler() {
    }

    /**
     * The spec scaled to {@code share}.
     *
     * @throws IllegalArgumentException if the spec is not a rate spec, or the scaled spec is out of the specs' range
     */
    static LimitSpec scale(LimitSpec spec, double share) {
        if (share == 1.0) {
            return spec;
        }
        if (spec instanceof Concurrency concurrency) {
            // The same queue bound and order: only the permits held at once are this JVM's share.
            return new Concurrency(count(concurrency.limit(), share), concurrency.maxQueue(), concurrency.order());
        }
        if (spec instanceof FixedWindow fixed) {
            return FixedWindow.of(count(fixed.limit(), share), fixed.window());
        }
        if (spec instanceof SlidingWindow sliding) {
            return SlidingWindow.of(count(sliding.limit(), share), sliding.window());
        }
        if (spec instanceof SlidingLog log) {
            return SlidingLog.of(count(log.limit(), share), log.window());
        }
        if (spec instanceof TokenBucket bucket) {
            return TokenBucket.of(count(bucket.capacity(), share), rate(bucket.refill(), share));
        }
        if (spec instanceof LeakyBucket bucket) {
            if (bucket.mode() == LeakyBucket.Mode.SHAPING) {
                // The queue's length follows from the delay and the (slower) outflow.
                return LeakyBucket.shaping(rate(bucket.outflow(), share), bucket.maxDelay());
            }
            return LeakyBucket.meter(count(bucket.capacity(), share), rate(bucket.outflow(), share));
        }
        throw new IllegalArgumentException("spec = " + spec + " cannot be scaled for a fallback: not a rate spec");
    }

    /** {@code floor(n · share)}, at least 1. */
    static long count(long n, double share) {
        return Math.max(1L, (long) Math.floor(n * share));
    }

    /** The rate times {@code share}: fewer permits per period, or one permit per longer period. */
    static Rate rate(Rate rate, double share) {
        double scaled = rate.permits() * share;
        if (scaled >= 1.0) {
            return Rate.of((long) Math.floor(scaled), rate.period());
        }
        // One permit per period / scaled, rounded up so the rate is never exceeded.
        double periodNanos = Math.ceil(rate.period().toNanos() / scaled);
        long nanos = periodNanos >= Arguments.MAX_DURATION_NANOS
                ? Arguments.MAX_DURATION_NANOS
                : (long) periodNanos;
        return Rate.of(1L, Duration.ofNanos(nanos));
    }
}
