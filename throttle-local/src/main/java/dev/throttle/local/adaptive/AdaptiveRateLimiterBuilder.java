package dev.throttle.local.adaptive;

import dev.throttle.kernel.Arguments;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The options every adaptive rate limiter's builder shares: its name and engine, how often it evaluates, who hears
 * of its switches, and which error ratio its permits feed. Package-private: its setters are part of each limiter's
 * public builder, which they return.
 *
 * @param <B> the limiter's builder, returned by every setter for chaining
 */
abstract class AdaptiveRateLimiterBuilder<B extends AdaptiveRateLimiterBuilder<B>> {

    final String name;
    final LocalEngine engine;
    final List<Consumer<RateSwitch>> listeners = new ArrayList<>();
    long intervalNanos = 1_000_000_000L;
    HealthSignal.ErrorRatio outcomes;
    /**
     * Where a step limiter logs its moves: the package's logger, or a test's. (An AIMD limiter moves at every interval,
     * too often for a line each: it logs nothing.)
     */
    System.Logger logger = StepRateLimiter.LOGGER;

    /**
     * @throws IllegalArgumentException if the name is null or empty, or the engine is null
     */
    AdaptiveRateLimiterBuilder(String name, LocalEngine engine) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name must not be null or empty");
        }
        this.name = name;
        this.engine = Arguments.requireNonNull("engine", engine);
    }

    /** This builder, as its own type. */
    abstract B self();

    /**
     * How often the limiter evaluates at most (default one second): it reads its signal, and moves the rate at most
     * once per interval.
     *
     * @param interval from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
     * @return this builder
     * @throws IllegalArgumentException if it is null, not positive or too long
     */
    public B evaluationInterval(Duration interval) {
        this.intervalNanos = Arguments.periodNanos("evaluationInterval", interval);
        return self();
    }

    /**
     * Tells a listener of every change of rate.
     *
     * @param listener the listener
     * @return this builder
     * @throws IllegalArgumentException if it is null
     */
    public B listener(Consumer<RateSwitch> listener) {
        listeners.add(Arguments.requireNonNull("listener", listener));
        return self();
    }

    /**
     * Also records the outcome of every granted permit into an error ratio: {@code close()} as a success,
     * {@code dropped()} as a failure, once per permit (a permit neither closed nor dropped records nothing).
     * Usually the same signal that steers the limiter.
     *
     * @param errors the signal to feed
     * @return this builder
     * @throws IllegalArgumentException if it is null
     */
    public B feedOutcomes(HealthSignal.ErrorRatio errors) {
        this.outcomes = Arguments.requireNonNull("errors", errors);
        return self();
    }

    /**
     * Where a step limiter logs its moves instead of the package's logger: for tests, which capture the lines without
     * touching the global logging configuration.
     */
    B logger(System.Logger logger) {
        this.logger = Arguments.requireNonNull("logger", logger);
        return self();
    }
}
