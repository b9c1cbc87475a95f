package dev.throttle.redis;

import dev.throttle.ClientSideThrottling;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.SpecVisitor;
import java.util.function.UnaryOperator;

/**
 * How one limit asks Redis: its script, its keys (all under one hash tag) and its parameters in clock units,
 * computed once when the limiter is made.
 *
 * @param script the algorithm's script ({@link Script#BUCKET} for both buckets; its name names the algorithm inside
 *     a composite)
 * @param keys the keys the script touches
 * @param params the algorithm's parameters ({@code ARGV[8...]} of the shared layout, a composite part's descriptor)
 * @param reserves whether the algorithm reserves future slots (the buckets), so a refusal already means no slot
 *     within the caller's wait exists and is not retried
 */
record Plan(Script script, String[] keys, String[] params, boolean reserves) {

    /** Why the Redis engine refuses {@link ClientSideThrottling}, in every place that meets it. */
    static final String CLIENT_SIDE_ONLY = " decides in this JVM from its own calls and their outcomes, so only the"
            + " local engine enforces it";

    /**
     * The plan of a rate spec or a concurrency spec whose keys are named by {@code key} from their suffixes (a
     * limiter's own keys, or a composite part's under the composite's hash tag).
     *
     * @throws IllegalArgumentException if the spec is neither, or its numbers in clock units leave the range the
     *     scripts compute exactly
     */
    static Plan of(UnaryOperator<String> key, LimitSpec spec, Timebase time, long leaseTtlNanos) {
        return spec.accept(new Parameters(key, time, leaseTtlNanos));
    }

    /** Reads the parameters of the specs a script implements; any other spec is refused. */
    private static final class Parameters extends SpecVisitor<Plan> {

        private final UnaryOperator<String> key;
        private final Timebase time;
        private final long leaseTtlNanos;

        Parameters(UnaryOperator<String> key, Timebase time, long leaseTtlNanos) {
            super("a rate or concurrency spec");
            this.key = key;
            this.time = time;
            this.leaseTtlNanos = leaseTtlNanos;
        }

        @Override
        protected Plan unsupported(LimitSpec spec) {
            throw new IllegalArgumentException("spec = " + spec + " is not supported by the Redis engine");
        }

        @Override
        public Plan tokenBucket(TokenBucket spec) {
            return bucket(spec, spec.capacity(), spec.refill().intervalNanos(), false, 0L);
        }

        @Override
        public Plan leakyBucket(LeakyBucket spec) {
            return bucket(spec, spec.capacity(), spec.outflow().intervalNanos(),
                    spec.mode() == LeakyBucket.Mode.SHAPING, spec.maxDelay().toNanos());
        }

        @Override
        public Plan fixedWindow(FixedWindow spec) {
            long limit = count(spec, "limit", spec.limit());
            long window = exact(time, spec, "window", time.periodUnits(spec.window().toNanos()), 1L);
            return new Plan(Script.FIXED_WINDOW, new String[] {key.apply(":fw")},
                    new String[] {Long.toString(limit), Long.toString(window)}, false);
        }

        @Override
        public Plan slidingWindow(SlidingWindow spec) {
            // The script multiplies a count (at most the limit) by a span of at most one window.
            long limit = count(spec, "limit", spec.limit());
            long window = exact(time, spec, "limit × window", time.periodUnits(spec.window().toNanos()), limit);
            return new Plan(Script.SLIDING_WINDOW, new String[] {key.apply(":sw")},
                    new String[] {Long.toString(limit), Long.toString(window)}, false);
        }

        @Override
        public Plan slidingLog(SlidingLog spec) {
            long limit = count(spec, "limit", spec.limit());
            long window = exact(time, spec, "window", time.periodUnits(spec.window().toNanos()), 1L);
            return new Plan(Script.SLIDING_LOG, new String[] {key.apply(":sl"), key.apply(":sl:seq")},
                    new String[] {Long.toString(limit), Long.toString(window)}, false);
        }

        /**
         * A concurrency limit with leases: its parameters are the limit and the lease TTL in clock units; the lease
         * id of each request follows them in ARGV.
         */
        @Override
        public Plan concurrency(Concurrency spec) {
            long limit = count(spec, "limit", spec.limit());
            long ttl = time.periodUnits(leaseTtlNanos);
            if (ttl > Timebase.MAX_EXACT) {
                throw new IllegalArgumentException("leaseTtl = " + leaseTtlNanos + "ns is out of range for the Redis"
                        + " engine: allowed range is [1, " + Timebase.MAX_EXACT + "] clock units");
            }
            return new Plan(Script.CONCURRENCY, new String[] {key.apply(":cc"), key.apply(":cc:n")},
                    new String[] {Long.toString(limit), Long.toString(ttl)}, false);
        }

        @Override
        public Plan clientSideThrottling(ClientSideThrottling spec) {
            throw new IllegalArgumentException("spec = " + spec + CLIENT_SIDE_ONLY);
        }

        private Plan bucket(LimitSpec spec, long capacity, long intervalNanos, boolean shaping, long maxDelayNanos) {
            count(spec, "capacity", capacity);
            long interval = time.periodUnits(intervalNanos);
            // The bucket's tolerance (how far ahead of now it may run) is a capacity of intervals per permit.
            long tolerance = exact(time, spec, "capacity × interval per permit", interval, capacity) * capacity;
            long queueDelay = time.waitUnits(maxDelayNanos);
            return new Plan(Script.BUCKET, new String[] {key.apply(":gcra")},
                    new String[] {Long.toString(interval), Long.toString(tolerance), shaping ? "1" : "0",
                        Long.toString(queueDelay)},
                    true);
        }
    }

    /**
     * Checks a count (a limit or a capacity) the scripts add permits to: at most 2^52, so a count plus a request (at
     * most the count) stays below 2^53, where Lua's doubles stop holding every integer. Returns {@code value}.
     */
    private static long count(LimitSpec spec, String parameter, long value) {
        if (value > Timebase.MAX_EXACT) {
            throw new IllegalArgumentException(parameter + " = " + value + " of " + spec + " is out of range for the"
                    + " Redis engine, whose scripts count exactly up to 2^52: allowed range is [1, "
                    + Timebase.MAX_EXACT + "]");
        }
        return value;
    }

    /**
     * Checks that {@code units · factor} (a period in clock units, times a count for the products the script forms)
     * stays at most 2^52; returns {@code units}. {@code parameter} names the product for the message.
     */
    private static long exact(Timebase time, LimitSpec spec, String parameter, long units, long factor) {
        if (units > Timebase.MAX_EXACT / factor) {
            throw new IllegalArgumentException(parameter + " of " + spec + " is out of range for the Redis engine,"
                    + " whose scripts compute exactly up to 2^52 clock units: allowed range of the period is [1, "
                    + Timebase.MAX_EXACT / factor + "] " + time.unitName() + ", it is " + units);
        }
        return units;
    }
}
