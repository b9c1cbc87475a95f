package dev.throttle.local.adaptive;

import dev.throttle.kernel.Arguments;
import java.time.Duration;

/**
 * Additive increase, multiplicative decrease: the loss-driven rule of TCP congestion control, as in Netflix
 * concurrency-limits' {@code AIMDLimit}
 * (<a href="https://github.com/Netflix/concurrency-limits">github.com/Netflix/concurrency-limits</a>,
 * {@code com.netflix.concurrency.limits.limit.AIMDLimit}).
 *
 * <p>Per completed permit, with {@code L} the limit:
 * <ul>
 *   <li>overload (the permit was {@linkplain dev.throttle.Permit#dropped() dropped}, or its latency exceeded
 *   {@code timeout}): {@code L ← min(L − 1, L × backoffRatio)}, and slow start ends;</li>
 *   <li>otherwise, if the limit is in use ({@code 2 × inFlight ≥ L}, so an idle service does not inflate it): in
 *   slow start {@code L ← L + 1} (the limit doubles every round trip), afterwards
 *   {@code L ← L + increase / L} ({@code increase} per round trip);</li>
 *   <li>each change is smoothed, {@code L ← L + smoothing × (target − L)}, and clamped to {@code [minLimit,
 *   maxLimit]}.</li>
 * </ul>
 * Unlike Netflix's rule, which decreases on every slow sample, permits granted before the last decrease are ignored
 * (they were in flight under the older, higher limit, which that decrease already answered), so a single burst of
 * overload costs one decrease per round trip (as TCP reduces once per window) rather than one per permit caught in
 * it.
 *
 * <p>Its target is set by {@code timeout}: the limit settles where latency crosses it, or where the backend starts
 * dropping.
 */
public final class AimdAlgorithm implements LimitAlgorithm {

    private final int initialLimit;
    private final int minLimit;
    private final int maxLimit;
    private final double backoffRatio;
    private final double increase;
    private final long timeoutNanos;
    private final double smoothing;

    private AimdAlgorithm(Builder builder) {
        builder.checkLimits();
        this.initialLimit = builder.initialLimit;
        this.minLimit = builder.minLimit;
        this.maxLimit = builder.maxLimit;
        this.backoffRatio = builder.backoffRatio;
        this.increase = builder.increase;
        this.timeoutNanos = builder.timeoutNanos;
        this.smoothing = builder.smoothing;
    }

    /**
     * A builder with the defaults: initial limit 20, limits [1, 1000], backoff ratio 0.9, increase 1 per round
     * trip, timeout 5 s, smoothing 1.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public LimitAlgorithm.State start(long nowNanos) {
        return new State(this, initialLimit, true, Long.MIN_VALUE);
    }

    @Override
    public int minLimit() {
        return minLimit;
    }

    @Override
    public int maxLimit() {
        return maxLimit;
    }

    /**
     * The limit a limiter starts with.
     *
     * @return the initial limit
     */
    public int initialLimit() {
        return initialLimit;
    }

    /**
     * The factor applied to the limit on overload.
     *
     * @return in {@code [0.5, 1)}
     */
    public double backoffRatio() {
        return backoffRatio;
    }

    /**
     * How much the limit grows per round trip after slow start.
     *
     * @return more than 0
     */
    public double increase() {
        return increase;
    }

    /**
     * The latency above which a permit counts as overloaded.
     *
     * @return the timeout
     */
    public Duration timeout() {
        return Duration.ofNanos(timeoutNanos);
    }

    /**
     * The share of each computed change applied.
     *
     * @return in {@code (0, 1]}
     */
    public double smoothing() {
        return smoothing;
    }

    @Override
    public String toString() {
        return "Aimd[initial " + initialLimit + ", limits [" + minLimit + ", " + maxLimit + "], backoff "
                + backoffRatio + ", increase " + increase + ", timeout " + timeout() + ", smoothing " + smoothing
                + "]";
    }

    /** The state: the estimate, whether slow start goes on, and when the limit last decreased. */
    private static final class State implements LimitAlgorithm.State {
        private final AimdAlgorithm algorithm;
        private final double estimate;
        private final boolean slowStart;
        private final long decreasedAt;

        State(AimdAlgorithm algorithm, double estimate, boolean slowStart, long decreasedAt) {
            this.algorithm = algorithm;
            this.estimate = estimate;
            this.slowStart = slowStart;
            this.decreasedAt = decreasedAt;
        }

        @Override
        public int limit() {
            return (int) estimate;
        }

        @Override
        public LimitAlgorithm.State onSample(long nowNanos, long startNanos, long rttNanos, long inFlight, boolean dropped) {
            if (startNanos < decreasedAt) {
                return this; // in flight when the limit last fell: that decrease already answered it
            }
            AimdAlgorithm a = algorithm;
            if (dropped || rttNanos > a.timeoutNanos) {
                double target = Math.min(estimate - 1.0, estimate * a.backoffRatio);
                double next = AlgorithmChecks.clamp(AlgorithmChecks.smooth(estimate, target, a.smoothing),
                        a.minLimit, a.maxLimit);
                return new State(a, next, false, nowNanos);
            }
            if (inFlight * 2 < estimate) {
                return this;
            }
            double step = slowStart ? 1.0 : a.increase / estimate;
            double next = AlgorithmChecks.clamp(AlgorithmChecks.smooth(estimate, estimate + step, a.smoothing),
                    a.minLimit, a.maxLimit);
            return next == estimate ? this : new State(a, next, slowStart, decreasedAt);
        }

        @Override
        public String toString() {
            return "Aimd.State[limit " + estimate + (slowStart ? ", slow start" : "") + "]";
        }
    }

    /** Builds an {@link AimdAlgorithm}; each setter checks its argument at once. */
    public static final class Builder extends AlgorithmBuilder<Builder> {
        private double backoffRatio = 0.9;
        private double increase = 1.0;
        private long timeoutNanos = Duration.ofSeconds(5).toNanos();

        private Builder() {
            super(1.0);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Sets the factor applied to the limit on overload (default 0.9).
         *
         * @param backoffRatio in {@code [0.5, 1)}
         * @return this builder
         * @throws IllegalArgumentException if it is out of range or NaN
         */
        public Builder backoffRatio(double backoffRatio) {
            this.backoffRatio = AlgorithmChecks.requireFromBelow("backoffRatio", backoffRatio, 0.5, 1.0);
            return this;
        }

        /**
         * Sets how much the limit grows per round trip after slow start (default 1).
         *
         * @param increase in {@code (0, 1000]}
         * @return this builder
         * @throws IllegalArgumentException if it is out of range or NaN
         */
        public Builder increase(double increase) {
            this.increase = AlgorithmChecks.requireAboveUpTo("increase", increase, 0.0, 1000.0);
            return this;
        }

        /**
         * Sets the latency above which a permit counts as overloaded (default 5 s).
         *
         * @param timeout from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if it is null or out of range
         */
        public Builder timeout(Duration timeout) {
            this.timeoutNanos = Arguments.periodNanos("timeout", timeout);
            return this;
        }

        /**
         * Builds the algorithm.
         *
         * @return the algorithm
         * @throws IllegalArgumentException if {@code minLimit <= initialLimit <= maxLimit} does not hold
         */
        public AimdAlgorithm build() {
            return new AimdAlgorithm(this);
        }
    }
}
