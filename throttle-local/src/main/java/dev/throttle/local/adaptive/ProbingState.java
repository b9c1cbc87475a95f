package dev.throttle.local.adaptive;

/**
 * The part of a latency algorithm's state (gradient, Vegas) that runs the {@link NoLoadProbe}: while a measurement
 * runs the limit is the probe's and the samples feed the measurement; when one is due it starts; otherwise the
 * algorithm judges the sample. Immutable, as every {@link LimitAlgorithm.State}.
 */
abstract class ProbingState implements LimitAlgorithm.State {

    private final NoLoadProbe probes;
    final double estimate;
    final boolean slowStart;
    final RoundTripWindow window;
    final long nextProbeAt;
    /** The measurement running, or null. */
    final NoLoadProbe.Run probe;

    ProbingState(NoLoadProbe probes, double estimate, boolean slowStart, RoundTripWindow window, long nextProbeAt,
            NoLoadProbe.Run probe) {
        this.probes = probes;
        this.estimate = estimate;
        this.slowStart = slowStart;
        this.window = window;
        this.nextProbeAt = nextProbeAt;
        this.probe = probe;
    }

    /** This state with another window and measurement, all else equal. */
    abstract ProbingState with(RoundTripWindow window, NoLoadProbe.Run probe);

    /** The state after a measurement {@code run} completed at {@code nowNanos}; the next is due at {@code next}. */
    abstract LimitAlgorithm.State measured(NoLoadProbe.Run run, long nowNanos, long next);

    /** Judges a sample taken while no measurement runs nor is due. */
    abstract LimitAlgorithm.State judge(long nowNanos, long startNanos, long rttNanos, long inFlight, boolean dropped);

    @Override
    public final int limit() {
        return probe != null ? probes.limit : (int) estimate;
    }

    @Override
    public final boolean measuringNoLoad() {
        return probe != null;
    }

    @Override
    public final LimitAlgorithm.State onSample(long nowNanos, long startNanos, long rttNanos, long inFlight,
            boolean dropped) {
        if (probe != null) {
            return measure(nowNanos, startNanos, rttNanos, inFlight);
        }
        if (nowNanos >= nextProbeAt) {
            return with(window, probes.start(nowNanos, estimate));
        }
        return judge(nowNanos, startNanos, rttNanos, inFlight, dropped);
    }

    private LimitAlgorithm.State measure(long nowNanos, long startNanos, long rttNanos, long inFlight) {
        if (!probe.admits(startNanos, inFlight, probes.limit)) {
            return this;
        }
        NoLoadProbe.Run run = probe.add(rttNanos);
        if (run.samples < probes.samples) {
            return with(window, run);
        }
        return measured(run, nowNanos, probes.nextAfter(nowNanos));
    }
}
