package dev.throttle.redis;

import dev.throttle.AllOf;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecVisitor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scales a spec to a share of its limit, for a fallback limiter that enforces one JVM's part of a fleet's limit: a
 * rate spec, a concurrency spec, or an all-of composite (each part scaled). Counts are rounded down (a share never
 * loosens the limit) but kept at least 1 so the fallback can grant; a rate that would fall below one permit per period
 * keeps one permit over a proportionally longer period.
 */
final class SpecScaler extends SpecVisitor<LimitSpec> {

    private final double share;

    private SpecScaler(double share) {
        super("a spec a fallback can scale");
        this.share = share;
    }

    /**
     * The spec scaled to {@code share}.
     *
     * @throws IllegalArgumentException if the spec cannot be scaled (client-side throttling, which the Redis engine
     *     does not enforce), or the scaled spec is out of the specs' range
     */
    static LimitSpec scale(LimitSpec spec, double share) {
        if (share == 1.0) {
            return spec;
        }
        return spec.accept(new SpecScaler(share));
    }

    @Override
    protected LimitSpec unsupported(LimitSpec spec) {
        throw new IllegalArgumentException("spec = " + spec + " cannot be scaled for a fallback: not a rate,"
                + " concurrency or all-of spec");
    }

    /** The same queue bound and order: only the permits held at once are this JVM's share. */
    @Override
    public LimitSpec concurrency(Concurrency spec) {
        return new Concurrency(count(spec.limit(), share), spec.maxQueue(), spec.order());
    }

    @Override
    public LimitSpec fixedWindow(FixedWindow spec) {
        return FixedWindow.of(count(spec.limit(), share), spec.window());
    }

    @Override
    public LimitSpec slidingWindow(SlidingWindow spec) {
        return SlidingWindow.of(count(spec.limit(), share), spec.window());
    }

    @Override
    public LimitSpec slidingLog(SlidingLog spec) {
        return SlidingLog.of(count(spec.limit(), share), spec.window());
    }

    @Override
    public LimitSpec tokenBucket(TokenBucket spec) {
        return TokenBucket.of(count(spec.capacity(), share), rate(spec.refill(), share));
    }

    @Override
    public LimitSpec leakyBucket(LeakyBucket spec) {
        if (spec.mode() == LeakyBucket.Mode.SHAPING) {
            // The queue's length follows from the delay and the (slower) outflow.
            return LeakyBucket.shaping(rate(spec.outflow(), share), spec.maxDelay());
        }
        return LeakyBucket.meter(count(spec.capacity(), share), rate(spec.outflow(), share));
    }

    /** Every part scaled, keeping its name and whether it is per key. */
    @Override
    public LimitSpec allOf(AllOf spec) {
        List<AllOf.Part> parts = new ArrayList<>(spec.parts().size());
        for (AllOf.Part part : spec.parts()) {
            parts.add(new AllOf.Part(part.name(), part.spec().accept(this), part.perKey()));
        }
        return new AllOf(parts);
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
