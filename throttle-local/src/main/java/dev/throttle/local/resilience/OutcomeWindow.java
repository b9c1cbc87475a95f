package dev.throttle.local.resilience;

/** The recent outcomes a closed breaker judges. Thread-safe and lock-free. */
interface OutcomeWindow {

    /**
     * Records one outcome.
     *
     * @param outcome the outcome, see {@link Outcomes}
     * @param now the ticker reading
     * @return the counts right after it, this outcome included
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
