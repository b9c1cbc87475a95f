package dev.throttle.conformance;

import dev.throttle.Engine;
import dev.throttle.LimitSpec;
import dev.throttle.ManualClock;
import dev.throttle.RateLimiter;

/**
 * Binds the conformance kit to one engine. The kit's abstract tests build every limiter through the {@link Engine}
 * interface, so the same tests, with the same hand-computed expectations, run unchanged against the local engine and
 * the Redis engine: code written against {@code Engine} decides the same on either.
 *
 * <p>The local engine binds it as {@code clock -> LocalEngine.builder().ticker(clock).scheduler(clock).build()}.
 */
@FunctionalInterface
public interface ConformanceTarget {

    /**
     * An engine whose limiters read their time from {@code clock} and wait on it. Every limiter it makes is at rest
     * (as if never used) and independent of every other: the kit makes twins and replays of one timeline side by
     * side, each under its own name.
     *
     * @param clock the clock the limiters read and schedule their waits on; it starts at the timeline's start
     * @return the engine
     */
    Engine engine(ManualClock clock);

    /**
     * A fresh rate limiter, made through {@link Engine#rateLimiter(String, LimitSpec)}.
     *
     * @param name the limiter's name, unique within a test run
     * @param spec the limit
     * @param clock the clock the limiter reads and schedules its waits on
     * @return the limiter
     */
    default RateLimiter create(String name, LimitSpec spec, ManualClock clock) {
        return engine(clock).rateLimiter(name, spec);
    }
}
