package dev.throttle.examples;

import dev.throttle.Concurrency;
import dev.throttle.FixedWindow;
import dev.throttle.LeakyBucket;
import dev.throttle.LimitSpec;
import dev.throttle.Rate;
import dev.throttle.SlidingLog;
import dev.throttle.SlidingWindow;
import dev.throttle.TokenBucket;

/**
 * The demo's columns: every algorithm, each set to the same budget of {@link AlgorithmsDemo#LIMIT} per second (or,
 * for the concurrency limiter, as many at once), so their differences show on one timeline.
 */
enum Algorithm {

    /** Counts per calendar second: resets at each boundary. */
    FIXED_WINDOW("fixed window", FixedWindow.of(AlgorithmsDemo.LIMIT, AlgorithmsDemo.WINDOW)),

    /** Remembers each grant's time: exact over any one-second interval. */
    SLIDING_LOG("sliding log", SlidingLog.of(AlgorithmsDemo.LIMIT, AlgorithmsDemo.WINDOW)),

    /** Weighs the previous second's count: close to the log in constant memory. */
    SLIDING_WINDOW("sliding window", SlidingWindow.of(AlgorithmsDemo.LIMIT, AlgorithmsDemo.WINDOW)),

    /** A burst of five, then one permit every 200 ms. */
    TOKEN_BUCKET("token bucket", TokenBucket.of(AlgorithmsDemo.LIMIT, Rate.perSecond(AlgorithmsDemo.LIMIT))),

    /** A bucket of five leaking one every 200 ms: decides as the token bucket does. */
    LEAKY_METER("leaky meter", LeakyBucket.meter(AlgorithmsDemo.LIMIT, Rate.perSecond(AlgorithmsDemo.LIMIT))),

    /** A queue releasing one request every 200 ms, each waiting at most a second for its slot. */
    LEAKY_SHAPING("leaky shaping", LeakyBucket.shaping(Rate.perSecond(AlgorithmsDemo.LIMIT),
            AlgorithmsDemo.SHAPING_MAX_DELAY)),

    /** At most five requests in flight, each holding its permit for {@link AlgorithmsDemo#HOLD_NANOS}. */
    CONCURRENCY("concurrency", Concurrency.of(AlgorithmsDemo.LIMIT));

    private final String title;
    private final LimitSpec spec;

    Algorithm(String title, LimitSpec spec) {
        this.title = title;
        this.spec = spec;
    }

    /**
     * The column's heading.
     *
     * @return a short name
     */
    String title() {
        return title;
    }

    /**
     * The limit the column's limiter enforces.
     *
     * @return the spec
     */
    LimitSpec spec() {
        return spec;
    }
}
