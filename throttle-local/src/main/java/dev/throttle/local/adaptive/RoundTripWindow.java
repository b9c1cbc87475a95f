package dev.throttle.local.adaptive;

/**
 * The samples of the permits granted since the limit last changed, aggregated (count, latency sum, highest
 * in-flight) until there are enough to judge that limit. Samples of permits granted before the window opened are
 * not added: they were in flight under an older limit, and judging the new limit by them makes the estimate
 * overshoot by one round trip's worth of changes (the one-update-per-round-trip rule of TCP Vegas). Immutable.
 */
final class RoundTripWindow {

    final long openedAt;
    final int samples;
    final long rttSum;
    final long maxInFlight;

    private RoundTripWindow(long openedAt, int samples, long rttSum, long maxInFlight) {
        this.openedAt = openedAt;
        this.samples = samples;
        this.rttSum = rttSum;
        this.maxInFlight = maxInFlight;
    }

    /** An empty window for the permits granted from {@code nowNanos} on. */
    static RoundTripWindow openAt(long nowNanos) {
        return new RoundTripWindow(nowNanos, 0, 0L, 0L);
    }

    /** Whether a permit granted at {@code startNanos} belongs to this window. */
    boolean admits(long startNanos) {
        return startNanos >= openedAt;
    }

    /** This window with one more sample. */
    RoundTripWindow add(long rttNanos, long inFlight) {
        return new RoundTripWindow(openedAt, samples + 1, AlgorithmChecks.saturatedAdd(rttSum, rttNanos),
                Math.max(maxInFlight, inFlight));
    }

    /**
     * Whether the window holds enough samples to judge {@code limit}: half of it (about half a round trip of
     * completions while the limit is in use), and at least {@code minSamples} so one outlier cannot move it.
     */
    boolean full(int limit, int minSamples) {
        return samples >= Math.max(minSamples, (limit + 1) / 2);
    }

    /** The average latency of the window's samples, in nanoseconds; at least 1. */
    double averageRtt() {
        return samples == 0 ? 1.0 : Math.max(1.0, (double) rttSum / samples);
    }
}
