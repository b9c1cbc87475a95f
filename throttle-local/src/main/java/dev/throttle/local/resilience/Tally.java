package dev.throttle.local.resilience;

/** The counts of a window of outcomes at one moment. */
interface Tally {

    /**
     * The calls in the window.
     *
     * @return 0 or more
     */
    long calls();

    /**
     * The failed calls in the window.
     *
     * @return 0 to {@link #calls()}
     */
    long failures();

    /**
     * The slow calls in the window.
     *
     * @return 0 to {@link #calls()}
     */
    long slowCalls();
}
