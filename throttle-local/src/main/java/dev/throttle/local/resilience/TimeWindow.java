package dev.throttle.local.resilience;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The outcomes of the last {@code buckets} buckets of time, without a lock.
 *
 * <p>Time is cut into buckets of {@code bucketNanos}; bucket {@code i} lives in slot {@code i % buckets} as an
 * immutable {@link Bucket} swapped by CAS, and a record into a slot that still holds an older bucket replaces it
 * (the old one has left the window). The counts are summed over the slots whose bucket is among the last
 * {@code buckets}: each bucket read is consistent, and the sum counts every outcome recorded before it at most
 * once, the recorder's own included. A recorder whose reading of time is so stale that its bucket was already
 * replaced by a newer one drops its outcome: it belongs to a bucket that has left the window.
 */
final class TimeWindow implements OutcomeWindow {

    /** One bucket's counts. */
    record Bucket(long index, long calls, long failures, long slowCalls) {
    }

    /** A sum over buckets. */
    record Sum(long calls, long failures, long slowCalls) implements Tally {
    }

    private final long bucketNanos;
    private final int buckets;
    private final AtomicReferenceArray<Bucket> ring;

    TimeWindow(long windowNanos, long bucketNanos) {
        this.bucketNanos = bucketNanos;
        this.buckets = (int) (windowNanos / bucketNanos);
        this.ring = new AtomicReferenceArray<>(buckets);
    }

    @Override
    public Tally record(int outcome, long now) {
        long index = Math.floorDiv(now, bucketNanos);
        int slot = (int) Math.floorMod(index, (long) buckets);
        for (;;) {
            Bucket present = ring.get(slot);
            if (present != null && present.index() > index) {
                break; // stale reading of time: the bucket has left the window
            }
            Bucket base = present != null && present.index() == index ? present : null;
            Bucket next = base == null
                    ? new Bucket(index, 1, Outcomes.failures(outcome), Outcomes.slowCalls(outcome))
                    : new Bucket(index, base.calls() + 1, base.failures() + Outcomes.failures(outcome),
                            base.slowCalls() + Outcomes.slowCalls(outcome));
            if (ring.compareAndSet(slot, present, next)) {
                break;
            }
        }
        return tally(now);
    }

    @Override
    public Tally tally(long now) {
        long newest = Math.floorDiv(now, bucketNanos);
        long oldest = newest - buckets + 1;
        long calls = 0;
        long failures = 0;
        long slowCalls = 0;
        for (int slot = 0; slot < buckets; slot++) {
            Bucket bucket = ring.get(slot);
            if (bucket != null && bucket.index() >= oldest && bucket.index() <= newest) {
                calls += bucket.calls();
                failures += bucket.failures();
                slowCalls += bucket.slowCalls();
            }
        }
        return new Sum(calls, failures, slowCalls);
    }
}
