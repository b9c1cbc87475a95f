package dev.throttle.local.resilience;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The last {@code size} outcomes, kept exactly without a lock.
 *
 * <p>The counts live in one immutable {@link Snapshot} swapped by CAS: recording an outcome is one CAS from the
 * snapshot after {@code r} records to the one after {@code r + 1}, so records are totally ordered and the counts are
 * always those of exactly the last {@code min(r, size)} of them. The outcomes themselves sit in a ring (record
 * {@code r} in slot {@code r % size}), needed to know which outcome leaves the window. The ring cannot be written in
 * the same CAS, so each snapshot also carries its latest outcome, and every recorder first writes the previous
 * record's outcome into the ring (helping whoever recorded it) before computing the next snapshot. Hence when the
 * snapshot says {@code r} records, records {@code 0 .. r-1} are all in the ring, including {@code r - size}, the
 * one about to leave. Ring entries are tagged with their record number, so a late helper never overwrites a newer
 * entry, and a recorder that read a ring slot already reused fails its CAS (the snapshot moved on) and starts over.
 */
final class CountWindow implements OutcomeWindow {

    /** A ring slot never written. */
    private static final long EMPTY = -1L;

    /** The counts after a number of records, and the outcome of the latest. */
    static final class Snapshot implements Tally {
        static final Snapshot START = new Snapshot(0L, 0, 0, 0, 0);

        final long records;
        final int calls;
        final int failures;
        final int slowCalls;
        final int latest;

        Snapshot(long records, int calls, int failures, int slowCalls, int latest) {
            this.records = records;
            this.calls = calls;
            this.failures = failures;
            this.slowCalls = slowCalls;
            this.latest = latest;
        }

        @Override
        public long calls() {
            return calls;
        }

        @Override
        public long failures() {
            return failures;
        }

        @Override
        public long slowCalls() {
            return slowCalls;
        }
    }

    private final int size;
    private final AtomicLongArray ring;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(Snapshot.START);

    CountWindow(int size) {
        this.size = size;
        this.ring = new AtomicLongArray(size);
        for (int i = 0; i < size; i++) {
            ring.set(i, EMPTY);
        }
    }

    @Override
    public Tally record(int outcome, long now) {
        for (;;) {
            Snapshot current = snapshot.get();
            if (current.records > 0) {
                publish(current.records - 1, current.latest);
            }
            int calls = current.calls;
            int failures = current.failures + Outcomes.failures(outcome);
            int slowCalls = current.slowCalls + Outcomes.slowCalls(outcome);
            if (current.records >= size) {
                int leaving = (int) (ring.get(slot(current.records)) & 3);
                failures -= Outcomes.failures(leaving);
                slowCalls -= Outcomes.slowCalls(leaving);
            } else {
                calls++;
            }
            Snapshot next = new Snapshot(current.records + 1, calls, failures, slowCalls, outcome);
            if (snapshot.compareAndSet(current, next)) {
                return next;
            }
        }
    }

    @Override
    public Tally tally(long now) {
        return snapshot.get();
    }

    /** Writes a record's outcome into its slot unless the slot already holds it or a newer record. */
    private void publish(long record, int outcome) {
        int slot = slot(record);
        long entry = record << 2 | outcome;
        for (;;) {
            long present = ring.get(slot);
            if (present != EMPTY && present >>> 2 >= record) {
                return;
            }
            if (ring.compareAndSet(slot, present, entry)) {
                return;
            }
        }
    }

    private int slot(long record) {
        return (int) (record % size);
    }

    /**
     * Recounts the window from the ring, for tests: at rest it must equal the snapshot's counts.
     *
     * @return calls, failures and slow calls
     */
    long[] recount() {
        Snapshot current = snapshot.get();
        if (current.records > 0) {
            publish(current.records - 1, current.latest);
        }
        long[] counts = new long[3];
        for (long record = Math.max(0L, current.records - size); record < current.records; record++) {
            long entry = ring.get(slot(record));
            if (entry >>> 2 != record) {
                throw new IllegalStateException("slot of record " + record + " holds record " + (entry >>> 2));
            }
            int outcome = (int) (entry & 3);
            counts[0]++;
            counts[1] += Outcomes.failures(outcome);
            counts[2] += Outcomes.slowCalls(outcome);
        }
        return counts;
    }

    /**
     * The records made since the window was created, for tests.
     *
     * @return the count
     */
    long records() {
        return snapshot.get().records;
    }
}
