package dev.throttle.local.conformance;

import dev.throttle.LimitSpec;
import dev.throttle.RateLimiter;
import dev.throttle.local.ManualClock;

/**
 * Binds the conformance kit to one engine. The kit's abstract tests build every limiter through it, so the same
 * tests, with the same hand-computed expectations, run unchanged against the local engine and the Redis engine.
 *
 * <p>The local engine binds it as
 * {@code LocalEngine.builder().ticker(clock).scheduler(clock).build().rateLimiter(name, spec)}.
 */
@FunctionalInterface
public interface ConformanceTarget {

    /**
     * Creates a limiter at rest (as if never used) that reads its time from {@code clock} and waits on it.
     * Each call must give an independent limiter: the kit makes twins and replays of one timeline side by side,
     * each under its own name.
     *
     * @param name the limiter's name, unique within a test run
     * @param spec the limit
     * @param clock the clock the limiter reads and schedules its waits on; it starts at the timeline's start
     * @return a fresh limiter
     */
    RateLimiter create(String name, LimitSpec spec, ManualClock clock);
}
