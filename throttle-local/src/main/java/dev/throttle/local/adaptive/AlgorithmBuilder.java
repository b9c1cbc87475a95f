package dev.throttle.local.adaptive;

/**
 * The settings every limit algorithm's builder shares: the limit's bounds, where it starts, and how much of each
 * computed change is applied. Package-private: its setters are part of each algorithm's public builder, which they
 * return (as {@code StringBuilder}'s are).
 *
 * @param <B> the algorithm's builder, returned by every setter for chaining
 */
abstract class AlgorithmBuilder<B extends AlgorithmBuilder<B>> {

    int initialLimit = 20;
    int minLimit = 1;
    int maxLimit = 1000;
    double smoothing;

    /**
     * @param smoothing the algorithm's default share of each change applied
     */
    AlgorithmBuilder(double smoothing) {
        this.smoothing = smoothing;
    }

    /** This builder, as its own type. */
    abstract B self();

    /**
     * Sets the limit a limiter starts with (default 20; for algorithms that measure the no-load latency first,
     * once that first measurement is done).
     *
     * @param initialLimit from {@code minLimit} to {@code maxLimit}, checked by {@code build()}
     * @return this builder
     * @throws IllegalArgumentException if it is below 1
     */
    public B initialLimit(int initialLimit) {
        this.initialLimit = AlgorithmChecks.requireLimit("initialLimit", initialLimit);
        return self();
    }

    /**
     * Sets the lowest limit (default 1).
     *
     * @param minLimit 1 or more
     * @return this builder
     * @throws IllegalArgumentException if it is below 1
     */
    public B minLimit(int minLimit) {
        this.minLimit = AlgorithmChecks.requireLimit("minLimit", minLimit);
        return self();
    }

    /**
     * Sets the highest limit (default 1000).
     *
     * @param maxLimit at least {@code minLimit}, checked by {@code build()}
     * @return this builder
     * @throws IllegalArgumentException if it is below 1
     */
    public B maxLimit(int maxLimit) {
        this.maxLimit = AlgorithmChecks.requireLimit("maxLimit", maxLimit);
        return self();
    }

    /**
     * Sets the share of each computed change that is applied (default 0.2 for the gradient algorithm, Netflix's;
     * 1, all of it, for the others).
     *
     * @param smoothing in {@code (0, 1]}
     * @return this builder
     * @throws IllegalArgumentException if it is out of range or NaN
     */
    public B smoothing(double smoothing) {
        this.smoothing = AlgorithmChecks.requireAboveUpTo("smoothing", smoothing, 0.0, 1.0);
        return self();
    }

    /** Checks {@code minLimit <= initialLimit <= maxLimit}, which no single setter can. */
    void checkLimits() {
        AlgorithmChecks.requireOrdered(minLimit, initialLimit, maxLimit);
    }
}
