package dev.throttle.local.resilience;

/**
 * The last {@code size} outcomes, kept exactly: record {@code r} sits in slot {@code r % size} of a ring of outcome
 * bytes, and the counts are those of exactly the last {@code min(r, size)} records. Recording is one short critical
 * section (see {@link GuardedWindow}): the leaving outcome is subtracted, the new one added and written in its
 * place; the verdict is taken on a copy of the counts, outside of it. Records are totally ordered by the lock.
 *
 * <p>A healthy breaker's window is full of plain successes (neither failed nor slow), and one more success leaves it
 * exactly as it was: the same counts, and the same sequence of outcomes from oldest to newest, since the ring only
 * turns one slot among equal ones. Such a record takes no lock and writes nothing; it reads one flag, {@link #quiet},
 * kept by the records that do take the lock. So a healthy breaker's calls do not contend on the window at all.
 */
final class CountWindow extends GuardedWindow {

    private final int size;
    /** The outcomes, record {@code r} at {@code r % size}; guarded by the lock, like the fields below. */
    private final byte[] ring;
    private long records;
    /** The slot the next record goes to. */
    private int next;
    private int failures;
    private int slowCalls;
    /**
     * Whether the window is full and holds neither a failure nor a slow call; written under the lock, only when it
     * changes, and read without it.
     */
    private volatile boolean quiet;

    CountWindow(int size, Verdict verdict) {
        super(verdict);
        this.size = size;
        this.ring = new byte[size];
    }

    @Override
    public Tally record(int outcome, long now) {
        if (outcome == 0 && quiet) {
            // Ordered before any record under way that will end the quiet: the window it saw stays the same.
            return judge(size, 0, 0);
        }
        int calls;
        int failed;
        int slow;
        lock();
        // Nothing in here can throw, so the lock is always released.
        int slot = next;
        if (records >= size) {
            int leaving = ring[slot];
            failures -= Outcomes.failures(leaving);
            slowCalls -= Outcomes.slowCalls(leaving);
            calls = size;
        } else {
            calls = slot + 1;
        }
        ring[slot] = (byte) outcome;
        next = slot + 1 == size ? 0 : slot + 1;
        records++;
        failed = failures += Outcomes.failures(outcome);
        slow = slowCalls += Outcomes.slowCalls(outcome);
        boolean nowQuiet = calls == size && failed == 0 && slow == 0;
        if (nowQuiet != quiet) {
            quiet = nowQuiet;
        }
        unlock();
        return judge(calls, failed, slow);
    }

    @Override
    public Tally tally(long now) {
        lock();
        long calls = Math.min(records, size);
        long failed = failures;
        long slow = slowCalls;
        unlock();
        return new Tally(calls, failed, slow);
    }

    /**
     * Recounts the window from the ring, for tests: it must equal the counts.
     *
     * @return calls, failures and slow calls
     */
    long[] recount() {
        lock();
        long[] counts = new long[3];
        long calls = Math.min(records, size);
        for (long back = 1; back <= calls; back++) {
            int outcome = ring[(int) Math.floorMod(next - back, (long) size)];
            counts[0]++;
            counts[1] += Outcomes.failures(outcome);
            counts[2] += Outcomes.slowCalls(outcome);
        }
        unlock();
        return counts;
    }

    /**
     * The records that took the lock since the window was created, for tests: all but the plain successes that found
     * the window quiet, which changed nothing.
     *
     * @return the count
     */
    long records() {
        lock();
        long count = records;
        unlock();
        return count;
    }
}
