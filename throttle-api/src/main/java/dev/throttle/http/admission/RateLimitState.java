package dev.throttle.http.admission;

import dev.throttle.AllOf;
import dev.throttle.ClientSideThrottling;
import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Permit;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.Arguments;
import java.util.OptionalLong;

/**
 * One limit's state after a decision, in the terms of the RateLimit headers: its name, quota, what remains, the
 * window the quota applies to and the seconds until it resets, where the spec tells them. Internal: the headers are
 * written from it ({@link RateLimitHeaders}); a rejection handler reads the same facts from its
 * {@link dev.throttle.http.Refusal}. Named for the headers it feeds, not for the limit, so that it is never taken
 * for an engine's limit state.
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
record RateLimitState(String name, long quota, long remaining, OptionalLong windowSeconds,
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
    RateLimitState {
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
    static RateLimitState of(Permit permit, LimitSpec spec) {
        Arguments.requireNonNull("permit", permit);
        return new RateLimitState(permit.limiterName(), Math.max(0L, permit.limit()), Math.max(0L, permit.remaining()),
                windowSeconds(spec), resetSeconds(permit, spec));
    }

    /**
     * Whole seconds from nanoseconds, rounded up, and at least one: the form of {@code Retry-After}. One nanosecond
     * gives 1, exactly two seconds give 2, and zero gives 1 so that a client never retries at once.
     *
     * @param nanos nanoseconds, 0 or more, not {@link Permit#NEVER}
     * @return seconds, 1 or more
     */
    static long retryAfterSeconds(long nanos) {
        return Math.max(1L, ceilSeconds(nanos));
    }

    private static long ceilSeconds(long nanos) {
        long seconds = nanos / NANOS_PER_SECOND;
        return nanos % NANOS_PER_SECOND == 0 ? seconds : seconds + 1;
    }

    private static OptionalLong windowSeconds(LimitSpec spec) {
        return spec.accept(WINDOW);
    }

    private static OptionalLong resetSeconds(Permit permit, LimitSpec spec) {
        if (!permit.granted()) {
            return permit.never() ? OptionalLong.empty() : OptionalLong.of(retryAfterSeconds(permit.retryAfterNanos()));
        }
        long interval = spec.accept(REFILL_INTERVAL);
        if (interval > 0L) {
            long used = Math.max(0L, Math.min(permit.limit(), spec.capacity()) - permit.remaining());
            return OptionalLong.of(ceilSeconds(used * interval));
        }
        // A window's boundary is not in the permit, and a concurrency slot frees when another request ends.
        return OptionalLong.empty();
    }

    /** A bucket's interval per permit; 0 for every other spec. */
    static long refillInterval(LimitSpec spec) {
        return spec.accept(REFILL_INTERVAL);
    }

    private static OptionalLong seconds(long nanos) {
        return OptionalLong.of(Math.max(1L, ceilSeconds(nanos)));
    }

    /**
     * The window a policy advertises ({@code w}): a window's length, or the time a bucket takes to refill; none for a
     * concurrency limit, a composite or a client-side throttle. Every spec is handled here, so a new one must say.
     */
    private static final LimitSpec.Visitor<OptionalLong> WINDOW = new LimitSpec.Visitor<>() {
        @Override
        public OptionalLong fixedWindow(FixedWindow spec) {
            return seconds(spec.window().toNanos());
        }

        @Override
        public OptionalLong slidingLog(SlidingLog spec) {
            return seconds(spec.window().toNanos());
        }

        @Override
        public OptionalLong slidingWindow(SlidingWindow spec) {
            return seconds(spec.window().toNanos());
        }

        @Override
        public OptionalLong tokenBucket(TokenBucket spec) {
            return seconds(spec.restNanos());
        }

        @Override
        public OptionalLong leakyBucket(LeakyBucket spec) {
            return seconds(spec.restNanos());
        }

        @Override
        public OptionalLong concurrency(Concurrency spec) {
            return OptionalLong.empty();
        }

        @Override
        public OptionalLong allOf(AllOf spec) {
            return OptionalLong.empty();
        }

        @Override
        public OptionalLong clientSideThrottling(ClientSideThrottling spec) {
            return OptionalLong.empty();
        }
    };

    /**
     * The interval per permit of a bucket, from which a grant's reset time follows; 0 for every other spec (a
     * window's boundary is not in the permit, a concurrency slot frees when another request ends).
     */
    private static final LimitSpec.Visitor<Long> REFILL_INTERVAL = new LimitSpec.Visitor<>() {
        @Override
        public Long fixedWindow(FixedWindow spec) {
            return 0L;
        }

        @Override
        public Long slidingLog(SlidingLog spec) {
            return 0L;
        }

        @Override
        public Long slidingWindow(SlidingWindow spec) {
            return 0L;
        }

        @Override
        public Long tokenBucket(TokenBucket spec) {
            return spec.refill().intervalNanos();
        }

        @Override
        public Long leakyBucket(LeakyBucket spec) {
            return spec.outflow().intervalNanos();
        }

        @Override
        public Long concurrency(Concurrency spec) {
            return 0L;
        }

        @Override
        public Long allOf(AllOf spec) {
            return 0L;
        }

        @Override
        public Long clientSideThrottling(ClientSideThrottling spec) {
            return 0L;
        }
    };
}
