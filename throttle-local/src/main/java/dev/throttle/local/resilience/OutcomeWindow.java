package dev.throttle.local.resilience;

/** The recent outcomes a closed breaker judges. Thread-safe. */
interface OutcomeWindow {

    /** Decides from a window's counts whether the breaker opens. */
    @FunctionalInterface
    interface Verdict {

        /**
         * Tells whether these counts call for opening the breaker.
         *
         * @param calls the calls in the window
         * @param failures the failed ones
         * @param slowCalls the slow ones
         * @return true to open
         */
        boolean trips(long calls, long failures, long slowCalls);
    }

    /**
     * Records one outcome and judges the window right after it. The counts are built into an object only when they
     * call for opening, which happens once per opening: a closed breaker's calls allocate nothing.
     *
     * @param outcome the outcome, see {@link Outcomes}
     * @param now the ticker reading
     * @return the counts right after it, this outcome included, if the window's verdict is to open; otherwise null
     */
    Tally record(int outcome, long now);

    /**
     * The counts now.
     *
     * @param now the ticker reading
     * @return the counts
     */
    Tally tally(long now);
}
