package dev.throttle.conformance;

/**
 * The textbook token bucket, as a reference: a level of credit, counted in nanoseconds of refill time so that
 * rates whose interval is not a whole number of nanoseconds stay exact; it starts full, refills with time up to the
 * capacity, and a request takes {@code permits·interval} of credit or is refused with the time the missing credit
 * takes to refill. A leaky bucket meter of the same capacity and rate decides the same.
 */
public final class BucketModel implements ReferenceModel {

    private final long interval;
    private final long full;
    private long credit;
    private long last = Long.MIN_VALUE;

    /**
     * A full bucket.
     *
     * @param capacity the bucket's size in permits
     * @param intervalNanos the time one permit takes to refill
     */
    public BucketModel(long capacity, long intervalNanos) {
        this.interval = intervalNanos;
        this.full = capacity * intervalNanos;
        this.credit = full;
    }

    @Override
    public Decision decide(long now, long permits) {
        if (last != Long.MIN_VALUE) {
            credit = Math.min(full, credit + (now - last));
        }
        last = now;
        long cost = permits * interval;
        if (credit >= cost) {
            credit -= cost;
            return Decision.grant(credit / interval);
        }
        return Decision.refuse(cost - credit);
    }
}
