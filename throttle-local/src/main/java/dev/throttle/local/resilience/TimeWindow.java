package dev.throttle.local.resilience;

import java.util.Arrays;

/**
 * The outcomes of the last {@code buckets} buckets of time.
 *
 * <p>Time is cut into buckets of {@code bucketNanos}; bucket {@code i} lives in slot {@code i % buckets}, and a record
 * into a slot that still holds an older bucket resets it (the old one has left the window). A record judges the
 * buckets of the window ending at its own bucket. The newest bucket recorded so far defines running totals, so a
 * record in it is judged without summing the buckets; a record from a reading of time older than that (another thread
 * got ahead) sums its own window. A record whose bucket has already left the window of the newest one is dropped: it
 * would be gone from every later judgement.
 *
 * <p>Each record is one short critical section (see {@link GuardedWindow}); the slots and totals below are guarded
 * by its lock.
 */
final class TimeWindow extends GuardedWindow {

    /** The index of a slot that holds no bucket. */
    private static final long NO_BUCKET = Long.MIN_VALUE;

    private final long bucketNanos;
    private final int buckets;
    private final long[] index;
    private final long[] calls;
    private final long[] failures;
    private final long[] slowCalls;
    /** The newest bucket recorded, or {@link #NO_BUCKET}. */
    private long newest = NO_BUCKET;
    /** The sums over the buckets of the window ending at {@link #newest}. */
    private long totalCalls;
    private long totalFailures;
    private long totalSlowCalls;

    TimeWindow(long windowNanos, long bucketNanos, Verdict verdict) {
        super(verdict);
        this.bucketNanos = bucketNanos;
        this.buckets = (int) (windowNanos / bucketNanos);
        this.index = new long[buckets];
        this.calls = new long[buckets];
        this.failures = new long[buckets];
        this.slowCalls = new long[buckets];
        Arrays.fill(index, NO_BUCKET);
    }

    @Override
    public Tally record(int outcome, long now) {
        long bucket = Math.floorDiv(now, bucketNanos);
        lock();
        if (newest == NO_BUCKET || bucket > newest) {
            advanceTo(bucket);
        }
        if (bucket > newest - buckets) {
            add(bucket, outcome);
        }
        if (bucket == newest) {
            long c = totalCalls;
            long f = totalFailures;
            long s = totalSlowCalls;
            unlock();
            return judge(c, f, s);
        }
        Tally own = sum(bucket);
        unlock();
        return verdict.trips(own.calls(), own.failures(), own.slowCalls()) ? own : null;
    }

    @Override
    public Tally tally(long now) {
        lock();
        Tally counts = sum(Math.floorDiv(now, bucketNanos));
        unlock();
        return counts;
    }

    /** Makes {@code bucket} the newest: the buckets that leave the window leave the totals. */
    private void advanceTo(long bucket) {
        if (newest != NO_BUCKET) {
            // Those of the old window at or before bucket - buckets: at most one pass over the slots.
            long lastGone = Math.min(newest, bucket - buckets);
            for (long gone = newest - buckets + 1; gone <= lastGone; gone++) {
                int slot = slot(gone);
                if (index[slot] == gone) {
                    totalCalls -= calls[slot];
                    totalFailures -= failures[slot];
                    totalSlowCalls -= slowCalls[slot];
                }
            }
        }
        newest = bucket;
    }

    /** Counts an outcome in its bucket, which lies in the window of the newest one. */
    private void add(long bucket, int outcome) {
        int slot = slot(bucket);
        if (index[slot] != bucket) {
            // An older bucket: it has left the window, and the totals, already.
            index[slot] = bucket;
            calls[slot] = 0;
            failures[slot] = 0;
            slowCalls[slot] = 0;
        }
        calls[slot]++;
        failures[slot] += Outcomes.failures(outcome);
        slowCalls[slot] += Outcomes.slowCalls(outcome);
        totalCalls++;
        totalFailures += Outcomes.failures(outcome);
        totalSlowCalls += Outcomes.slowCalls(outcome);
    }

    /** Sums the buckets of the window ending at bucket {@code last}. */
    private Tally sum(long last) {
        long oldest = last - buckets + 1;
        long c = 0;
        long f = 0;
        long s = 0;
        for (int slot = 0; slot < buckets; slot++) {
            if (index[slot] != NO_BUCKET && index[slot] >= oldest && index[slot] <= last) {
                c += calls[slot];
                f += failures[slot];
                s += slowCalls[slot];
            }
        }
        return new Tally(c, f, s);
    }

    private int slot(long bucket) {
        return (int) Math.floorMod(bucket, (long) buckets);
    }
}
