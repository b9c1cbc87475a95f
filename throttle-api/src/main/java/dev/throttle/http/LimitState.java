package dev.throttle.http;

import dev.throttle.Arguments;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import java.util.OptionalLong;

/**
 * One limit's state after a decision, in the terms of the RateLimit headers: its name, quota, what remains, the
 * window the quota applies to and the seconds until it resets, where the spec tells them.
 *
 * @param name the limiter's name (the policy name in the headers)
 * @param quota the limit the decision was made against ({@link Permit#limit()})
 * @param remaining permits left right after the decision ({@link Permit#remaining()})
 * @param windowSeconds the window the quota applies to, in whole seconds rounded up: the window of a window spec, the
 *     time a token or leaky bucket takes to refill from empty; empty for a concurrency limit or an unknown spec
 * @param resetSeconds seconds until the quota is available again, rounded up: for a refusal its retry time (empty
 *     when it can never succeed); for a grant on a token or leaky bucket the time until the bucket is full again;
 *     empty where the spec does not tell it (windows, whose boundary a permit does not report, and concurrency)
 */
public record LimitState(String name, long quota, long remaining, OptionalLong windowSeconds,
        OptionalLong resetSeconds) {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /**
     * Validates the state.
     *
     * @param name the limiter's name
     * @param quota the limit
     * @param remaining permits left
     * @param windowSeconds the window in seconds, if known
     * @param resetSeconds seconds until reset, if known
     * @throws IllegalArgumentException if a reference is null or a number negative
     */
    public LimitState {
        Arguments.requireNonNull("name", name);
        Arguments.requireNonNegative("quota", quota);
        Arguments.requireNonNegative("remaining", remaining);
        Arguments.requireNonNull("windowSeconds", windowSeconds);
        Arguments.requireNonNull("resetSeconds", resetSeconds);
    }

    /**
     * The state a permit reports, with what its spec adds.
     *
     * @param permit the decision
     * @param spec the spec it was made under
     * @return the state
     */
    public static LimitState of(Permit permit, LimitSpec spec) {
        Arguments.requireNonNull("permit", permit);
        return new LimitState(permit.limiter(), Math.max(0L, permit.limit()), Math.max(0L, permit.remaining()),
                windowSeconds(spec), resetSeconds(permit, spec));
    }

    /**
     * Whole seconds from nanoseconds, rounded up, and at least one: the form of {@code Retry-After}. One nanosecond
     * gives 1, exactly two seconds give 2, and zero gives 1 so that a client never retries at once.
     *
     * @param nanos nanoseconds, 0 or more, not {@link Permit#NEVER}
     * @return seconds, 1 or more
     */
    public static long retryAfterSeconds(long nanos) {
        return Math.max(1L, ceilSeconds(nanos));
    }

    private static long ceilSeconds(long nanos) {
        long seconds = nanos / NANOS_PER_SECOND;
        return nanos % NANOS_PER_SECOND == 0 ? seconds : seconds + 1;
    }

    private static OptionalLong windowSeconds(LimitSpec spec) {
        if (spec instanceof FixedWindow) {
            return OptionalLong.of(Math.max(1L, ceilSeconds(((FixedWindow) spec).window().toNanos())));
        }
        if (spec instanceof SlidingLog) {
            return OptionalLong.of(Math.max(1L, ceilSeconds(((SlidingLog) spec).window().toNanos())));
        }
        if (spec instanceof SlidingWindow) {
            return OptionalLong.of(Math.max(1L, ceilSeconds(((SlidingWindow) spec).window().toNanos())));
        }
        if (spec instanceof TokenBucket || spec instanceof LeakyBucket) {
            return OptionalLong.of(Math.max(1L, ceilSeconds(spec.restNanos())));
        }
        return OptionalLong.empty();
    }

    private static OptionalLong resetSeconds(Permit permit, LimitSpec spec) {
        if (!permit.granted()) {
            return permit.never() ? OptionalLong.empty() : OptionalLong.of(retryAfterSeconds(permit.retryAfterNanos()));
        }
        if (spec instanceof TokenBucket || spec instanceof LeakyBucket) {
            long interval = spec instanceof TokenBucket ? ((TokenBucket) spec).refill().intervalNanos()
                    : ((LeakyBucket) spec).outflow().intervalNanos();
            long used = Math.max(0L, Math.min(permit.limit(), spec.capacity()) - permit.remaining());
            return OptionalLong.of(ceilSeconds(used * interval));
        }
        // A window's boundary is not in the permit, and a concurrency slot frees when another request ends.
        return OptionalLong.empty();
    }
}
