package dev.throttle.examples;

import dev.throttle.Permit;

/** Renders one decision as a table cell. */
final class Cells {

    /** A grant. */
    static final String GRANTED = "✓";

    /** The mark every refusal starts with. */
    static final String REFUSED = "✗";

    private static final long NANOS_PER_MILLI = 1_000_000L;

    private Cells() {
    }

    /**
     * {@code ✓} for a grant; {@code ✗} and the time until a retry could succeed, in whole milliseconds rounded up
     * (so retrying then is never early), for a refusal.
     *
     * @param permit the decision
     * @return the cell
     */
    static String of(Permit permit) {
        if (permit.granted()) {
            return GRANTED;
        }
        if (permit.never()) {
            return REFUSED + " never";
        }
        long retryAfter = permit.retryAfterNanos();
        return retryAfter == 0 ? REFUSED : REFUSED + " " + millis(retryAfter);
    }

    /**
     * A grant that comes after a wait in a queue.
     *
     * @param waitNanos the wait
     * @return the cell, {@code ✓ +200ms}
     */
    static String delayed(long waitNanos) {
        return GRANTED + " +" + millis(waitNanos);
    }

    private static String millis(long nanos) {
        return ((nanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI) + "ms";
    }
}
