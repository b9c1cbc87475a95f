package dev.throttle.local.adaptive;

import dev.throttle.kernel.Arguments;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When and how an algorithm re-measures the no-load latency, after Envoy's adaptive concurrency filter
 * (<a href="https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/adaptive_concurrency_filter">
 * gradient controller, "Calculating the minRTT"</a>): every {@code interval} plus a random jitter of up to
 * {@code jitter × interval} (so that the hosts of a fleet do not all measure at once), the limit drops to
 * {@code limit} until {@code samples} permits granted at that reduced concurrency have completed; their latencies
 * are the new baseline, and the previous limit comes back. The first measurement happens when the limiter starts,
 * so the baseline is never taken from an overloaded backend. Immutable settings.
 */
final class NoLoadProbe {

    final long intervalNanos;
    final double jitter;
    final int limit;
    final int samples;
    final RandomGenerator random;
    private final long jitterNanos;

    NoLoadProbe(Duration interval, double jitter, int limit, int samples, RandomGenerator random) {
        this.intervalNanos = Arguments.periodNanos("probeInterval", interval);
        this.jitter = AlgorithmChecks.requireInRange("probeJitter", jitter, 0.0, 1.0);
        this.limit = AlgorithmChecks.requireLimit("probeLimit", limit);
        this.samples = AlgorithmChecks.requireLimit("probeSamples", samples);
        this.random = Arguments.requireNonNull("random", random);
        this.jitterNanos = (long) (intervalNanos * jitter);
    }

    /** The time of the next measurement after one that ends at {@code nowNanos}. */
    long nextAfter(long nowNanos) {
        long delay = intervalNanos + (jitterNanos == 0 ? 0 : random.nextLong(jitterNanos + 1));
        return AlgorithmChecks.saturatedAdd(nowNanos, delay);
    }

    /** A measurement in progress: the samples so far and the estimate to restore at its end. Immutable. */
    static final class Run {
        final long startedAt;
        final int samples;
        final long minRtt;
        final long rttSum;
        final double savedEstimate;

        Run(long startedAt, int samples, long minRtt, long rttSum, double savedEstimate) {
            this.startedAt = startedAt;
            this.samples = samples;
            this.minRtt = minRtt;
            this.rttSum = rttSum;
            this.savedEstimate = savedEstimate;
        }

        /** Whether a sample is a no-load one: granted during the measurement, at the reduced concurrency. */
        boolean admits(long startNanos, long inFlight, int probeLimit) {
            return startNanos >= startedAt && inFlight <= probeLimit;
        }

        Run add(long rttNanos) {
            return new Run(startedAt, samples + 1, Math.min(minRtt, rttNanos),
                    AlgorithmChecks.saturatedAdd(rttSum, rttNanos), savedEstimate);
        }

        double averageRtt() {
            return Math.max(1.0, (double) rttSum / samples);
        }
    }

    /** A measurement starting now, remembering the estimate to restore. */
    Run start(long nowNanos, double estimate) {
        return new Run(nowNanos, 0, Long.MAX_VALUE, 0L, estimate);
    }
}
