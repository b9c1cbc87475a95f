package dev.throttle.local.adaptive;

import dev.throttle.kernel.Arguments;

/**
 * Delay-based limit after TCP Vegas, with the update rule of Netflix concurrency-limits' {@code VegasLimit}
 * (<a href="https://github.com/Netflix/concurrency-limits">github.com/Netflix/concurrency-limits</a>,
 * {@code com.netflix.concurrency.limits.limit.VegasLimit}): the queue the limit builds at the backend is estimated
 * from how much slower permits are than with no load, and the limit moves to keep that queue small but not empty.
 *
 * <p>Once per {@linkplain RoundTripWindow window} of permits granted since the last change (about one round trip),
 * with {@code L} the limit, {@code rtt} the window's average latency and {@code rttNoLoad} the no-load latency:
 * <ul>
 *   <li>{@code queue = ceil(L × (1 − rttNoLoad / rtt))};</li>
 *   <li>{@code log = max(1, floor(log10 L))}, {@code threshold = thresholdFactor × log}, {@code alpha =
 *   alphaFactor × log}, {@code beta = betaFactor × log} (Netflix's defaults: 1, 3, 6);</li>
 *   <li>a sample taken with fewer than {@code L / 2} permits in flight is not added: the limit was not in use (as
 *   Netflix's rule skips it); if the window's highest in-flight is below {@code L / 2}, no change; if it is
 *   below {@code L}, the limit did not hold the load back: no increase (as TCP's congestion window validation,
 *   RFC 7661; Netflix only has the first rule);</li>
 *   <li>slow start: while {@code queue <= threshold}, {@code L ← 2L}; the first queue above it, or a drop, ends
 *   it;</li>
 *   <li>then {@code queue <= threshold}: {@code L ← L + beta}; {@code queue < alpha}: {@code L ← L + log};
 *   {@code queue > beta}: {@code L ← L − log}; otherwise no change;</li>
 *   <li>a {@linkplain dev.throttle.Permit#dropped() drop} of a permit granted since the last change:
 *   {@code L ← L × backoffRatio} at once (TCP Vegas falls back to loss-based backoff on loss; Netflix subtracts
 *   {@code log});</li>
 *   <li>each change is smoothed, {@code L ← L + smoothing × (target − L)}, and clamped to {@code [minLimit,
 *   maxLimit]}.</li>
 * </ul>
 * {@code rttNoLoad} is the lowest latency seen since it was last measured. Netflix re-measures it by taking the
 * current latency every so many samples, which under sustained overload raises the baseline to the overloaded
 * latency; here it is re-measured at a reduced concurrency, with jitter, as Envoy's gradient controller measures its
 * minRTT (see {@link NoLoadProbe} for the rule and the citation), so a backend that became slower at every load is
 * learned without mistaking overload for it.
 */
public final class VegasAlgorithm extends ProbingAlgorithm {

    private final int alphaFactor;
    private final int betaFactor;
    private final int thresholdFactor;
    private final double backoffRatio;

    private VegasAlgorithm(Builder builder) {
        super(checked(builder));
        this.alphaFactor = builder.alphaFactor;
        this.betaFactor = builder.betaFactor;
        this.thresholdFactor = builder.thresholdFactor;
        this.backoffRatio = builder.backoffRatio;
    }

    private static Builder checked(Builder builder) {
        builder.checkLimits();
        Arguments.requireInRange("betaFactor", builder.betaFactor, builder.alphaFactor, Integer.MAX_VALUE);
        Arguments.requireInRange("thresholdFactor", builder.thresholdFactor, 1, builder.alphaFactor);
        builder.checkProbeLimit();
        return builder;
    }

    /**
     * A builder with the defaults: initial limit 20, limits [1, 1000], alpha 3, beta 6 and threshold 1 times
     * {@code log10} of the limit, backoff ratio 0.9 on drops, smoothing 1, windows of at least 10 samples, no-load
     * latency re-measured every 30 s plus up to 15% jitter at a limit of 3 over 20 samples.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public LimitAlgorithm.State start(long nowNanos) {
        // As Envoy, the first no-load measurement runs before any estimate is made.
        return new State(this, initialLimit, true, 0L, RoundTripWindow.openAt(nowNanos), nowNanos,
                probe.start(nowNanos, initialLimit));
    }

    /**
     * The queue estimate of the rule: {@code ceil(limit × (1 − rttNoLoad / rtt))}, never negative.
     *
     * @param limit the limit
     * @param rttNoLoad the no-load latency
     * @param rtt the measured latency
     * @return the estimated number of queued permits
     */
    static int queue(double limit, double rttNoLoad, double rtt) {
        return (int) Math.max(0.0, Math.ceil(limit * (1.0 - rttNoLoad / rtt)));
    }

    /** {@code max(1, floor(log10(limit)))}, the unit of Netflix's default thresholds and steps. */
    static int log10(double limit) {
        return Math.max(1, (int) Math.log10(Math.max(1.0, limit)));
    }

    @Override
    public String toString() {
        return "Vegas[initial " + initialLimit + ", limits [" + minLimit + ", " + maxLimit + "], alpha "
                + alphaFactor + ", beta " + betaFactor + ", threshold " + thresholdFactor + " × log10, backoff "
                + backoffRatio + ", smoothing " + smoothing + "]";
    }

    /** The state: estimate, slow start, no-load latency, the current window, and the probe (null if none runs). */
    static final class State extends ProbingState {
        private final VegasAlgorithm a;
        private final long noLoadRtt;

