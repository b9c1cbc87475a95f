package dev.throttle.local.partition;

/**
 * How the partitions of a {@link PartitionedLimiter} may use capacity beyond their guarantees. In both policies the
 * total limit {@code L} is never exceeded and nothing held is ever taken back; they differ in what a guarantee
 * promises. With {@code g_p} a partition's guarantee and {@code inUse_p} what it holds:
 */
public enum Borrowing {

    /**
     * Idle capacity is lent to whoever asks (the default). A request is granted iff {@code Σ inUse + n ≤ L}, so
     * shares summing to 1 (premium 70 %, standard 30 %) still let standard take all of {@code L} while premium is
     * idle. A partition's guarantee is then a <em>priority</em>, not a reservation: while it holds less than
     * {@code g_p}, its waiters are served the next released permits before any request that borrows, and requests
     * that would borrow are refused while it waits; so its guarantee becomes available within the time the borrowers
     * take to release their permits, never by exceeding {@code L} and never by revoking a permit. The price: a
     * partition below its guarantee that finds {@code L} held by borrowers is refused by
     * {@link Partition#tryAcquire(long)} (retry when a permit is released) and waits if it asked to, at the head of
     * the line. A partition's ceiling, the most one request may ask, is {@code L}.
     *
     * <p>Netflix concurrency-limits' partitioned limiter instead admits a partition under its share even when the
     * global limit is reached, so its total in flight can exceed the limit. Here it cannot.
     */
    IDLE,

    /**
     * Unused guarantees are reserved: a partition may go beyond {@code g_p} only so that afterwards
     * {@code Σ_q max(inUse_q, g_q) ≤ L}, borrowing only capacity no guarantee reserves. A request within the
     * partition's unused guarantee is then always granted at once (unless its own queue is not empty, or a lowered
     * limit is still draining); the price is capacity left idle: shares summing to 1 make isolated bulkheads that
     * never borrow. A partition's ceiling is {@code L} less the others' guarantees.
     */
    RESERVED
}
