package dev.throttle.local.resilience;

import dev.throttle.local.resilience.CircuitBreaker.State;

/**
 * An immutable state of a {@link CircuitBreaker}, swapped whole by CAS. The epoch grows by one at each transition,
 * so an outcome can be matched with the state its call was let through in.
 *
 * <ul>
 *   <li>CLOSED: the window of recent outcomes (itself thread-safe; it stays the same object while closed);</li>
 *   <li>OPEN: when it opened;</li>
 *   <li>HALF_OPEN: probes let through, probes finished, and the failed and slow ones among the finished.</li>
 * </ul>
 */
final class BreakerState {

    final State state;
    final long epoch;
    final OutcomeWindow window;
    final long openedAt;
    final int permitted;
    final int finished;
    final int failures;
    final int slowCalls;

    private BreakerState(State state, long epoch, OutcomeWindow window, long openedAt, int permitted, int finished,
            int failures, int slowCalls) {
        this.state = state;
        this.epoch = epoch;
        this.window = window;
        this.openedAt = openedAt;
        this.permitted = permitted;
        this.finished = finished;
        this.failures = failures;
        this.slowCalls = slowCalls;
    }

    static BreakerState closed(long epoch, OutcomeWindow window) {
        return new BreakerState(State.CLOSED, epoch, window, 0L, 0, 0, 0, 0);
    }

    static BreakerState open(long epoch, long openedAt) {
        return new BreakerState(State.OPEN, epoch, null, openedAt, 0, 0, 0, 0);
    }

    static BreakerState halfOpen(long epoch, int permitted) {
        return new BreakerState(State.HALF_OPEN, epoch, null, 0L, permitted, 0, 0, 0);
    }

    BreakerState withPermitted(int newPermitted) {
        return new BreakerState(state, epoch, null, 0L, newPermitted, finished, failures, slowCalls);
    }

    BreakerState withProbeOutcome(int outcome) {
        return new BreakerState(state, epoch, null, 0L, permitted, finished + 1,
                failures + Outcomes.failures(outcome), slowCalls + Outcomes.slowCalls(outcome));
    }
}
