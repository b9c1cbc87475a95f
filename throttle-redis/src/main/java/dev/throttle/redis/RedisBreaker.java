package dev.throttle.redis;

import dev.throttle.Ticker;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engine's circuit breaker around Redis. Closed: every decision goes to Redis, and {@code threshold} consecutive
 * failures or timeouts open it. Open: decisions follow the failure policy at once, without a round trip, so an
 * outage costs no timeout per call. Once the open time has passed, one call goes through as a probe (half-open):
 * its success closes the breaker, its failure opens it again. An answer that comes after its call timed out closes it
 * too ({@link #onLateAnswer()}): a server that answers late is slow, not down.
 *
 * <p>Lock-free: the state is an immutable value swapped by compare-and-set; a success while closed and without
 * failures changes (and allocates) nothing. A probe that never reports (it cannot: every decision is bounded by the
 * decision timeout) would be replaced by a new one after another open time.
 */
final class RedisBreaker {

    /** The three states. */
    enum Mode {
        CLOSED, OPEN, HALF_OPEN
    }

    /** One state: the mode, consecutive failures (closed), and when it was opened or the probe sent. */
    private static final class State {
        final Mode mode;
        final int failures;
        final long since;

        State(Mode mode, int failures, long since) {
            this.mode = mode;
            this.failures = failures;
            this.since = since;
        }
    }

    private static final State CLOSED = new State(Mode.CLOSED, 0, 0L);

    private final int threshold;
    private final long openNanos;
    private final Ticker ticker;
    private final RedisEngine.Stats stats;
    private final AtomicReference<State> state = new AtomicReference<>(CLOSED);

    RedisBreaker(int threshold, long openNanos, Ticker ticker, RedisEngine.Stats stats) {
        this.threshold = threshold;
        this.openNanos = openNanos;
        this.ticker = ticker;
        this.stats = stats;
    }

    /**
     * Tells whether a call may go to Redis now: always while closed; while open, only the one call that becomes the
     * probe once the open time has passed.
     */
    boolean allowCall() {
        while (true) {
            State current = state.get();
            if (current.mode == Mode.CLOSED) {
                return true;
            }
            long now = ticker.read();
            if (now - current.since < openNanos) {
                return false; // open, or a probe is out
            }
            if (state.compareAndSet(current, new State(Mode.HALF_OPEN, 0, now))) {
                return true;
            }
        }
    }

    /** Redis answered: closes the breaker (a late answer while open changes nothing: only a probe may close it). */
    void onSuccess() {
        State current = state.get();
        if (current != CLOSED && current.mode != Mode.OPEN) {
            state.compareAndSet(current, CLOSED);
        }
    }

    /**
     * Redis answered a call after the call had timed out here: the server is alive, only slow (or the client too loaded
     * to read its answers in time), so the failures that call counted were not an outage. Closes the breaker whatever
     * its mode: an open breaker would otherwise refuse everything for its open time, and on a loaded client its probe,
     * bounded by the same timeout, would fail again and again.
     */
    void onLateAnswer() {
        State current = state.get();
        if (current != CLOSED) {
            state.compareAndSet(current, CLOSED);
        }
    }

    /** What {@link #onFailure()} answers when the failure did not open the breaker. */
    static final int NOT_OPENED = -1;
    /** What {@link #onFailure()} answers when a failed probe opened the breaker again. */
    static final int PROBE_FAILED = 0;

    /**
     * Redis failed or timed out: counts towards opening, or opens again after a failed probe.
     *
     * @return the consecutive failures that opened the breaker, {@link #PROBE_FAILED}, or {@link #NOT_OPENED}
     */
    int onFailure() {
        while (true) {
            State current = state.get();
            if (current.mode == Mode.OPEN) {
                return NOT_OPENED;
            }
            boolean open = current.mode == Mode.HALF_OPEN || current.failures + 1 >= threshold;
            State next = open ? new State(Mode.OPEN, 0, ticker.read()) : new State(Mode.CLOSED, current.failures + 1, 0L);
            if (state.compareAndSet(current, next)) {
                if (open) {
                    stats.breakerOpened();
                    return current.mode == Mode.HALF_OPEN ? PROBE_FAILED : current.failures + 1;
                }
                return NOT_OPENED;
            }
        }
    }

    /** The time until a probe may go, while open; 0 otherwise. */
    long remainingOpenNanos() {
        State current = state.get();
        if (current.mode != Mode.OPEN) {
            return 0L;
        }
        return Math.max(0L, openNanos - (ticker.read() - current.since));
    }

    /** The current mode (an open breaker whose time has passed still reads OPEN until a call probes). */
    Mode mode() {
        return state.get().mode;
    }

    @Override
    public String toString() {
        State current = state.get();
        return "RedisBreaker[" + current.mode + (current.mode == Mode.CLOSED ? ", failures " + current.failures : "")
                + "]";
    }
}
