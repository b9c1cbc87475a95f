package dev.throttle.local.adaptive;

/**
 * The settings a latency algorithm (gradient, Vegas) keeps from its {@link ProbingAlgorithmBuilder}, and the bounds
 * it reports. Package-private: the algorithms are the public types. Immutable.
 */
abstract class ProbingAlgorithm implements LimitAlgorithm {

    final int initialLimit;
    final int minLimit;
    final int maxLimit;
    final double smoothing;
    final int minWindowSamples;
    final NoLoadProbe probe;

    /**
     * @param builder settings already checked together by the algorithm
     */
    ProbingAlgorithm(ProbingAlgorithmBuilder<?> builder) {
        this.initialLimit = builder.initialLimit;
        this.minLimit = builder.minLimit;
        this.maxLimit = builder.maxLimit;
        this.smoothing = builder.smoothing;
        this.minWindowSamples = builder.minWindowSamples;
        this.probe = builder.probe();
    }

    /**
     * {@inheritDoc} It is the lower of {@code minLimit} and the probe's limit.
     *
     * @return one or more
     */
    @Override
    public final int minLimit() {
        return Math.min(minLimit, probe.limit);
    }

    @Override
    public final int maxLimit() {
        return maxLimit;
    }
}
