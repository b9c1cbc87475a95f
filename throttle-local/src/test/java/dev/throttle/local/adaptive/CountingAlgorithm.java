package dev.throttle.local.adaptive;

/**
 * A test algorithm that counts what it is fed. Its state is immutable like a real one, so a sample applied twice
 * (or lost) by the limiter's compare-and-set shows in the final counts. The limit cycles through
 * {@code [low, low + span)} by sample count, to keep the limiter publishing changes.
 */
final class CountingAlgorithm implements LimitAlgorithm {

    private final int low;
    private final int span;

    CountingAlgorithm(int low, int span) {
        this.low = low;
        this.span = span;
    }

    /** A fixed limit. */
    static CountingAlgorithm fixed(int limit) {
        return new CountingAlgorithm(limit, 1);
    }

    @Override
    public LimitAlgorithm.State start(long nowNanos) {
        return new Counts(low, span, 0, 0, 0L, 0L);
    }

    @Override
    public int minLimit() {
        return low;
    }

    @Override
    public int maxLimit() {
        return low + span - 1;
    }

    /** The counts: samples, drops, the sum of their latencies, the last latency. */
    record Counts(int low, int span, long samples, long drops, long rttSum, long lastRtt) implements LimitAlgorithm.State {
        @Override
        public int limit() {
            return low + (int) (samples % span);
        }

        @Override
        public LimitAlgorithm.State onSample(long nowNanos, long startNanos, long rttNanos, long inFlight, boolean dropped) {
            return new Counts(low, span, samples + 1, drops + (dropped ? 1 : 0), rttSum + rttNanos, rttNanos);
        }
    }
}
