package dev.throttle.redis;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.util.function.UnaryOperator;

/**
 * How one limiter asks Redis: its script, its keys (all under one hash tag) and its parameters in clock units,
 * computed once when the limiter is made.
 *
 * @param script the algorithm's script
 * @param keys the keys the script touches
 * @param params the algorithm's parameters ({@code ARGV[8...]})
 * @param reserves whether the algorithm reserves future slots (the buckets), so a refusal already means no slot
 *     within the caller's wait exists and is not retried
 */
record Plan(Script script, String[] keys, String[] params, boolean reserves) {

    /**
     * The plan of a spec.
     *
     * @throws IllegalArgumentException if the spec is not a rate spec, or its numbers in clock units leave the range
     *     the scripts compute exactly
     */
    static Plan of(String prefix, String name, LimitSpec spec, Timebase time) {
        return of(suffix -> Keys.key(prefix, name, suffix), spec, time);
    }

    /**
     * The plan of a rate spec whose keys are named by {@code key} from their suffixes (a composite's parts live
     * under the composite's hash tag).
     *
     * @throws IllegalArgumentException as {@link #of(String, String, LimitSpec, Timebase)}
     */
    static Plan of(UnaryOperator<String> key, LimitSpec spec, Timebase time) {
        if (spec instanceof TokenBucket bucket) {
            return gcra(key, spec, bucket.capacity(), bucket.refill().intervalNanos(), false, 0L, time);
        }
        if (spec instanceof LeakyBucket bucket) {
            boolean shaping = bucket.mode() == LeakyBucket.Mode.SHAPING;
            return gcra(key, spec, bucket.capacity(), bucket.outflow().intervalNanos(), shaping,
                    bucket.maxDelay().toNanos(), time);
        }
        if (spec instanceof FixedWindow fixed) {
            long window = exact(spec, time.periodUnits(fixed.window().toNanos()), 1L);
            return new Plan(Script.FIXED_WINDOW, new String[] {key.apply(":fw")},
                    new String[] {Long.toString(fixed.limit()), Long.toString(window)}, false);
        }
        if (spec instanceof SlidingWindow sliding) {
            // The script multiplies a count (at most the limit) by a span of at most one window.
            long window = exact(spec, time.periodUnits(sliding.window().toNanos()), sliding.limit());
            return new Plan(Script.SLIDING_WINDOW, new String[] {key.apply(":sw")},
                    new String[] {Long.toString(sliding.limit()), Long.toString(window)}, false);
        }
        if (spec instanceof SlidingLog log) {
            long window = exact(spec, time.periodUnits(log.window().toNanos()), 1L);
            return new Plan(Script.SLIDING_LOG,
                    new String[] {key.apply(":sl"), key.apply(":sl:seq")},
                    new String[] {Long.toString(log.limit()), Long.toString(window)}, false);
        }
        throw new IllegalArgumentException("spec = " + spec + " is not supported by the Redis engine");
    }

    /**
     * The plan of a concurrency limit with leases: its parameters are the limit and the lease TTL in clock units;
     * the lease id of each request follows them in ARGV.
     *
     * @throws IllegalArgumentException if the TTL in clock units leaves the scripts' exact range
     */
    static Plan concurrency(UnaryOperator<String> key, Concurrency spec, long leaseTtlNanos, Timebase time) {
        long ttl = time.periodUnits(leaseTtlNanos);
        if (ttl > Timebase.MAX_EXACT) {
            throw new IllegalArgumentException("leaseTtl = " + leaseTtlNanos + "ns is out of range for the Redis"
                    + " engine: allowed range is [1, " + Timebase.MAX_EXACT + "] clock units");
        }
        return new Plan(Script.CONCURRENCY, new String[] {key.apply(":cc"), key.apply(":cc:n")},
                new String[] {Long.toString(spec.limit()), Long.toString(ttl)}, false);
    }

    private static Plan gcra(UnaryOperator<String> key, LimitSpec spec, long capacity, long intervalNanos,
            boolean shaping, long maxDelayNanos, Timebase time) {
        long interval = time.periodUnits(intervalNanos);
        long tolerance = exact(spec, interval, capacity) * capacity;
        long queueDelay = time.waitUnits(maxDelayNanos);
        return new Plan(Script.GCRA, new String[] {key.apply(":gcra")},
                new String[] {Long.toString(interval), Long.toString(tolerance), shaping ? "1" : "0",
                    Long.toString(queueDelay)},
                true);
    }

    /** Checks that {@code units · factor} stays in the exact range of the scripts' doubles; returns {@code units}. */
    private static long exact(LimitSpec spec, long units, long factor) {
        if (units > Timebase.MAX_EXACT / factor) {
            throw new IllegalArgumentException("spec = " + spec + " is out of range for the Redis engine: its"
                    + " scripts compute in doubles, exact up to 2^52 clock units; allowed range is [1, "
                    + Timebase.MAX_EXACT / factor + "] units per window or bucket");
        }
        return units;
    }
}