        State(VegasAlgorithm a, double estimate, boolean slowStart, long noLoadRtt, RoundTripWindow window,
                long nextProbeAt, NoLoadProbe.Run probe) {
            super(a.probe, estimate, slowStart, window, nextProbeAt, probe);
            this.a = a;
            this.noLoadRtt = noLoadRtt;
        }

        @Override
        State with(RoundTripWindow window, NoLoadProbe.Run probe) {
            return new State(a, estimate, slowStart, noLoadRtt, window, nextProbeAt, probe);
        }

        @Override
        State measured(NoLoadProbe.Run run, long nowNanos, long next) {
            return new State(a, run.savedEstimate, slowStart, run.minRtt, RoundTripWindow.openAt(nowNanos), next,
                    null);
        }

        /** The no-load latency in use, 0 before the first measurement ends. */
        long noLoadRttNanos() {
            return noLoadRtt;
        }

        @Override
        LimitAlgorithm.State judge(long nowNanos, long startNanos, long rttNanos, long inFlight, boolean dropped) {
            long noLoad = Math.min(noLoadRtt, rttNanos);
            if (!window.admits(startNanos)) {
                return noLoad == noLoadRtt ? this
                        : new State(a, estimate, slowStart, noLoad, window, nextProbeAt, null);
            }
            if (dropped) {
                double next = AlgorithmChecks.smooth(estimate, estimate * a.backoffRatio, a.smoothing);
                return changed(nowNanos, next, false, noLoad);
            }
            if (inFlight * 2 < estimate) {
                // Taken while the limit was not in use: it says nothing about the limit. Skipping it also spares
                // the common, unsaturated case any allocation or compare-and-set.
                return noLoad == noLoadRtt ? this
                        : new State(a, estimate, slowStart, noLoad, window, nextProbeAt, null);
            }
            RoundTripWindow filled = window.add(rttNanos, inFlight);
            if (!filled.full((int) estimate, a.minWindowSamples)) {
                return new State(a, estimate, slowStart, noLoad, filled, nextProbeAt, null);
            }
            if (filled.maxInFlight * 2 < estimate) {
                return changed(nowNanos, estimate, slowStart, noLoad); // not in use: judge nothing
            }
            int queue = queue(estimate, noLoad, filled.averageRtt());
            int log = log10(estimate);
            // Only a window that reached the limit shows the limit is what holds the load back (as TCP's window
            // validation, RFC 7661); one taken while the in-flight count climbs back, after a change or a probe,
            // shows an unloaded backend and would push the limit past the capacity.
            boolean reached = filled.maxInFlight >= (int) estimate;
            boolean slow = slowStart && queue <= a.thresholdFactor * log;
            double target;
            if (slow) {
                target = reached ? 2 * estimate : estimate;
            } else if (queue <= a.thresholdFactor * log) {
                target = reached ? estimate + a.betaFactor * log : estimate;
            } else if (queue < a.alphaFactor * log) {
                target = reached ? estimate + log : estimate;
            } else if (queue > a.betaFactor * log) {
                target = estimate - log;
            } else {
                target = estimate;
            }
            double next = slow ? target : AlgorithmChecks.smooth(estimate, target, a.smoothing);
            return changed(nowNanos, next, slow, noLoad);
        }

        private State changed(long nowNanos, double next, boolean slow, long noLoad) {
            return new State(a, AlgorithmChecks.clamp(next, a.minLimit, a.maxLimit), slow, noLoad,
                    RoundTripWindow.openAt(nowNanos), nextProbeAt, null);
        }

        @Override
        public String toString() {
            return "Vegas.State[limit " + limit() + ", estimate " + estimate + ", rttNoLoad " + noLoadRtt + "ns"
                    + (slowStart ? ", slow start" : "") + (probe != null ? ", measuring no-load latency" : "") + "]";
        }
    }

    /** Builds a {@link VegasAlgorithm}; each setter checks its argument at once. */
    public static final class Builder extends ProbingAlgorithmBuilder<Builder> {
        private int alphaFactor = 3;
        private int betaFactor = 6;
        private int thresholdFactor = 1;
        private double backoffRatio = 0.9;

        private Builder() {
            super(1.0);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Sets the three thresholds of the queue estimate, as multiples of {@code max(1, floor(log10 L))} (defaults
         * 1, 3, 6).
         *
         * @param threshold up to this queue the limit grows fast (slow start, then by {@code beta})
         * @param alpha below this queue the limit grows
         * @param beta above this queue the limit shrinks
         * @return this builder
         * @throws IllegalArgumentException unless {@code 1 <= threshold <= alpha <= beta}
         */
        public Builder thresholds(int threshold, int alpha, int beta) {
            Arguments.requireInRange("threshold", threshold, 1, Integer.MAX_VALUE);
            Arguments.requireInRange("alpha", alpha, threshold, Integer.MAX_VALUE);
            Arguments.requireInRange("beta", beta, alpha, Integer.MAX_VALUE);
            this.thresholdFactor = threshold;
            this.alphaFactor = alpha;
            this.betaFactor = beta;
            return this;
        }

        /**
         * Sets the factor applied to the limit on a drop (default 0.9).
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
         * Builds the algorithm.
         *
         * @return the algorithm
         * @throws IllegalArgumentException if {@code minLimit <= initialLimit <= maxLimit} does not hold, or the
         *     probe's limit is above {@code maxLimit}
         */
        public VegasAlgorithm build() {
            return new VegasAlgorithm(this);
        }
    }
}
