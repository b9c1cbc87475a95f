package dev.throttle.micrometer;

import dev.throttle.ConcurrencyStats;
import dev.throttle.Limiter;

/** A metered limiter whose permits are held until closed, still showing its live state to whoever reads it. */
final class MeteredConcurrencyLimiter extends MeteredLimiter implements ConcurrencyStats {

    private final ConcurrencyStats stats;

    MeteredConcurrencyLimiter(Limiter delegate, DecisionMeters meters) {
        super(delegate, meters);
        this.stats = (ConcurrencyStats) delegate;
    }

    @Override
    public long limit() {
        return stats.limit();
    }

    @Override
    public long inFlight() {
        return stats.inFlight();
    }

    @Override
    public int queueLength() {
        return stats.queueLength();
    }
}
