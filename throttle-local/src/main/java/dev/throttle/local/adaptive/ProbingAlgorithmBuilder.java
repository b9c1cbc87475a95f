package dev.throttle.local.adaptive;

import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The settings shared by the builders of algorithms that judge windows of latencies against a re-measured no-load
 * latency (gradient, Vegas). Package-private: its setters are part of each algorithm's public builder.
 *
 * @param <B> the algorithm's builder, returned by every setter for chaining
 */
abstract class ProbingAlgorithmBuilder<B extends ProbingAlgorithmBuilder<B>> extends AlgorithmBuilder<B> {

    int minWindowSamples = 10;
    private Duration probeInterval = Duration.ofSeconds(30);
    private double probeJitter = 0.15;
    private int probeLimit = 3;
    private int probeSamples = 20;
    private RandomGenerator random = ThreadLocalDraws.INSTANCE;

    /**
     * @param smoothing the algorithm's default share of each change applied
     */
    ProbingAlgorithmBuilder(double smoothing) {
        super(smoothing);
    }

    /**
     * Sets the fewest samples a window needs before it judges the limit (default 10); it also waits for half
     * the limit's worth.
     *
     * @param minWindowSamples 1 or more
     * @return this builder
     * @throws IllegalArgumentException if it is below 1
     */
    public B minWindowSamples(int minWindowSamples) {
        this.minWindowSamples = AlgorithmChecks.requireLimit("minWindowSamples", minWindowSamples);
        return self();
    }

    /**
     * Sets how the no-load latency is re-measured (defaults: every 30 s, jitter 0.15, limit 3, 20 samples).
     *
     * @param interval the time between measurements, from 1 ns to {@link dev.throttle.LimitSpec#MAX_DURATION}
     * @param jitter the largest random extra delay, as a share of {@code interval}, in {@code [0, 1]}
     * @param limit the limit while measuring, from 1 to {@code maxLimit}
     * @param samples the permits at that limit whose latencies make the measurement, 1 or more
     * @return this builder
     * @throws IllegalArgumentException if an argument is out of range
     */
    public B noLoadProbe(Duration interval, double jitter, int limit, int samples) {
        new NoLoadProbe(interval, jitter, limit, samples, random); // checks them all before any is kept
        this.probeInterval = interval;
        this.probeJitter = jitter;
        this.probeLimit = limit;
        this.probeSamples = samples;
        return self();
    }

    /**
     * Sets the source of the probe's jitter (default: thread-local random); tests fix it.
     *
     * @param random the source
     * @return this builder
     * @throws IllegalArgumentException if it is null
     */
    public B random(RandomGenerator random) {
        this.random = Arguments.requireNonNull("random", random);
        return self();
    }

    /** Checks the probe's limit against {@code maxLimit}, which no single setter can. */
    void checkProbeLimit() {
        Arguments.requireInRange("probeLimit", probeLimit, 1, maxLimit);
    }

    /** The no-load probe these settings describe. */
    NoLoadProbe probe() {
        return new NoLoadProbe(probeInterval, probeJitter, probeLimit, probeSamples, random);
    }
}
