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
import dev.throttle.kernel.ObservedPermit;
import dev.throttle.kernel.RatePermit;
import java.util.OptionalLong;

/**
 * The items of the IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers, revisions 10 and 11):
 * <ul>
 *   <li>a quota policy item of {@code RateLimit-Policy} (section 3.1) states a limit as its spec defines it, the same
 *   on every response: {@code q}, the quota, over {@code w}, the window in seconds; a concurrency limit's quota is in
 *   {@code qu="concurrent-requests"} and has no window; a bucket's quota is its rate over the whole seconds it takes
 *   to refill from empty (at least one), so {@code TokenBucket.of(10, 100/s)} is {@code q=100;w=1} with its burst
 *   as {@code throttle-burst=10} (a vendor-prefixed parameter, as section 3.1 asks), and
 *   {@code TokenBucket.of(2, 1/s)} is {@code q=2;w=2};</li>
 *   <li>a service limit item of {@code RateLimit} (section 4.1) states the limit after a decision: {@code r}, the
 *   permits left, and {@code t}, the seconds until more quota becomes available (the effective window of section
 *   4.1.2): for a refusal the same seconds as {@code Retry-After}, so the two never disagree (section 6); for a
 *   grant the end of a fixed window, a sliding log's oldest permit leaving, a sliding window counter's previous
 *   window weighing one permit less or a bucket's next refill, when the limiter tells it; left out on a grant where it
 *   is not known (a concurrency limit, a sliding log on the Redis engine, whose buckets give their interval as an upper
 *   bound). A refused concurrency request has it too: its {@code Retry-After}, 1 s.</li>
 * </ul>
 */
final class RateLimitFields {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private RateLimitFields() {
    }

    /** The quota policy item of a limit named {@code name} with {@code spec}. */
    static String policyItem(String name, LimitSpec spec) {
        StringBuilder item = new StringBuilder(RateLimitHeaders.structuredString(name));
        spec.accept(new PolicyParameters(item));
        return item.toString();
    }

    /** The service limit item of a decision of the limit named {@code name} with {@code spec}. */
    static String serviceItem(String name, Permit permit, LimitSpec spec) {
        StringBuilder item = new StringBuilder(RateLimitHeaders.structuredString(name)).append(";r=")
                .append(Math.max(0L, permit.remaining()));
        effectiveWindowSeconds(permit, spec).ifPresent(t -> item.append(";t=").append(t));
        return item.toString();
    }

    /**
     * Seconds until more quota becomes available: a refusal's retry time (empty when it can never succeed); a grant's
     * refill time where the limiter tells it, else a bucket's interval per permit (an upper bound), else empty.
     */
    static OptionalLong effectiveWindowSeconds(Permit permit, LimitSpec spec) {
        if (!permit.granted()) {
            return permit.never() ? OptionalLong.empty()
                    : OptionalLong.of(RateLimitState.retryAfterSeconds(permit.retryAfterNanos()));
        }
        Permit decision = permit;
        while (decision instanceof ObservedPermit observed) {
            decision = observed.delegate();
        }
        if (decision instanceof RatePermit rate) {
            OptionalLong refill = rate.refillNanos();
            if (refill.isPresent()) {
                return OptionalLong.of(RateLimitState.retryAfterSeconds(refill.getAsLong()));
            }
        }
        // A bucket's next refill is at most one interval away; a shaping queue's grants wait rather than refill.
        boolean shaping = spec instanceof LeakyBucket leaky && leaky.mode() == LeakyBucket.Mode.SHAPING;
        long interval = shaping ? 0L : RateLimitState.refillInterval(spec);
        return interval > 0L ? OptionalLong.of(RateLimitState.retryAfterSeconds(interval)) : OptionalLong.empty();
    }

    /** Whole seconds, rounded up, at least one: the window parameter's form (a non-zero integer). */
    private static long windowSeconds(long nanos) {
        return Math.max(1L, (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
    }

    /** Writes {@code ;q=..} and what else states the spec's limit. Every spec is handled, so a new one must say. */
    private static final class PolicyParameters implements LimitSpec.Visitor<Void> {
        private final StringBuilder item;

        PolicyParameters(StringBuilder item) {
            this.item = item;
        }

        private Void window(long limit, long windowNanos) {
            item.append(";q=").append(limit).append(";w=").append(windowSeconds(windowNanos));
            return null;
        }

        private Void bucket(long capacity, long intervalNanos) {
            // The rate over the whole seconds the bucket takes to refill from empty: a window long enough to state
            // the burst as part of the quota when it refills in a second or more, else one second and the burst apart.
            long windowSeconds = windowSeconds(capacity * intervalNanos);
            long quota = windowSeconds * NANOS_PER_SECOND / intervalNanos;
            item.append(";q=").append(quota).append(";w=").append(windowSeconds);
            if (quota != capacity) {
                item.append(";throttle-burst=").append(capacity);
            }
            return null;
        }

        @Override
        public Void fixedWindow(FixedWindow spec) {
            return window(spec.limit(), spec.window().toNanos());
        }

        @Override
        public Void slidingLog(SlidingLog spec) {
            return window(spec.limit(), spec.window().toNanos());
        }

        @Override
        public Void slidingWindow(SlidingWindow spec) {
            return window(spec.limit(), spec.window().toNanos());
        }

        @Override
        public Void tokenBucket(TokenBucket spec) {
            return bucket(spec.capacity(), spec.refill().intervalNanos());
        }

        @Override
        public Void leakyBucket(LeakyBucket spec) {
            return bucket(spec.capacity(), spec.outflow().intervalNanos());
        }

        @Override
        public Void concurrency(Concurrency spec) {
            item.append(";q=").append(spec.limit()).append(";qu=\"concurrent-requests\"");
            return null;
        }

        @Override
        public Void allOf(AllOf spec) {
            item.append(";q=").append(spec.capacity());
            return null;
        }

        @Override
        public Void clientSideThrottling(ClientSideThrottling spec) {
            item.append(";q=").append(spec.capacity());
            return null;
        }
    }
}
