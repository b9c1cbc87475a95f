package dev.throttle.local.adaptive;

import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.function.IntUnaryOperator;

/**
 * Gradient limit: the ratio of a long-term latency average to the current one, with the update rule of Netflix
 * concurrency-limits' {@code Gradient2Limit}
 * (<a href="https://github.com/Netflix/concurrency-limits">github.com/Netflix/concurrency-limits</a>,
 * {@code com.netflix.concurrency.limits.limit.Gradient2Limit}) and the baseline re-measurement of Envoy's gradient
 * controller (see {@link NoLoadProbe}).
 *
 * <p>Once per {@linkplain RoundTripWindow window} of permits granted since the last change (about one round trip),
 * with {@code L} the limit, {@code shortRtt} the window's average latency and {@code longRtt} the long-term average:
 * <ul>
 *   <li>{@code longRtt} moves towards {@code shortRtt} as an exponential average whose time constant is
 *   {@code longWindow}: {@code longRtt ← longRtt + (shortRtt − longRtt) × min(1, elapsed / longWindow)};</li>
 *   <li>if {@code longRtt / shortRtt > 2} the backend became much faster: {@code longRtt ← 0.9 × longRtt} (Netflix's
 *   reset, applied every window while it lasts);</li>
 *   <li>a sample taken with fewer than {@code L / 2} permits in flight is not added: the limit was not in use, so
 *   it says nothing about it (Netflix still feeds it to the long average); if the window's highest in-flight is
 *   below {@code L / 2}, no change; if it is
 *   below {@code L}, the limit did not hold the load back: no increase (as TCP's congestion window validation,
 *   RFC 7661);</li>
 *   <li>{@code gradient = max(0.5, min(1, longRtt / shortRtt))};</li>
 *   <li>slow start: while {@code gradient = 1}, {@code L ← 2L}; the first rise of latency, or a drop, ends it;</li>
 *   <li>then {@code L ← L + smoothing × (L × gradient + queueSize(L) − L)}, clamped to {@code [minLimit,
 *   maxLimit]}; it settles where the queue the limit allows is {@code queueSize(L)};</li>
 *   <li>a {@linkplain dev.throttle.Permit#dropped() drop} of a permit granted since the last change is the
 *   strongest overload signal: at once, {@code L ← L + smoothing × (L × 0.5 − L)}, the lowest gradient with no
 *   queue allowed, so a drop lowers every limit above {@code minLimit}, however small.</li>
 * </ul>
 * Netflix counts its long window in samples, so under sustained overload the baseline climbs towards the overloaded
 * latency at a speed proportional to the throughput and the limit drifts up; a time constant bounds that drift
 * whatever the throughput, and the periodic no-load measurement ({@link NoLoadProbe}, after Envoy) puts the
 * baseline back on the backend's real latency. Envoy's own update, {@code gradient = (minRTT + buffer) / sampleRTT}
 * and {@code L ← gradient × L + sqrt(L)}, is this rule with {@code queueSize = sqrt} (see
 * {@link Builder#queueSize(IntUnaryOperator)}).
 */
public final class GradientAlgorithm extends ProbingAlgorithm {

    /** Above this ratio of long to short latency, the long one is cut (Netflix's value). */
    private static final double FASTER_RATIO = 2.0;
    /** The cut applied to the long latency per window while the backend is much faster (Netflix's value). */
    private static final double FASTER_DECAY = 0.9;
    /** The lowest gradient: at most half the limit is taken away per update; also the gradient of a drop. */
    static final double MIN_GRADIENT = 0.5;

    private final IntUnaryOperator queueSize;
    private final long longWindowNanos;

    private GradientAlgorithm(Builder builder) {
        super(checked(builder));
        this.queueSize = builder.queueSize;
        this.longWindowNanos = builder.longWindowNanos;
    }

    private static Builder checked(Builder builder) {
        builder.checkLimits();
        builder.checkProbeLimit();
        return builder;
    }

    /**
     * A builder with the defaults: initial limit 20, limits [1, 1000], queue size 4, smoothing 0.2, long window
     * 60 s, windows of at least 10 samples, no-load latency re-measured every 30 s plus up to 15% jitter at a limit
     * of 3 over 20 samples.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public LimitAlgorithm.State start(long nowNanos) {
        // As Envoy, the baseline is measured before any estimate is made.
        return new State(this, initialLimit, true, 0.0, nowNanos, RoundTripWindow.openAt(nowNanos), nowNanos,
                probe.start(nowNanos, initialLimit));
    }

    /** {@code max(0.5, min(1, longRtt / shortRtt))}. */
    static double gradient(double longRtt, double shortRtt) {
        return Math.max(MIN_GRADIENT, Math.min(1.0, longRtt / shortRtt));
    }

    private double queueSize(double estimate) {
        return Math.max(0, queueSize.applyAsInt((int) estimate));
    }

    @Override
    public String toString() {
        return "Gradient[initial " + initialLimit + ", limits [" + minLimit + ", " + maxLimit + "], smoothing "
                + smoothing + ", long window " + Duration.ofNanos(longWindowNanos) + "]";
    }

    /** The state: estimate, slow start, long latency, the current window, and the probe (null if none runs). */
    static final class State extends ProbingState {
        private final GradientAlgorithm a;
        private final double longRtt;
        private final long longAt;

