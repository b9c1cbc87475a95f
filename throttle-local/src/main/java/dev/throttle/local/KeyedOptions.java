package dev.throttle.local;

import dev.throttle.Arguments;
import java.time.Duration;

/**
 * Tuning of a keyed limiter of the {@link LocalEngine}; none of it changes a decision.
 *
 * @param initialCapacity the number of keys to make room for up front, 0 or more
 * @param idleGrace how long the state of a concurrency key (a spec with {@code restNanos() == 0}) is kept once no
 *     permit of it is held; zero up to {@link Arguments#MAX_DURATION}. Rate keys are kept for their spec's
 *     {@code restNanos()} instead, which is exactly as long as their state matters.
 */
public record KeyedOptions(int initialCapacity, Duration idleGrace) {

    /** The default grace for concurrency keys at rest: one minute, so a busy key is not rebuilt between requests. */
    public static final Duration DEFAULT_IDLE_GRACE = Duration.ofMinutes(1);

    /** The default initial capacity, Caffeine's own default. */
    public static final int DEFAULT_INITIAL_CAPACITY = 16;

    /**
     * Validates the options.
     *
     * @param initialCapacity the number of keys to make room for up front, 0 or more
     * @param idleGrace how long the state of a concurrency key (a spec with {@code restNanos() == 0}) is kept once no
     * @throws IllegalArgumentException if {@code initialCapacity} is negative or {@code idleGrace} is null, negative
     *     or longer than {@link Arguments#MAX_DURATION}
     */
    public KeyedOptions {
        Arguments.requireInRange("initialCapacity", initialCapacity, 0, Integer.MAX_VALUE);
        Arguments.waitNanos("idleGrace", idleGrace);
    }

    /**
     * The defaults: {@value #DEFAULT_INITIAL_CAPACITY} keys, a grace of one minute.
     *
     * @return the default options
     */
    public static KeyedOptions defaults() {
        return new KeyedOptions(DEFAULT_INITIAL_CAPACITY, DEFAULT_IDLE_GRACE);
    }

    /**
     * A copy with another initial capacity.
     *
     * @param keys the number of keys to make room for, 0 or more
     * @return the new options
     * @throws IllegalArgumentException if {@code keys} is negative
     */
    public KeyedOptions withInitialCapacity(int keys) {
        return new KeyedOptions(keys, idleGrace);
    }

    /**
     * A copy with another grace for concurrency keys at rest.
     *
     * @param grace zero up to {@link Arguments#MAX_DURATION}
     * @return the new options
     * @throws IllegalArgumentException if {@code grace} is null, negative or too long
     */
    public KeyedOptions withIdleGrace(Duration grace) {
        return new KeyedOptions(initialCapacity, grace);
    }
}
