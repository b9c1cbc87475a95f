package dev.throttle.local.adaptive;

import dev.throttle.Rate;
import dev.throttle.TokenBucket;
import dev.throttle.kernel.Arguments;
import dev.throttle.kernel.SpecText;
import dev.throttle.local.LocalEngine;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A rate limiter whose rate follows additive increase, multiplicative decrease (AIMD), as TCP's congestion window
 * does: each healthy evaluation interval adds {@code increase} permits per period, each sign of overload multiplies
 * the rate by {@code decreaseFactor}, within {@code [minRate, maxRate]}.
 *
 * <pre>{@code
 * AimdRateLimiter calls = AimdRateLimiter.builder("backend", engine)
 *         .rates(10, 100, 1000).period(Duration.ofSeconds(1))
 *         .increase(10).decreaseFactor(0.5)
 *         .build();
 * try (Permit permit = calls.tryAcquire()) {
 *     if (permit.granted() && backendSaidTooManyRequests()) {
 *         permit.dropped();
 *     }
 * }
 * }</pre>
 *
 * <p><b>Overload</b> is a granted permit's {@link dev.throttle.Permit#dropped()} (acted on at once), or a reading of
 * the optional signal at or above its threshold at an evaluation. A decrease is followed by a cooldown (default one
 * evaluation interval) in which further signs of overload do not decrease again: they were most likely caused by the
 * rate before the decrease. <b>Healthy</b> is an evaluation with no drop since the previous one and a signal below
 * its threshold (or without evidence): the rate grows by {@code increase}. Evaluations run at most once per interval
 * and ride on requests, so an idle limiter earns no increase.
 *
 * <p>The burst (the bucket's capacity) is fixed; the rate alone moves, by reconfiguring the local engine's token
 * bucket, whose owed permits carry over.
 */
public final class AimdRateLimiter extends AdaptiveRateLimiter {

    private static final long NEVER = Long.MIN_VALUE;

    /** The rate in permits per period, its bucket, when it last decreased, and drops against evaluations. */
    private record State(long rate, TokenBucket bucket, long decreasedAt, long droppedAt, long evaluatedAt) {
    }

    private final long minRate;
    private final long maxRate;
    private final long increase;
    private final double decreaseFactor;
    private final long cooldownNanos;
    private final Duration period;
    private final long burst;
    private final HealthSignal signal;
    private final double unhealthyAt;
    private final AtomicReference<State> state;

    private AimdRateLimiter(Builder b, TokenBucket initial, long evaluatedAt) {
        super(b, initial, b.burst);
        this.minRate = b.minRate;
        this.maxRate = b.maxRate;
        this.increase = b.increase;
        this.decreaseFactor = b.decreaseFactor;
        this.cooldownNanos = b.cooldownNanos < 0 ? b.intervalNanos : b.cooldownNanos;
        this.period = b.period;
        this.burst = b.burst;
        this.signal = b.signal;
        this.unhealthyAt = b.unhealthyAt;
        this.state = new AtomicReference<>(new State(b.initialRate, initial, NEVER, NEVER, evaluatedAt));
    }

    /**
     * Starts a builder.
     *
     * @param name the limiter's name
     * @param engine the local engine whose clock and token buckets it uses
     * @return the builder
     * @throws IllegalArgumentException if the name is null or empty, or the engine is null
     */
    public static Builder builder(String name, LocalEngine engine) {
        return new Builder(name, engine);
    }

    /**
     * The rate enforced now.
     *
     * @return permits per period
     */
    public Rate currentRate() {
        return state.get().bucket.refill();
    }

    /**
     * The rate enforced now, in permits per period.
     *
     * @return from the minimum to the maximum rate
     */
    public long currentPermitsPerPeriod() {
        return state.get().rate;
    }

    @Override
    TokenBucket wanted() {
        return state.get().bucket;
    }

    @Override
    boolean watchesPermits() {
        return true;
    }

    @Override
    void evaluate(long now) {
        double reading = signal == null ? Double.NaN : safeRead(signal, now);
        boolean overloaded = !Double.isNaN(reading) && reading >= unhealthyAt;
        for (;;) {
            State before = state.get();
            State after;
            RateSwitch.Cause cause;
            if (overloaded) {
                if (!cooled(before, now)) {
                    after = new State(before.rate, before.bucket, before.decreasedAt, before.droppedAt, now);
                    cause = null;
                } else {
                    after = decreased(before, now, before.droppedAt, now);
                    cause = RateSwitch.Cause.DECREASE;
                }
            } else if (before.droppedAt != NEVER && before.droppedAt - before.evaluatedAt >= 0) {
                after = new State(before.rate, before.bucket, before.decreasedAt, before.droppedAt, now);
                cause = null; // a drop in this interval: not healthy, and the drop already decreased
            } else {
                // Added without overflow: any increase the builder accepts, up to Long.MAX_VALUE, stops at maxRate.
                long grown = increase >= maxRate - before.rate ? maxRate : before.rate + increase;
                after = new State(grown, grown == before.rate ? before.bucket : bucketOf(grown), before.decreasedAt,
                        before.droppedAt, now);
                cause = RateSwitch.Cause.INCREASE;
            }
            if (state.compareAndSet(before, after)) {
                tellIfMoved(before, after, cause, reading, now);
                return;
            }
        }
    }

    @Override
    void onDropped(long now) {
        for (;;) {
            State before = state.get();
            State after = cooled(before, now)
                    ? decreased(before, now, now, before.evaluatedAt)
                    : new State(before.rate, before.bucket, before.decreasedAt, now, before.evaluatedAt);
            if (state.compareAndSet(before, after)) {
                tellIfMoved(before, after, RateSwitch.Cause.DECREASE, Double.NaN, now);
                return;
            }
        }
    }

    private boolean cooled(State s, long now) {
        return s.decreasedAt == NEVER || now - s.decreasedAt >= cooldownNanos;
    }

    private State decreased(State before, long now, long droppedAt, long evaluatedAt) {
        long shrunk = Math.max(minRate, (long) Math.floor(before.rate * decreaseFactor));
        TokenBucket bucket = shrunk == before.rate ? before.bucket : bucketOf(shrunk);
        return new State(shrunk, bucket, now, droppedAt, evaluatedAt);
    }

    private void tellIfMoved(State before, State after, RateSwitch.Cause cause, double reading, long now) {
        if (after.rate != before.rate) {
            applyAndTell(new RateSwitch(name(), cause, before.rate, after.rate, before.bucket, after.bucket, reading,
                    now));
        }
    }

    private TokenBucket bucketOf(long rate) {
        return TokenBucket.of(burst, Rate.of(rate, period));
    }

    /**
     * The limiter for logs: its name, its rate now within its bounds, the bucket enforcing it and what it could grant
     * now, for example {@code Limiter[api: AIMD rate 150/s in [10/s, 1000/s], token bucket 15, 150/s; 7 available]}.
     *
     * @return the text
     */
    @Override
    public String toString() {
        return "Limiter[" + name() + ": AIMD rate " + currentRate() + " in [" + SpecText.rate(minRate, period) + ", "
                + SpecText.rate(maxRate, period) + "], " + SpecText.describe(currentBucket()) + "; "
                + availablePermits() + " available]";
    }

    /** Builds an {@link AimdRateLimiter}; every value is checked when set or at {@link #build()}. */
    public static final class Builder extends AdaptiveRateLimiterBuilder<Builder> {
        private long minRate = 1;
        private long initialRate = 100;
        private long maxRate = 1000;
        private Duration period = Duration.ofSeconds(1);
        private long increase = 1;
        private double decreaseFactor = 0.9;
        private long cooldownNanos = -1; // one interval unless set
        private long burst = 1;
        private HealthSignal signal;
        private double unhealthyAt = Double.NaN;

        private Builder(String name, LocalEngine engine) {
            super(name, engine);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * The bounds and start of the rate, in permits per {@link #period} (defaults 1, 100, 1000).
         *
         * @param min the smallest rate, 1 or more
         * @param initial the starting rate, from {@code min} to {@code max}
         * @param max the largest rate
         * @return this builder
         * @throws IllegalArgumentException if {@code min < 1}, {@code max < min} or {@code initial} is outside
         *     {@code [min, max]}
         */
        public Builder rates(long min, long initial, long max) {
            Arguments.requirePositive("minRate", min);
            Arguments.requireInRange("maxRate", max, min, Long.MAX_VALUE);
            Arguments.requireInRange("initialRate", initial, min, max);
            this.minRate = min;
            this.initialRate = initial;
            this.maxRate = max;
            return this;
        }

        /**
         * The period the rates are counted in (default one second).
         *
         * @param period from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if it is null, not positive or too long
         */
        public Builder period(Duration period) {
            Arguments.periodNanos("period", period);
            this.period = period;
            return this;
        }

        /**
         * The additive increase per healthy interval, in permits per period (default 1).
         *
         * @param permits 1 or more
         * @return this builder
         * @throws IllegalArgumentException if it is below 1
         */
        public Builder increase(long permits) {
            this.increase = Arguments.requirePositive("increase", permits);
            return this;
        }

        /**
         * The multiplicative decrease on overload (default 0.9): the new rate is {@code floor(rate × factor)}, at
         * least the minimum.
         *
         * @param factor strictly between 0 and 1
         * @return this builder
         * @throws IllegalArgumentException if it is not in (0, 1)
         */
        public Builder decreaseFactor(double factor) {
            this.decreaseFactor = RateArguments.requireBetweenExclusive("decreaseFactor", factor, 0.0, 1.0);
            return this;
        }

        /**
         * The least time between two decreases (default: one evaluation interval).
         *
         * @param cooldown zero or more
         * @return this builder
         * @throws IllegalArgumentException if it is null, negative or too long
         */
        public Builder cooldown(Duration cooldown) {
            this.cooldownNanos = Arguments.waitNanos("cooldown", cooldown);
            return this;
        }

        /**
         * The bucket's capacity at every rate (default 1: no burst beyond the rate).
         *
         * @param permits 1 or more
         * @return this builder
         * @throws IllegalArgumentException if it is below 1
         */
        public Builder burst(long permits) {
            this.burst = Arguments.requirePositive("burst", permits);
            return this;
        }

        /**
         * A signal read at each evaluation, overload when at or above a threshold (optional: drops alone suffice).
         *
         * @param signal the signal
         * @param unhealthyAt the threshold, not NaN
         * @return this builder
         * @throws IllegalArgumentException if the signal is null or the threshold NaN
         */
        public Builder signal(HealthSignal signal, double unhealthyAt) {
            Arguments.requireNonNull("signal", signal);
            this.unhealthyAt = RateArguments.requireNumber("unhealthyAt", unhealthyAt);
            this.signal = signal;
            return this;
        }

        /**
         * Builds the limiter.
         *
         * @return the limiter
         * @throws IllegalArgumentException if the largest rate is faster than one permit per nanosecond, or the burst
         *     takes longer than {@link dev.throttle.LimitSpec#MAX_DURATION} to refill at the smallest rate
         */
        public AimdRateLimiter build() {
            Rate.of(maxRate, period); // the fastest rate must be representable
            TokenBucket.of(burst, Rate.of(minRate, period)); // and the burst refillable at the slowest
            TokenBucket initial = TokenBucket.of(burst, Rate.of(initialRate, period));
            return new AimdRateLimiter(this, initial, engine.ticker().read());
        }
    }
}
