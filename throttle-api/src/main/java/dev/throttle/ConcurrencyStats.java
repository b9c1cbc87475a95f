package dev.throttle;

/**
 * The live state of a limiter whose permits are held until closed (a bulkhead, or an adaptive or partitioned
 * concurrency limit), for gauges, dashboards and HTTP headers.
 *
 * <p>Each reading is a racy snapshot taken without synchronisation: cheap enough to poll from a metrics thread, but
 * never a promise about the next decision.
 */
public interface ConcurrencyStats {

    /**
     * The most permits that may be held at once right now. Fixed for a plain bulkhead; moves for an adaptive limit.
     *
     * @return one or more
     */
    long limit();

    /**
     * Permits held now by granted permits that are not yet closed.
     *
     * @return zero or more; above {@link #limit()} only while a lowered limit drains
     */
    long inFlight();

    /**
     * Requests waiting in the queue for a permit.
     *
     * @return zero or more
     */
    int queueLength();
}
