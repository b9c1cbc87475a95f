package dev.throttle.local.partition;

import java.util.Arrays;

/**
 * Every count of a {@link PartitionedLimiter} at one instant, immutable: the total limit, the guarantees derived from
 * it, the permits each partition holds, and two sums kept with them. A decision reads one snapshot and publishes the
 * next by a single CAS, so the global cap and the partition's own count can never be judged on different instants.
 *
 * <p>{@code committed} is {@code Σ_q max(inUse_q, guarantee_q)}: what is either held or reserved for a partition that
 * does not use its whole guarantee. Under {@link Borrowing#RESERVED} borrowing keeps it at most {@code limit}, which is
 * what keeps every unused guarantee available; under {@link Borrowing#IDLE} it is only informative and may exceed the
 * limit (borrowers then hold part of someone's unused guarantee).
 */
final class PartitionState {

    final long limit;
    /** {@link Borrowing#RESERVED}: unused guarantees are reserved; otherwise only the global cap binds. */
    final boolean reserved;
    /** Shared, never written, between snapshots of the same limit. */
    final long[] guarantees;
    final long guaranteeSum;
    /** Owned by this snapshot, never written after construction. */
    private final long[] inUse;
    final long total;
    final long committed;

    private PartitionState(long limit, boolean reserved, long[] guarantees, long guaranteeSum, long[] inUse,
            long total, long committed) {
        this.limit = limit;
        this.reserved = reserved;
        this.guarantees = guarantees;
        this.guaranteeSum = guaranteeSum;
        this.inUse = inUse;
        this.total = total;
        this.committed = committed;
    }

    /** The state of a new limiter: nothing held. */
    static PartitionState idle(long limit, PartitionedLimiter.Borrowing borrowing, long[] guarantees) {
        return new PartitionState(limit, borrowing == PartitionedLimiter.Borrowing.RESERVED, guarantees,
                sum(guarantees), new long[guarantees.length], 0L, sum(guarantees));
    }

    long inUse(int partition) {
        return inUse[partition];
    }

    /**
     * The most one request of the partition could ever get: the limit less the others' guarantees when they are
     * reserved, else the limit.
     */
    long ceiling(int partition) {
        return reserved ? limit - guaranteeSum + guarantees[partition] : limit;
    }

    /** The part of the partition's guarantee it does not use. */
    long unusedGuarantee(int partition) {
        return Math.max(0L, guarantees[partition] - inUse[partition]);
    }

    /**
     * The most the partition could be granted now: within the global cap, and when guarantees are reserved, beyond
     * its own unused guarantee only as much as nobody has reserved ({@code limit - committed}). Zero or more.
     */
    long available(int partition) {
        long free = limit - total;
        if (!reserved) {
            return Math.max(0L, free);
        }
        long reservable = unusedGuarantee(partition) + Math.max(0L, limit - committed);
        return Math.max(0L, Math.min(free, reservable));
    }

    /** Whether granting {@code permits} would take the partition beyond its guarantee. */
    boolean borrows(int partition, long permits) {
        return inUse[partition] + permits > guarantees[partition];
    }

    /** The next state with {@code permits} more held by the partition; the caller checked {@link #available}. */
    PartitionState take(int partition, long permits) {
        return with(partition, inUse[partition] + permits);
    }

    /** The next state with {@code permits} fewer held by the partition. */
    PartitionState give(int partition, long permits) {
        return with(partition, inUse[partition] - permits);
    }

    /** The same holdings under a new limit and its guarantees: nothing is taken back. */
    PartitionState withLimit(long newLimit, long[] newGuarantees) {
        long newCommitted = 0L;
        for (int q = 0; q < inUse.length; q++) {
            newCommitted += Math.max(inUse[q], newGuarantees[q]);
        }
        return new PartitionState(newLimit, reserved, newGuarantees, sum(newGuarantees), inUse, total, newCommitted);
    }

    private PartitionState with(int partition, long held) {
        long[] next = inUse.clone();
        long before = inUse[partition];
        next[partition] = held;
        long guarantee = guarantees[partition];
        long nextCommitted = committed - Math.max(before, guarantee) + Math.max(held, guarantee);
        return new PartitionState(limit, reserved, guarantees, guaranteeSum, next, total - before + held,
                nextCommitted);
    }

    private static long sum(long[] values) {
        long sum = 0L;
        for (long value : values) {
            sum += value;
        }
        return sum;
    }

    @Override
    public String toString() {
        return "limit " + limit + (reserved ? " reserved" : " idle-borrowing") + ", in use " + Arrays.toString(inUse) + " (total " + total + "), guarantees "
                + Arrays.toString(guarantees) + ", committed " + committed;
    }
}
