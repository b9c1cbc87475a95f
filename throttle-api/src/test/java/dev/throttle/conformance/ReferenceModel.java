package dev.throttle.conformance;

/**
 * A deliberately naive, obviously correct implementation of one algorithm, written from the spec's definition
 * and not from any engine, against which the kit checks an engine's decisions on random traffic.
 */
public interface ReferenceModel {

    /** Marks a value the model does not predict (for example an approximate algorithm's retry time). */
    long UNKNOWN = -1L;

    /**
     * Decides a request and, if it is granted, records it.
     *
     * @param now the clock's reading
     * @param permits the permits asked for, 1 to the capacity
     * @return the expected decision
     */
    Decision decide(long now, long permits);

    /**
     * An expected decision.
     *
     * @param granted whether the permits are granted
     * @param retryAfterNanos the exact retry time of a refusal, 0 for a grant, or {@link #UNKNOWN}
     * @param remaining the permits {@code remaining()} reports, or {@link #UNKNOWN}
     */
    record Decision(boolean granted, long retryAfterNanos, long remaining) {

        /**
         * A grant.
         *
         * @param remaining the permits left
         * @return the decision
         */
        public static Decision grant(long remaining) {
            return new Decision(true, 0L, remaining);
        }

        /**
         * A refusal.
         *
         * @param retryAfterNanos the retry time, or {@link #UNKNOWN}
         * @return the decision
         */
        public static Decision refuse(long retryAfterNanos) {
            return new Decision(false, retryAfterNanos, UNKNOWN);
        }
    }
}
