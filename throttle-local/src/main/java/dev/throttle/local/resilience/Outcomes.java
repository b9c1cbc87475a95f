package dev.throttle.local.resilience;

/**
 * A call's outcome in two bits, as the windows store it: bit 0 set for a failure, bit 1 set for a slow call.
 */
final class Outcomes {

    /** The bit of a failure. */
    static final int FAILURE = 1;
    /** The bit of a slow call. */
    static final int SLOW = 2;

    private Outcomes() {
    }

    static int of(boolean failure, boolean slow) {
        return (failure ? FAILURE : 0) | (slow ? SLOW : 0);
    }

    static int failures(int outcome) {
        return outcome & FAILURE;
    }

    static int slowCalls(int outcome) {
        return (outcome & SLOW) >>> 1;
    }
}