        State(GradientAlgorithm a, double estimate, boolean slowStart, double longRtt, long longAt,
                RoundTripWindow window, long nextProbeAt, NoLoadProbe.Run probe) {
            super(a.probe, estimate, slowStart, window, nextProbeAt, probe);
            this.a = a;
            this.longRtt = longRtt;
            this.longAt = longAt;
        }

        @Override
        State with(RoundTripWindow window, NoLoadProbe.Run probe) {
            return new State(a, estimate, slowStart, longRtt, longAt, window, nextProbeAt, probe);
        }

        @Override
        State measured(NoLoadProbe.Run run, long nowNanos, long next) {
            return new State(a, run.savedEstimate, slowStart, run.averageRtt(), nowNanos,
                    RoundTripWindow.openAt(nowNanos), next, null);
        }

        /** The long-term latency average, in nanoseconds. */
        double longRttNanos() {
            return longRtt;
        }

        @Override
        LimitAlgorithm.State judge(long nowNanos, long startNanos, long rttNanos, long inFlight, boolean dropped) {
            if (!window.admits(startNanos)) {
                return this;
            }
            if (dropped) {
                // No queue allowance: with it, a limit at or below twice the queue size would rise on a drop.
                double target = estimate * MIN_GRADIENT;
                return next(nowNanos, AlgorithmChecks.smooth(estimate, target, a.smoothing), false, longRtt, longAt);
            }
            if (inFlight * 2 < estimate) {
                return this; // the limit was not in use: see VegasAlgorithm
            }
            RoundTripWindow filled = window.add(rttNanos, inFlight);
            if (!filled.full((int) estimate, a.minWindowSamples)) {
                return with(filled, null);
            }
            double shortRtt = filled.averageRtt();
            double weight = Math.min(1.0, (double) (nowNanos - longAt) / a.longWindowNanos);
            double longNow = longRtt + (shortRtt - longRtt) * weight;
            if (longNow / shortRtt > FASTER_RATIO) {
                longNow *= FASTER_DECAY;
            }
            if (filled.maxInFlight * 2 < estimate) {
                return next(nowNanos, estimate, slowStart, longNow, nowNanos); // not in use: judge nothing
            }
            double gradient = gradient(longNow, shortRtt);
            // Growth needs a window that reached the limit: see VegasAlgorithm.
            boolean reached = filled.maxInFlight >= (int) estimate;
            if (slowStart && gradient >= 1.0) {
                return next(nowNanos, reached ? 2 * estimate : estimate, true, longNow, nowNanos);
            }
            double target = estimate * gradient + a.queueSize(estimate);
            if (!reached) {
                target = Math.min(target, estimate);
            }
            return next(nowNanos, AlgorithmChecks.smooth(estimate, target, a.smoothing), false, longNow, nowNanos);
        }

        private State next(long nowNanos, double estimate, boolean slow, double longRtt, long longAt) {
            return new State(a, AlgorithmChecks.clamp(estimate, a.minLimit, a.maxLimit), slow, longRtt, longAt,
                    RoundTripWindow.openAt(nowNanos), nextProbeAt, null);
        }

        @Override
        public String toString() {
            return "Gradient.State[limit " + limit() + ", estimate " + estimate + ", longRtt " + longRtt + "ns"
                    + (slowStart ? ", slow start" : "") + (probe != null ? ", measuring no-load latency" : "") + "]";
        }
    }

    /** Builds a {@link GradientAlgorithm}; each setter checks its argument at once. */
    public static final class Builder extends ProbingAlgorithmBuilder<Builder> {
        private IntUnaryOperator queueSize = limit -> 4;
        private long longWindowNanos = Duration.ofSeconds(60).toNanos();

        private Builder() {
            super(0.2);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Sets a fixed queue size: how far above the backend's concurrency the limit settles (default 4, Netflix's).
         *
         * @param queueSize 0 or more
         * @return this builder
         * @throws IllegalArgumentException if it is negative
         */
        public Builder queueSize(int queueSize) {
            Arguments.requireInRange("queueSize", queueSize, 0, Integer.MAX_VALUE);
            this.queueSize = limit -> queueSize;
            return this;
        }

        /**
         * Sets the queue size as a function of the limit, for example {@code l -> (int) Math.sqrt(l)} for Envoy's
         * headroom. Negative results count as 0.
         *
         * @param queueSize the function; it must be pure
         * @return this builder
         * @throws IllegalArgumentException if it is null
         */
        public Builder queueSize(IntUnaryOperator queueSize) {
            this.queueSize = Arguments.requireNonNull("queueSize", queueSize);
            return this;
        }

        /**
         * Sets the time constant of the long-term latency average (default 60 s).
         *
         * @param longWindow from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if it is null or out of range
         */
        public Builder longWindow(Duration longWindow) {
            this.longWindowNanos = Arguments.periodNanos("longWindow", longWindow);
            return this;
        }

        /**
         * Builds the algorithm.
         *
         * @return the algorithm
         * @throws IllegalArgumentException if {@code minLimit <= initialLimit <= maxLimit} does not hold, or the
         *     probe's limit is above {@code maxLimit}
         */
        public GradientAlgorithm build() {
            return new GradientAlgorithm(this);
        }
    }
}
