package dev.throttle.local.adaptive;

import dev.throttle.Ticker;
import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A latency percentile over a sliding window of time, in nanoseconds, as a {@link HealthSignal}; {@link Double#NaN}
 * while the window holds fewer than the minimum samples.
 *
 * <p>Each bucket of time holds a fixed log-linear histogram (592 counters): exact below 16 ns, then 16 linear
 * sub-buckets per power of two. <b>Precision:</b> the reading is the upper bound of the histogram bucket holding the
 * nearest-rank percentile sample {@code x}, so {@code x <= reading < x·(1 + 1/16)}: it may overstate by less than
 * 6.25%, never understate. Latencies above 2<sup>40</sup> ns (about 18 minutes) count as that.
 *
 * <p>Recording is lock-free: one atomic increment, plus one histogram allocation when a bucket of time opens. A
 * reading sums the histograms of the window (592 × buckets additions), which a limiter does at most once per
 * evaluation interval.
 */
final class LatencyPercentileSignal implements HealthSignal.LatencyPercentile {

    /** One bucket of time's histogram; replaced whole when its slot is reused. */
    private static final class Histogram {
        final long index;
        final AtomicLongArray counts = new AtomicLongArray(LogLinearScale.SIZE);

        Histogram(long index) {
            this.index = index;
        }
    }

    private final Ticker ticker;
    private final TimeBuckets buckets;
    private final double percentile;
    private final long minimumSamples;
    private final AtomicReferenceArray<Histogram> ring;

    private LatencyPercentileSignal(Ticker ticker, TimeBuckets buckets, double percentile, long minimumSamples) {
        this.ticker = ticker;
        this.buckets = buckets;
        this.percentile = percentile;
        this.minimumSamples = minimumSamples;
        this.ring = new AtomicReferenceArray<>(buckets.count);
    }

    /**
     * A latency percentile over a sliding window.
     *
     * @param ticker the clock samples are stamped with; the limiter's own
     * @param window the length of the window, a whole number of nanoseconds per bucket
     * @param buckets how many buckets of time the window is cut into, from 1 to 3600
     * @param percentile which percentile, in (0, 100], for example 99.0
     * @param minimumSamples the samples the window must hold for a reading, 1 or more; fewer read as NaN
     * @return the signal
     * @throws IllegalArgumentException if an argument is null or out of range
     */
    static LatencyPercentileSignal over(Ticker ticker, Duration window, int buckets, double percentile,
            long minimumSamples) {
        Arguments.requireNonNull("ticker", ticker);
        TimeBuckets cut = new TimeBuckets(window, buckets);
        RateArguments.requireAboveAtMost("percentile", percentile, 0.0, 100.0);
        Arguments.requirePositive("minimumSamples", minimumSamples);
        return new LatencyPercentileSignal(ticker, cut, percentile, minimumSamples);
    }

    /**
     * Records one call's latency now.
     *
     * @param latency the latency
     * @throws IllegalArgumentException if {@code latency} is null or negative
     */
    @Override
    public void record(Duration latency) {
        record(Arguments.toNanos("latency", latency, 0L, Long.MAX_VALUE));
    }

    /**
     * Records one call's latency now.
     *
     * @param latencyNanos the latency in nanoseconds, zero or more
     * @throws IllegalArgumentException if {@code latencyNanos} is negative
     */
    @Override
    public void record(long latencyNanos) {
        Arguments.requireNonNegative("latencyNanos", latencyNanos);
        int counter = LogLinearScale.index(latencyNanos);
        long index = buckets.index(ticker.read());
        int slot = buckets.slot(index);
        for (;;) {
            Histogram present = ring.get(slot);
            if (present != null && present.index == index) {
                present.counts.getAndIncrement(counter);
                return;
            }
            if (present != null && present.index > index) {
                return; // a stale reading of time: its bucket has left the window
            }
            ring.compareAndSet(slot, present, new Histogram(index));
        }
    }

    /**
     * {@inheritDoc}
     *
     * @return the percentile in nanoseconds, within the precision stated above, or NaN below the minimum samples
     */
    @Override
    public double read(long nowNanos) {
        long newest = buckets.index(nowNanos);
        long[] sums = new long[LogLinearScale.SIZE];
        long total = 0;
        for (int slot = 0; slot < buckets.count; slot++) {
            Histogram histogram = ring.get(slot);
            if (histogram != null && buckets.live(histogram.index, newest)) {
                for (int i = 0; i < sums.length; i++) {
                    long count = histogram.counts.get(i);
                    sums[i] += count;
                    total += count;
                }
            }
        }
        if (total < minimumSamples) {
            return Double.NaN;
        }
        // Nearest rank: the smallest sample with at least percentile% of the samples at or below it.
        // The epsilon keeps a rank that is whole on paper (99% of 100) from rounding up past itself.
        long rank = Math.max(1L, (long) Math.ceil(percentile * total / 100.0 - 1e-9));
        long seen = 0;
        for (int i = 0; i < sums.length; i++) {
            seen += sums[i];
            if (seen >= rank) {
                return LogLinearScale.upperBound(i);
            }
        }
        return LogLinearScale.MAX_VALUE;
    }

    @Override
    public String toString() {
        return "LatencyPercentileSignal[p" + percentile + " over " + buckets.count + " x " + buckets.width + "ns]";
    }
}
