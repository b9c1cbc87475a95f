package dev.throttle.benchmarks.accuracy;

import com.google.common.util.concurrent.RateLimiter;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;
import dev.throttle.local.LocalEngine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Every limiter the accuracy suite measures, each configured for the same budget: {@value #LIMIT} permits per
 * second, with bursts of at most {@value #LIMIT} where the algorithm has a burst. Each entry builds a fresh limiter.
 */
final class Contenders {

    /** The budget: permits per second. */
    static final int LIMIT = 100;

    private static final Duration SECOND = Duration.ofSeconds(1);

    private Contenders() {
    }

    /**
     * The contenders by name, in the report's order: this library's algorithms first, then the peers.
     *
     * @return a fresh map of builders
     */
    static Map<String, Supplier<BooleanSupplier>> all() {
        Map<String, Supplier<BooleanSupplier>> all = new LinkedHashMap<>();
        all.put("throttle fixed window", () -> ours(FixedWindow.of(LIMIT, SECOND)));
        all.put("throttle sliding window", () -> ours(SlidingWindow.of(LIMIT, SECOND)));
        all.put("throttle sliding log", () -> ours(SlidingLog.of(LIMIT, SECOND)));
        all.put("throttle token bucket", () -> ours(TokenBucket.of(LIMIT, Rate.perSecond(LIMIT))));
        all.put("throttle leaky bucket (meter)", () -> ours(LeakyBucket.meter(LIMIT, Rate.perSecond(LIMIT))));
        all.put("bucket4j greedy", () -> {
            Bucket bucket = Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(LIMIT).refillGreedy(LIMIT, SECOND).build()).build();
            return () -> bucket.tryConsume(1);
        });
        all.put("bucket4j intervally", () -> {
            Bucket bucket = Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(LIMIT).refillIntervally(LIMIT, SECOND).build()).build();
            return () -> bucket.tryConsume(1);
        });
        all.put("resilience4j", () -> {
            io.github.resilience4j.ratelimiter.RateLimiter limiter = io.github.resilience4j.ratelimiter.RateLimiter.of(
                    "accuracy", RateLimiterConfig.custom().limitForPeriod(LIMIT).limitRefreshPeriod(SECOND)
                            .timeoutDuration(Duration.ZERO).build());
            return limiter::acquirePermission;
        });
        all.put("guava", () -> {
            RateLimiter limiter = RateLimiter.create(LIMIT);
            return limiter::tryAcquire;
        });
        return all;
    }

    private static BooleanSupplier ours(LimitSpec spec) {
        dev.throttle.RateLimiter limiter = LocalEngine.create().rateLimiter("accuracy", spec);
        return limiter::allow;
    }
}
